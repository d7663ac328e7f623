// The oracle comparison: tools/hpa-oracle (the Kubernetes HPA controller's own code, built into .tools/bin by
// scripts/setup --with-test-tools) and the twin (src/trace.ts) decide over the same trace; every step where
// they differ is a mismatch that names the step, its inputs and both decisions.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import type { AutoscalerState, Decision } from '../../src/autoscaler.ts';
import { replayTrace, type Trace, type TraceStep } from '../../src/trace.ts';

export const ORACLE = join(repositoryRoot, '.tools/bin/hpa-oracle');
export const ORACLE_MODULE = join(repositoryRoot, 'tools/hpa-oracle');
export const TRACES_DIR = join(import.meta.dirname, '..', 'traces');

/** One step of the controller's answer (tools/hpa-oracle/trace.go, `Result`). */
export interface OracleStep {
  at: number;
  desiredReplicas: number;
  rescaled: boolean;
  conditions: Partial<Record<'AbleToScale' | 'ScalingActive' | 'ScalingLimited', string>>;
  currentUtilization?: number;
  currentAverageMilli?: number;
  error?: string;
  state: unknown;
}

export interface OracleOutput {
  kubernetes: string;
  steps: OracleStep[];
}

export function runOracle(trace: Trace): OracleOutput {
  const stdout = execFileSync(ORACLE, {
    input: JSON.stringify(trace),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return JSON.parse(stdout) as OracleOutput;
}

export function readTraces(dir = TRACES_DIR): { name: string; trace: Trace }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      name: f.replace(/\.json$/, ''),
      trace: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Trace,
    }));
}

export const oracleBuilt = (): boolean => existsSync(ORACLE);

/** The comparable part of a decision, in the controller's terms. */
export interface Comparable {
  desiredReplicas: number;
  AbleToScale?: string | undefined;
  ScalingActive?: string | undefined;
  ScalingLimited?: string | undefined;
  utilization?: number | undefined;
  averageMilli?: number | undefined;
  /** The memory after the sync (recommendations and scale events), in trace time. */
  state?: unknown;
}

type Field = keyof Comparable;
const ALL_FIELDS: readonly Field[] = [
  'desiredReplicas',
  'AbleToScale',
  'ScalingActive',
  'ScalingLimited',
  'utilization',
  'averageMilli',
  'state',
];

/**
 * What a sync decides depends on its path, and the controller sets only some conditions on the short ones
 * (the others keep their reason from the previous sync): spec.replicas 0 disables scaling (ScalingActive
 * only); outside [min, max] it is corrected without a metric (AbleToScale only); without any metric it
 * keeps the count (ScalingActive only). Everything is compared on the full path.
 */
export function comparedFields(
  trace: Trace,
  step: TraceStep,
  oracleScalingActive?: string,
): readonly Field[] {
  const { minReplicas, maxReplicas } = trace.hpa;
  if (step.replicas === 0 && minReplicas !== 0) return ['desiredReplicas', 'ScalingActive', 'state'];
  if (step.replicas > maxReplicas || step.replicas < minReplicas)
    return ['desiredReplicas', 'AbleToScale', 'state'];
  if (oracleScalingActive !== 'ValidMetricFound') return ['desiredReplicas', 'ScalingActive', 'state'];
  return ALL_FIELDS;
}

const pick = (c: Comparable, fields: readonly Field[]): Partial<Comparable> =>
  Object.fromEntries(fields.map((f) => [f, c[f]]));

export function comparableOracle(step: OracleStep): Comparable {
  return {
    desiredReplicas: step.desiredReplicas,
    AbleToScale: step.conditions.AbleToScale,
    ScalingActive: step.conditions.ScalingActive,
    ScalingLimited: step.conditions.ScalingLimited,
    utilization: step.currentUtilization,
    averageMilli: step.currentAverageMilli,
    state: step.state,
  };
}

export function comparableTwin(decision: Decision, state: AutoscalerState): Comparable {
  return {
    desiredReplicas: decision.desiredReplicas,
    ...decision.conditions,
    utilization: decision.utilization,
    averageMilli: decision.averageCpuMillicores,
    state,
  };
}

/** A short account of a step's inputs: spec.replicas and each pod's state and CPU. */
function describeInputs(step: TraceStep): string {
  const pods = step.pods.map((p) => {
    const state = p.terminating ? 'terminating' : (p.phase ?? (p.ready ? 'ready' : 'not-ready'));
    const cpu = p.cpuUsageCores === undefined ? 'no metric' : `${p.cpuUsageCores} cores`;
    return `${p.name} ${state} ${cpu}`;
  });
  return `spec.replicas ${step.replicas}; pods: ${pods.join(', ')}`;
}

/** The twin's side of the comparison: its decision and memory after each step. */
export const replayTwin = (trace: Trace): Comparable[] =>
  replayTrace(trace).map(({ decision, state }) => comparableTwin(decision, state));

/** Every step where the twin and the controller differ, each as a readable account. */
export function mismatches(
  trace: Trace,
  oracle: readonly OracleStep[],
  twin: readonly Comparable[],
): Mismatch[] {
  if (oracle.length !== trace.steps.length || twin.length !== trace.steps.length) {
    throw new Error(
      `step counts differ: trace ${trace.steps.length}, oracle ${oracle.length}, twin ${twin.length}`,
    );
  }
  const found: Mismatch[] = [];
  trace.steps.forEach((step, i) => {
    const fromOracle = oracle[i] as OracleStep;
    const fields = comparedFields(trace, step, fromOracle.conditions.ScalingActive);
    const controller = pick(comparableOracle(fromOracle), fields);
    const twinSide = pick(twin[i] as Comparable, fields);
    if (JSON.stringify(controller) === JSON.stringify(twinSide)) return;
    found.push({ step: i, account: describe(i, step, controller, twinSide) });
  });
  return found;
}

export interface Mismatch {
  step: number;
  account: string;
}

function describe(i: number, step: TraceStep, controller: object, twin: object): string {
  return (
    `step ${i} (t=${step.at / 1000} s): ${describeInputs(step)}\n  controller: ${JSON.stringify(controller)}` +
    `\n  twin:       ${JSON.stringify(twin)}`
  );
}
