// Lint and project policy for the Dockerfiles. dockerfile-utils (the validator behind the Docker language
// service) finds what `docker build` would reject or warn about; the rules below are what this project
// promises of its images: exact base tags, a numeric non-root user, exec-form entry points, no ADD, lean apt
// layers, and no npm in a Node runtime image.
import { validate, ValidationCode, type ValidatorSettings } from 'dockerfile-utils';
import { execForm, parseCopy, parseDockerfile, splitImageReference, type Instruction } from './dockerfile.ts';

export interface Finding {
  /** Path relative to the repository root (or as given). */
  file: string;
  line: number;
  rule: string;
  message: string;
}

export function formatFinding(finding: Finding): string {
  return `${finding.file}:${finding.line}: [${finding.rule}] ${finding.message}`;
}

/** Warnings are findings too: the Dockerfiles are kept free of both. */
const validatorSettings: ValidatorSettings = {};

/** An exact version in a tag: 24.21.0-bookworm-slim, 3.3.2-python3.11, 0.13.8. */
const EXACT_VERSION = /(^|[^0-9])\d+\.\d+\.\d+/;

export function lintDockerfile(file: string, text: string): Finding[] {
  const findings: Finding[] = validate(text, validatorSettings).map((diagnostic) => ({
    file,
    line: diagnostic.range.start.line + 1,
    rule: `dockerfile-utils/${typeof diagnostic.code === 'number' ? (ValidationCode[diagnostic.code] ?? diagnostic.code) : (diagnostic.code ?? 'diagnostic')}`,
    message: typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value,
  }));
  const add = (instruction: Instruction, rule: string, message: string): void => {
    findings.push({ file, line: instruction.line, rule, message });
  };
  const { instructions, stages } = parseDockerfile(text);
  const stageNames = new Set(stages.map((stage) => stage.name).filter((name) => name !== null));

  // Every image pulled (FROM and COPY --from=<image>) has an exact, non-latest tag or a digest.
  const checkImage = (instruction: Instruction, reference: string): void => {
    if (stageNames.has(reference.toLowerCase()) || reference === 'scratch') return;
    if (reference.includes('$')) {
      add(
        instruction,
        'base-image-pinned',
        `${reference}: write the image literally, not through a build argument`,
      );
      return;
    }
    const { tag, digest } = splitImageReference(reference);
    if (tag === null && digest === null) {
      add(instruction, 'no-latest-tag', `${reference} has no tag, which means latest: pin an exact version`);
    } else if (tag === 'latest') {
      add(instruction, 'no-latest-tag', `${reference} uses the mutable tag latest: pin an exact version`);
    } else if (digest === null && !EXACT_VERSION.test(tag ?? '')) {
      add(instruction, 'base-image-pinned', `${reference}: the tag names no exact version (x.y.z)`);
    }
  };
  for (const stage of stages) checkImage(stage.from, stage.image);
  for (const instruction of instructions) {
    if (instruction.keyword === 'COPY') {
      const copy = parseCopy(instruction);
      if (copy.from !== null && !/^\d+$/.test(copy.from)) checkImage(instruction, copy.from);
    }
    if (instruction.keyword === 'ADD') {
      add(instruction, 'no-add', 'use COPY: ADD also fetches URLs and unpacks archives');
    }
    if (instruction.keyword === 'RUN' && /\bapt-get\s+(-\S+\s+)*install\b/.test(instruction.args)) {
      if (!instruction.args.includes('--no-install-recommends')) {
        add(instruction, 'apt-no-install-recommends', 'apt-get install without --no-install-recommends');
      }
      if (!/rm -rf \/var\/lib\/apt\/lists/.test(instruction.args)) {
        add(instruction, 'apt-lists-removed', 'remove /var/lib/apt/lists in the same RUN as apt-get install');
      }
    }
  }

  const final = stages.at(-1);
  if (final === undefined) return findings;
  // The runtime stage runs as a numeric, non-root user, so that Kubernetes' runAsNonRoot can verify it.
  const users = final.instructions.filter((instruction) => instruction.keyword === 'USER');
  const user = users.at(-1);
  if (user === undefined) {
    add(final.from, 'final-user-numeric-non-root', 'the final stage sets no USER: it would run as root');
  } else {
    const [uid = '', gid] = user.args.trim().split(':');
    if (!/^\d+$/.test(uid) || (gid !== undefined && !/^\d+$/.test(gid))) {
      add(user, 'final-user-numeric-non-root', `USER ${user.args}: use numeric ids (e.g. 10001:10001)`);
    } else if (Number(uid) === 0) {
      add(user, 'final-user-numeric-non-root', 'USER 0 is root');
    }
  }
  // Exec form: the process is PID 1 and receives SIGTERM itself (the services drain on it).
  for (const instruction of final.instructions) {
    if (
      (instruction.keyword === 'CMD' || instruction.keyword === 'ENTRYPOINT') &&
      execForm(instruction) === null
    ) {
      add(
        instruction,
        'exec-form-entrypoint',
        `${instruction.keyword} in shell form: a shell would swallow SIGTERM`,
      );
    }
  }
  // A Node runtime image carries no npm: nothing installs into a running container.
  if (splitImageReference(final.image).name === 'node') {
    const removesNpm = final.instructions.some(
      (instruction) =>
        instruction.keyword === 'RUN' && instruction.args.includes('/usr/local/lib/node_modules/npm'),
    );
    if (!removesNpm) {
      add(
        final.from,
        'no-npm-at-runtime',
        'the Node runtime stage keeps npm: remove /usr/local/lib/node_modules/npm',
      );
    }
  }
  return findings;
}
