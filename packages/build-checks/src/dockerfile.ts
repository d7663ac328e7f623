// A small Dockerfile reader for the project's policy checks: logical instructions (continuations joined,
// comments dropped) with the line each starts on, grouped into build stages.

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ... */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** 1-based line where the instruction starts. */
  line: number;
}

export interface Stage {
  /** The FROM instruction that opens the stage. */
  from: Instruction;
  /** The image reference (or earlier stage name) after FROM, flags and `AS name` removed. */
  image: string;
  /** The stage's name (`AS name`), lower-case; null when unnamed. */
  name: string | null;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  instructions: Instruction[];
  stages: Stage[];
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.split(/\r?\n/);
  const instructions: Instruction[] = [];
  let current: { start: number; parts: string[] } | null = null;
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    // Comment lines are dropped, also inside a continued instruction (as BuildKit does).
    if (trimmed.startsWith('#')) return;
    if (current === null) {
      if (trimmed === '') return;
      current = { start: index + 1, parts: [] };
    }
    const continued = trimmed.endsWith('\\');
    current.parts.push(continued ? trimmed.slice(0, -1).trim() : trimmed);
    if (!continued) {
      const joined = current.parts.filter((part) => part !== '').join(' ');
      const match = /^(\S+)\s*(.*)$/s.exec(joined);
      if (match) {
        instructions.push({
          keyword: (match[1] ?? '').toUpperCase(),
          args: match[2] ?? '',
          line: current.start,
        });
      }
      current = null;
    }
  });
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
      const asIndex = words.findIndex((word) => word.toUpperCase() === 'AS');
      stages.push({
        from: instruction,
        image: words[0] ?? '',
        name: asIndex >= 0 ? (words[asIndex + 1] ?? '').toLowerCase() : null,
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { instructions, stages };
}

export interface CopyInstruction {
  instruction: Instruction;
  /** The value of --from (a stage name or an image), or null for the build context. */
  from: string | null;
  sources: string[];
  destination: string;
}

/** COPY's flags, sources and destination (shell form or JSON form). */
export function parseCopy(instruction: Instruction): CopyInstruction {
  let words: string[];
  const args = instruction.args.trim();
  const flags = args.match(/^(--\S+\s+)*/)?.[0] ?? '';
  const rest = args.slice(flags.length);
  if (rest.startsWith('[')) {
    words = JSON.parse(rest) as string[];
  } else {
    words = rest.split(/\s+/).filter((word) => word !== '');
  }
  const from = /--from=(\S+)/.exec(flags)?.[1] ?? null;
  return {
    instruction,
    from,
    sources: words.slice(0, -1),
    destination: words.at(-1) ?? '',
  };
}

/** An image reference split into name, tag and digest. */
export function splitImageReference(reference: string): {
  name: string;
  tag: string | null;
  digest: string | null;
} {
  const [withoutDigest = '', digest = null] = reference.split('@');
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon < 0
    ? { name: withoutDigest, tag: null, digest }
    : { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
}

/** The exec (JSON) form of CMD/ENTRYPOINT/RUN, or null for the shell form. */
export function execForm(instruction: Instruction): string[] | null {
  const args = instruction.args.trim();
  if (!args.startsWith('[')) return null;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : null;
  } catch {
    return null;
  }
}
