// Running the Prometheus tool binaries (Debian's prometheus and prometheus-alertmanager packages).
import { spawnSync } from 'node:child_process';

export interface ToolResult {
  status: number | null;
  output: string;
}

/** Runs a tool to completion; output is stdout and stderr together, for failure messages. */
export function runTool(command: string, args: readonly string[], cwd?: string): ToolResult {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error !== undefined)
    throw new Error(`cannot run ${command}: ${result.error.message}`, { cause: result.error });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The version of a Prometheus-family tool ("0.25.0"), from `--version`. */
export function toolVersion(command: string): string {
  const { output } = runTool(command, ['--version']);
  const match = /version (\d+\.\d+\.\d+)/.exec(output);
  if (match?.[1] === undefined) throw new Error(`cannot read the version of ${command}: ${output}`);
  return match[1];
}

/** True when version a >= b (major.minor.patch). */
export function versionAtLeast(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** The value, or a test failure saying what was missing. */
export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing: ${what}`);
  return value;
}
