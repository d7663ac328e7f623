// Builders shared by the tests: pods from millicore readings, HPA specs with the API server's defaults, and a
// small closed-loop simulation of a Deployment whose pods share a CPU demand.
import { Autoscaler, type Decision, type PodSample } from '../src/index.ts';
import { defaultScaleDownRules, defaultScaleUpRules, type HpaSpec, type ScalingRules } from '../src/spec.ts';

/** Ready, running pods with these CPU readings in millicores. */
export function readyPods(...milli: number[]): PodSample[] {
  return milli.map((m, i) => ({ name: `pod-${i}`, ready: true, cpuUsageCores: m / 1000 }));
}

/** `n` ready pods each using `milli` millicores. */
export function uniformPods(n: number, milli: number): PodSample[] {
  return readyPods(...Array.from({ length: n }, () => milli));
}

export function hpaSpec(
  overrides: Partial<HpaSpec> & { scaleUp?: Partial<ScalingRules>; scaleDown?: Partial<ScalingRules> } = {},
): HpaSpec {
  const { scaleUp, scaleDown, ...rest } = overrides;
  return {
    name: 'test',
    target: { kind: 'Deployment', name: 'test' },
    minReplicas: 1,
    maxReplicas: 100,
    metric: { type: 'Resource', averageUtilization: 50 },
    behavior: {
      scaleUp: { ...defaultScaleUpRules(), ...scaleUp },
      scaleDown: { ...defaultScaleDownRules(), ...scaleDown },
    },
    ...rest,
  };
}

export interface Step {
  t: number;
  replicas: number;
  decision: Decision;
}

/**
 * Runs the twin every `syncSeconds` against a Deployment whose ready pods share `demandCores(t)` equally, each
 * capped at `limitCores` (the container's CPU limit). A new pod is not ready for `startupSeconds` and uses a
 * little CPU meanwhile; a removed pod is gone at once. Returns the replica count after every sync.
 */
export function simulate(options: {
  autoscaler: Autoscaler;
  initialReplicas: number;
  durationSeconds: number;
  demandCores: (t: number) => number;
  syncSeconds?: number;
  startupSeconds?: number;
  limitCores?: number;
}): Step[] {
  const { autoscaler, durationSeconds, demandCores } = options;
  const syncSeconds = options.syncSeconds ?? 15;
  const startupSeconds = options.startupSeconds ?? 10;
  const limitCores = options.limitCores ?? 1;
  let serial = 0;
  let pods = Array.from({ length: options.initialReplicas }, () => ({
    name: `scoring-api-${serial++}`,
    createdAt: -3600,
  }));
  const steps: Step[] = [];
  for (let t = 0; t <= durationSeconds; t += syncSeconds) {
    const ready = pods.filter((p) => t - p.createdAt >= startupSeconds);
    const share = Math.min(limitCores, demandCores(t) / Math.max(1, ready.length));
    const samples: PodSample[] = pods.map((p) =>
      t - p.createdAt >= startupSeconds
        ? { name: p.name, ready: true, cpuUsageCores: share }
        : { name: p.name, ready: false, cpuUsageCores: 0.05 },
    );
    const decision = autoscaler.evaluate({ now: t * 1000, currentReplicas: pods.length, pods: samples });
    if (decision.desiredReplicas > pods.length) {
      const added = decision.desiredReplicas - pods.length;
      for (let i = 0; i < added; i++) pods.push({ name: `scoring-api-${serial++}`, createdAt: t });
    } else if (decision.desiredReplicas < pods.length) {
      pods = pods.slice(0, decision.desiredReplicas);
    }
    steps.push({ t, replicas: pods.length, decision });
  }
  return steps;
}
