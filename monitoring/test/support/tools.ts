// Running the Prometheus tool binaries: the Debian packages the embedded stack runs (on PATH) and the versions
// the cluster runs (kube-prometheus-stack's images), built by scripts/setup --with-test-tools from
// tools/prometheus-tools into .tools/bin.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repositoryRoot } from '@fraudops/config';

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

/** promtool and amtool of one Prometheus/Alertmanager pair, with the versions they report. */
export interface PrometheusToolset {
  /** Where these versions run: the embedded stack (Debian's packages) or the cluster (kube-prometheus-stack). */
  runsIn: 'embedded stack' | 'cluster';
  promtool: string;
  amtool: string;
  promtoolVersion: string;
  amtoolVersion: string;
}

/** Where scripts/setup --with-test-tools puts the cluster's promtool and amtool. */
export const clusterToolsDir = join(repositoryRoot, '.tools/bin');

function toolset(runsIn: PrometheusToolset['runsIn'], promtool: string, amtool: string): PrometheusToolset {
  return {
    runsIn,
    promtool,
    amtool,
    promtoolVersion: toolVersion(promtool),
    amtoolVersion: toolVersion(amtool),
  };
}

/** The built cluster tool; a missing one fails the test with the command that builds it, never skips it. */
export function clusterTool(name: 'promtool' | 'amtool'): string {
  const path = join(clusterToolsDir, name);
  if (!existsSync(path))
    throw new Error(
      `${relative(repositoryRoot, path)} is missing: run scripts/setup --with-test-tools (it builds the cluster's promtool and amtool from tools/prometheus-tools)`,
    );
  return path;
}

let cached: PrometheusToolset[] | undefined;

/**
 * Both toolsets, the embedded stack's first. A rule or configuration must pass under each: the same files
 * load in the embedded stack and in the cluster.
 */
export function prometheusToolsets(): PrometheusToolset[] {
  cached ??= [
    toolset('embedded stack', 'promtool', 'amtool'),
    toolset('cluster', clusterTool('promtool'), clusterTool('amtool')),
  ];
  return cached;
}

/** "promtool 3.10.0 (cluster)": names tests after what they ran. */
export const promtoolName = (t: PrometheusToolset): string => `promtool ${t.promtoolVersion} (${t.runsIn})`;
export const amtoolName = (t: PrometheusToolset): string => `amtool ${t.amtoolVersion} (${t.runsIn})`;
