// Deterministic traces for the oracle comparison (test/oracle.test.ts): a Deployment of the project's HPA
// (deploy/k8s, read through src/manifests.ts) whose ready pods share a CPU demand, run for a few minutes of
// 15-s syncs with the twin deciding, as the embedded stack's controller does (packages/stack/src/cluster: each
// sync it observes spec.replicas and the pods, ready or not, with their CPU use). Pure: the same scenario
// gives the same trace. `scripts/generate-traces.ts` writes them to test/traces/.
import { Autoscaler } from '../src/autoscaler.ts';
import type { HpaSpec } from '../src/spec.ts';
import type { Trace, TracePod, TraceStep } from '../src/trace.ts';

/** How a new pod comes up, in seconds after it is created. */
export interface PodLifecycle {
  /** Pending (scheduled, no container running) until then. */
  pendingSeconds: number;
  /** metrics-server has no sample of it until then. */
  firstMetricSeconds: number;
  /** Not Ready until then (readiness probe). */
  readySeconds: number;
  /** CPU of a started pod that is not ready yet (loading the model). */
  startupCores: number;
}

export interface Scenario {
  name: string;
  description: string;
  durationSeconds: number;
  initialReplicas: number;
  /** Total CPU demand in cores at time t (s), spread over the ready pods. */
  demandCores: (t: number) => number;
  lifecycle?: Partial<PodLifecycle>;
  /** Pods that crash (become Failed, and the ReplicaSet creates a replacement): time (s) and pod name. */
  crashes?: { at: number; pod: string }[];
  /** Whether metrics-server has no sample of a running pod at time t (s). */
  metricMissing?: (t: number, pod: string) => boolean;
  /** A change to the project's HPA (e.g. without `behavior`). */
  hpa?: (hpa: HpaSpec) => HpaSpec;
  /** Give new pods their start and readiness-change times, which the controller's CPU start-up rule reads. */
  podTimes?: boolean;
  expectedDifferences?: Trace['expectedDifferences'];
}

export const SYNC_SECONDS = 15;
/** A container's CPU limit in cores (deploy/k8s: 1 core); a pod never uses more. */
const LIMIT_CORES = 1;
const DEFAULT_LIFECYCLE: PodLifecycle = {
  pendingSeconds: 5,
  firstMetricSeconds: 10,
  readySeconds: 10,
  startupCores: 0.05,
};
/** Fixed per-pod deviations from an even share (load balancing is never exact); they sum to ~0 over 6 pods. */
const SKEW = [0.06, -0.04, 0.02, -0.05, 0.03, -0.02, 0.01];

interface PlantPod {
  name: string;
  /** Seconds; undefined for the pods that were there before the trace (started long ago, ready). */
  createdAt?: number;
  /** Listed once more after leaving: Failed (crashed) or terminating (scaled down). */
  leaving?: 'Failed' | 'terminating';
}

const podIndex = (name: string): number => Number(name.slice(name.lastIndexOf('-') + 1));
const nanoRound = (cores: number): number => Math.round(cores * 1e9) / 1e9;

function ageOf(pod: PlantPod, t: number): number {
  return pod.createdAt === undefined ? Number.POSITIVE_INFINITY : t - pod.createdAt;
}

function isReady(pod: PlantPod, t: number, life: PodLifecycle): boolean {
  return pod.leaving === undefined && ageOf(pod, t) >= life.readySeconds;
}

/** A pod's start time and the time of its last readiness change, in trace milliseconds. */
function podTimes(
  pod: PlantPod,
  ready: boolean,
  life: PodLifecycle,
): Pick<TracePod, 'startedAt' | 'readyChangedAt'> {
  if (pod.createdAt === undefined) return {};
  const startedAt = (pod.createdAt + life.pendingSeconds) * 1000;
  return { startedAt, readyChangedAt: ready ? (pod.createdAt + life.readySeconds) * 1000 : startedAt };
}

/** What metrics-server and the API server show of each pod at time t. */
function observePods(
  pods: readonly PlantPod[],
  t: number,
  scenario: Scenario,
  life: PodLifecycle,
): TracePod[] {
  const readyCount = pods.filter((p) => isReady(p, t, life)).length;
  const share = scenario.demandCores(t) / Math.max(1, readyCount);
  return pods.map((pod): TracePod => {
    const age = ageOf(pod, t);
    const ready = isReady(pod, t, life);
    if (pod.leaving === 'Failed') return { name: pod.name, ready: false, phase: 'Failed' };
    if (age < life.pendingSeconds) return { name: pod.name, ready: false, phase: 'Pending' };
    const base: TracePod = {
      name: pod.name,
      ready,
      ...(pod.leaving ? { terminating: true } : {}),
      ...(scenario.podTimes === true ? podTimes(pod, ready, life) : {}),
    };
    if (age < life.firstMetricSeconds || scenario.metricMissing?.(t, pod.name) === true) return base;
    const skew = SKEW[podIndex(pod.name) % SKEW.length] ?? 0;
    const cores = ready ? Math.min(LIMIT_CORES, share * (1 + skew)) : life.startupCores;
    return { ...base, cpuUsageCores: nanoRound(cores) };
  });
}

/** The ReplicaSet: replaces crashed pods, then converges on `replicas` (removing not-ready, then newest, first). */
class ReplicaSet {
  #serial = 0;
  pods: PlantPod[];

  constructor(initial: number) {
    this.pods = Array.from({ length: initial }, () => ({ name: this.#nextName() }));
  }

  #nextName(): string {
    return `scoring-api-${this.#serial++}`;
  }

  /** Drops the pods that were shown leaving at the last sync. */
  forgetLeaving(): void {
    this.pods = this.pods.filter((p) => p.leaving === undefined);
  }

  crash(name: string, at: number): void {
    const pod = this.pods.find((p) => p.name === name && p.leaving === undefined);
    if (pod === undefined) throw new Error(`no running pod ${name} to crash at ${at} s`);
    pod.leaving = 'Failed';
    this.pods.push({ name: this.#nextName(), createdAt: at });
  }

  scaleTo(replicas: number, t: number, life: PodLifecycle): void {
    const active = this.pods.filter((p) => p.leaving === undefined);
    for (let n = active.length; n < replicas; n++) this.pods.push({ name: this.#nextName(), createdAt: t });
    const victims = [...active]
      .sort((a, b) => Number(isReady(a, t, life)) - Number(isReady(b, t, life)) || ageOf(a, t) - ageOf(b, t))
      .slice(0, Math.max(0, active.length - replicas));
    for (const pod of victims) pod.leaving = 'terminating';
  }
}

/** Runs the scenario with the twin deciding at every sync, and records what each sync observed. */
export function generateTrace(scenario: Scenario, base: { hpa: HpaSpec; podCpuRequestMilli: number }): Trace {
  const life = { ...DEFAULT_LIFECYCLE, ...scenario.lifecycle };
  const hpa = scenario.hpa ? scenario.hpa(base.hpa) : base.hpa;
  const autoscaler = new Autoscaler({ hpa, podCpuRequestMilli: base.podCpuRequestMilli });
  const replicaSet = new ReplicaSet(scenario.initialReplicas);
  let replicas = scenario.initialReplicas;
  const steps: TraceStep[] = [];
  for (let t = 0; t <= scenario.durationSeconds; t += SYNC_SECONDS) {
    for (const crash of scenario.crashes ?? []) {
      if (crash.at > t - SYNC_SECONDS && crash.at <= t) replicaSet.crash(crash.pod, crash.at);
    }
    const step = { at: t * 1000, replicas, pods: observePods(replicaSet.pods, t, scenario, life) };
    steps.push(step);
    replicas = autoscaler.evaluate({
      now: step.at,
      currentReplicas: step.replicas,
      pods: step.pods,
    }).desiredReplicas;
    replicaSet.forgetLeaving();
    replicaSet.scaleTo(replicas, t, life);
  }
  return {
    description: scenario.description,
    source: `generated: packages/autoscaler/scripts/generate-traces.ts (scenario "${scenario.name}")`,
    hpa,
    podCpuRequestMilli: base.podCpuRequestMilli,
    steps,
    ...(scenario.expectedDifferences ? { expectedDifferences: scenario.expectedDifferences } : {}),
  };
}

/** Linear from `from` to `to` cores between t0 and t1 (s), flat outside. */
const ramp = (t: number, t0: number, t1: number, from: number, to: number): number =>
  t <= t0 ? from : t >= t1 ? to : from + ((to - from) * (t - t0)) / (t1 - t0);

/** Two attacks: ramping up for 5 min, held, dropping over 2 min; the second starts after the first is scaled away. */
const twoWaves = (t: number): number =>
  t < 660
    ? ramp(t, 60, 360, 0.45, 1.7)
    : t < 1260
      ? ramp(t, 660, 780, 1.7, 0.35)
      : t < 1620
        ? ramp(t, 1260, 1440, 0.35, 1.7)
        : ramp(t, 1620, 1740, 1.7, 0.35);

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'ramp',
    description:
      "Two attacks ramping to saturation at 6 replicas (TooManyReplicas), each held, then gone: 4 -> 6 within the scale-up policy, 6 -> 4 after the scale-down window, one replica a minute; the second wave reuses the slots of the first wave's outdated scale events.",
    durationSeconds: 2400,
    initialReplicas: 4,
    demandCores: twoWaves,
  },
  {
    name: 'policy-held-scale-up',
    description:
      'A sudden load that asks for 10+ replicas: held by the 60-s scale-up window (ScaleUpStabilized), then one pod per 30 s (ScaleUpLimit), then the max (TooManyReplicas).',
    durationSeconds: 360,
    initialReplicas: 4,
    demandCores: (t) => (t < 60 ? 0.5 : 2.4),
  },
  {
    name: 'stabilized-scale-down',
    description:
      'Load gone at 6 replicas, with one short spike inside the 300-s scale-down window: the window holds 6 (ScaleDownStabilized) and restarts from the spike, then ScaleDownLimit paces 6 -> 4.',
    durationSeconds: 1080,
    initialReplicas: 6,
    demandCores: (t) => (t < 60 ? 1.0 : t >= 225 && t < 240 ? 1.1 : 0.3),
  },
  {
    name: 'unready-scale-up',
    description:
      'A scale-up with slow pods: each new pod is Pending, then running without a metric, then running not ready with start-up CPU, before it is ready; the ratio is recomputed with them at 0%.',
    durationSeconds: 480,
    initialReplicas: 4,
    demandCores: (t) => ramp(t, 30, 150, 0.6, 1.6),
    lifecycle: { pendingSeconds: 20, firstMetricSeconds: 35, readySeconds: 50, startupCores: 0.2 },
  },
  {
    name: 'missing-metrics-scale-down',
    description:
      'A scale-down while metrics-server has no sample of two pods for a few minutes: they count at 100% of the request, which holds or reverses the scale-down (no action); then no metric at all for three syncs (FailedGetResourceMetric, the count kept).',
    durationSeconds: 1200,
    initialReplicas: 6,
    demandCores: (t) => (t < 60 ? 1.1 : t < 600 ? 0.55 : 0.3),
    // Two pods for 7 minutes, then every pod for three syncs (no metric at all: the count is kept).
    metricMissing: (t, pod) =>
      (t >= 300 && t < 720 && (pod === 'scoring-api-1' || pod === 'scoring-api-4')) || (t >= 840 && t < 885),
  },
  {
    name: 'crash-replacement',
    description:
      'Pods crash (Failed) and the ReplicaSet replaces them, at 4 replicas under light load and at 6 saturated: spec.replicas does not move, the Failed pod is ignored and the replacement is set aside until ready.',
    durationSeconds: 720,
    initialReplicas: 4,
    demandCores: (t) => (t < 150 ? 0.4 : ramp(t, 150, 300, 0.4, 1.8)),
    // A replacement is seen Pending, then running not ready without a metric (missing: 100% of the request on
    // a scale-down), then not ready with a metric (set aside), then ready.
    lifecycle: { pendingSeconds: 10, firstMetricSeconds: 25, readySeconds: 40, startupCores: 0.15 },
    crashes: [
      { at: 70, pod: 'scoring-api-2' },
      { at: 520, pod: 'scoring-api-0' },
      { at: 525, pod: 'scoring-api-5' },
    ],
  },
  {
    name: 'ramp-without-behavior',
    description:
      "The ramp with the HPA's behavior removed: the controller's older path (at most max(2 x current, 4) per sync, 300-s downscale stabilization), starting below minReplicas.",
    durationSeconds: 2400,
    initialReplicas: 2,
    demandCores: twoWaves,
    hpa: ({ behavior: _dropped, ...rest }) => rest,
  },
  {
    name: 'cpu-initialization',
    description:
      "A documented limitation of the twin: within --horizontal-pod-autoscaler-cpu-initialization-period (5 min) of its start, the controller sets aside a Ready pod's CPU until a whole metric window (15 s) has passed since it became Ready; the twin has no readiness times and counts it once Ready. New pods ready 10 s after creation are measured 5 s after becoming Ready at the next sync: the controller counts them at 0% on a scale-up, the twin at their usage.",
    durationSeconds: 300,
    initialReplicas: 4,
    demandCores: (t) => (t < 30 ? 0.6 : 1.3),
    podTimes: true,
    // Steps 6 and 8 (t = 90 s and 120 s) measure a pod Ready for 5 s; the others carry the different
    // recommendation of those steps in the memory (the 300-s scale-down window keeps it to the end).
    expectedDifferences: {
      steps: Array.from({ length: 15 }, (_, i) => 6 + i),
      why: 'the controller sets aside the CPU of a pod Ready for less than one metric window (cpu-initialization-period rule) where the twin counts it, and remembers a different recommendation from then on',
    },
  },
];
