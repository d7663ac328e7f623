// The Kubernetes HorizontalPodAutoscaler algorithm for a CPU utilization metric, as pure functions over plain
// data. Each function follows one function of k8s.io/kubernetes pkg/controller/podautoscaler (named in its
// comment), including its integer arithmetic and its strict time comparisons, so that the twin decides what
// the controller would decide from the same inputs. Times are milliseconds (any epoch); windows are seconds.
import type { Behavior, ScalingRules } from './spec.ts';

// --- pods and metrics (replica_calculator.go) -----------------------------------------------------------

/** One pod of the scale target at the moment of evaluation. */
export interface PodSample {
  name: string;
  /** The pod's Ready condition (for a replica: its readiness probe passes). */
  ready: boolean;
  /** CPU use in cores, averaged over the metric window (metrics-server's `usage.cpu`); absent: no metric yet. */
  cpuUsageCores?: number;
  /** Pending: scheduled or starting, no container running yet. Failed: ignored. Default Running. */
  phase?: 'Pending' | 'Running' | 'Failed';
  /** Being deleted (a draining replica): ignored, like a pod with a deletion timestamp. */
  terminating?: boolean;
}

/** `resource.Quantity.MilliValue()` of a metrics-server sample: nanocores rounded up to millicores. */
export function toMilliCores(cores: number): number {
  if (!Number.isFinite(cores) || cores < 0)
    throw new RangeError(`CPU usage must be >= 0 cores, got ${cores}`);
  return Math.ceil(Math.round(cores * 1e9) / 1e6);
}

export interface GroupedPods {
  /** Pods whose metric counts as is. */
  readyCount: number;
  /** Pending or not Ready: set aside; count as 0% when scaling up. */
  unready: string[];
  /** Running without a metric: set aside; 100% (or the target) on a scale-down, 0% on a scale-up. */
  missing: string[];
  /** Terminating or Failed: ignored altogether. */
  ignored: string[];
  /** Millicores of the ready pods, by pod name. */
  metrics: Map<string, number>;
}

/**
 * `groupPods`. The order of the checks is the controller's: a pod without a metric is "missing" before its
 * readiness is looked at. The controller's start-up nuance (a pod that was Ready once and became unready after
 * --horizontal-pod-autoscaler-cpu-initialization-period counts with its metric) needs readiness transition
 * times the twin does not have: every pod that is not Ready is set aside.
 */
export function groupPods(pods: readonly PodSample[]): GroupedPods {
  const grouped: GroupedPods = { readyCount: 0, unready: [], missing: [], ignored: [], metrics: new Map() };
  for (const pod of pods) {
    if (pod.terminating === true || pod.phase === 'Failed') grouped.ignored.push(pod.name);
    else if (pod.phase === 'Pending') grouped.unready.push(pod.name);
    else if (pod.cpuUsageCores === undefined) grouped.missing.push(pod.name);
    else if (!pod.ready) grouped.unready.push(pod.name);
    else {
      grouped.metrics.set(pod.name, toMilliCores(pod.cpuUsageCores));
      grouped.readyCount++;
    }
  }
  return grouped;
}

export interface UtilizationRatio {
  /** currentUtilization / targetUtilization */
  ratio: number;
  /** Average use over request in whole percent, truncated (what `kubectl get hpa` shows). */
  utilization: number;
  /** Average use in millicores, truncated. */
  rawAverageMilli: number;
}

/**
 * `metricsclient.GetResourceUtilizationRatio`. The utilization is an integer percentage (int64 division), so the
 * ratio is computed from the truncated percentage, not from the exact quotient.
 */
export function resourceUtilizationRatio(
  metrics: ReadonlyMap<string, number>,
  podRequestMilli: number,
  targetUtilization: number,
): UtilizationRatio | undefined {
  let metricsTotal = 0;
  for (const value of metrics.values()) metricsTotal += value;
  const requestsTotal = podRequestMilli * metrics.size;
  if (requestsTotal === 0) return undefined;
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return {
    ratio: utilization / targetUtilization,
    utilization,
    rawAverageMilli: Math.trunc(metricsTotal / metrics.size),
  };
}

export interface Tolerances {
  scaleUp: number;
  scaleDown: number;
}

/** `Tolerances.isWithin`: no change while 1 - down <= ratio <= 1 + up (0.1 each by default). */
export function isWithinTolerance(ratio: number, tolerances: Tolerances): boolean {
  return 1 - tolerances.scaleDown <= ratio && ratio <= 1 + tolerances.scaleUp;
}

export interface ReplicaCalculationInput {
  /** The target's spec.replicas. */
  currentReplicas: number;
  /** spec.metrics[].resource.target.averageUtilization, percent. */
  targetUtilization: number;
  podRequestMilli: number;
  pods: readonly PodSample[];
  tolerances: Tolerances;
}

export type ReplicaCalculation =
  { ok: true; replicas: number; utilization: number; rawAverageMilli: number } | { ok: false; error: string };

/**
 * `ReplicaCalculator.GetResourceReplicas`: ceil(ready pods x ratio) when every pod is ready and measured;
 * otherwise the conservative recomputation with missing pods at 100% of their request (or the target when it
 * is above 100%) on a scale-down and at 0% on a scale-up, not-ready pods at 0% on a scale-up, and no action if
 * the new ratio is within tolerance or would reverse the direction. The reported utilization is the original.
 */
export function calculateResourceReplicas(input: ReplicaCalculationInput): ReplicaCalculation {
  const { currentReplicas, targetUtilization, podRequestMilli, pods, tolerances } = input;
  if (pods.length === 0)
    return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const grouped = groupPods(pods);
  if (grouped.metrics.size === 0) {
    return { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' };
  }
  const first = resourceUtilizationRatio(grouped.metrics, podRequestMilli, targetUtilization);
  if (first === undefined) return { ok: false, error: 'no metrics returned matched known pods' };
  const { ratio, utilization, rawAverageMilli } = first;
  const result = (replicas: number): ReplicaCalculation => ({
    ok: true,
    replicas,
    utilization,
    rawAverageMilli,
  });

  const scaleUpWithUnready = grouped.unready.length > 0 && ratio > 1;
  if (!scaleUpWithUnready && grouped.missing.length === 0) {
    if (isWithinTolerance(ratio, tolerances)) return result(currentReplicas);
    return result(Math.ceil(ratio * grouped.readyCount));
  }

  const metrics = new Map(grouped.metrics);
  if (grouped.missing.length > 0) {
    if (ratio < 1) {
      const fallbackUtilization = Math.max(100, targetUtilization);
      const assumed = Math.trunc((podRequestMilli * fallbackUtilization) / 100);
      for (const name of grouped.missing) metrics.set(name, assumed);
    } else if (ratio > 1) {
      for (const name of grouped.missing) metrics.set(name, 0);
    }
  }
  if (scaleUpWithUnready) for (const name of grouped.unready) metrics.set(name, 0);

  const second = resourceUtilizationRatio(metrics, podRequestMilli, targetUtilization);
  if (second === undefined) return { ok: false, error: 'no metrics returned matched known pods' };
  const newRatio = second.ratio;
  if (isWithinTolerance(newRatio, tolerances) || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) {
    return result(currentReplicas);
  }
  const newReplicas = Math.ceil(newRatio * metrics.size);
  if ((newRatio < 1 && newReplicas > currentReplicas) || (newRatio > 1 && newReplicas < currentReplicas)) {
    return result(currentReplicas);
  }
  return result(newReplicas);
}

// --- stabilization (horizontal.go) ----------------------------------------------------------------------

export interface TimestampedRecommendation {
  replicas: number;
  at: number;
}

export interface Stabilization {
  recommendation: number;
  /** The history with this evaluation's unstabilized recommendation recorded. */
  history: TimestampedRecommendation[];
}

/**
 * Records `desired` in place of the last sample older than `obsoleteBefore`, or appends it: the controller keeps
 * the history bounded this way rather than by deleting old samples.
 */
function record(
  history: readonly TimestampedRecommendation[],
  isObsolete: (rec: TimestampedRecommendation) => boolean,
  sample: TimestampedRecommendation,
): TimestampedRecommendation[] {
  const next = [...history];
  const oldIndex = next.findLastIndex(isObsolete);
  if (oldIndex >= 0) next[oldIndex] = sample;
  else next.push(sample);
  return next;
}

/**
 * `stabilizeRecommendationWithBehaviors`: the recommendation is held between the lowest recommendation of the
 * scale-up window and the highest of the scale-down window (both including this one), starting from the
 * current replicas, so a scale-up needs every recent proposal to be higher and a scale-down every one lower.
 */
export function stabilizeWithBehavior(
  history: readonly TimestampedRecommendation[],
  args: { now: number; currentReplicas: number; desiredReplicas: number; behavior: Behavior },
): Stabilization {
  const { now, currentReplicas, desiredReplicas, behavior } = args;
  const upCutoff = now - behavior.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = now - behavior.scaleDown.stabilizationWindowSeconds * 1000;
  let up = desiredReplicas;
  let down = desiredReplicas;
  for (const rec of history) {
    if (rec.at > upCutoff) up = Math.min(rec.replicas, up);
    if (rec.at > downCutoff) down = Math.max(rec.replicas, down);
  }
  let recommendation = currentReplicas;
  if (recommendation < up) recommendation = up;
  if (recommendation > down) recommendation = down;
  return {
    recommendation,
    history: record(history, (rec) => rec.at < upCutoff && rec.at < downCutoff, {
      replicas: desiredReplicas,
      at: now,
    }),
  };
}

/** `stabilizeRecommendation`, the path of an HPA without `behavior`: the highest proposal of the window. */
export function stabilizeWithoutBehavior(
  history: readonly TimestampedRecommendation[],
  args: { now: number; desiredReplicas: number; downscaleStabilizationSeconds: number },
): Stabilization {
  const cutoff = args.now - args.downscaleStabilizationSeconds * 1000;
  let recommendation = args.desiredReplicas;
  for (const rec of history)
    if (!(rec.at < cutoff) && rec.replicas > recommendation) recommendation = rec.replicas;
  return {
    recommendation,
    history: record(history, (rec) => rec.at < cutoff, { replicas: args.desiredReplicas, at: args.now }),
  };
}

// --- scaling policies (horizontal.go) -------------------------------------------------------------------

/** A past scaling of the target: `change` is the number of replicas added (scale-up list) or removed. */
export interface ScaleEventRecord {
  change: number;
  at: number;
  /** Older than the longest policy period when last checked: the next event may take its slot. */
  outdated: boolean;
}

/** `getReplicasChangePerPeriod`: replicas changed by the events strictly within the last `periodSeconds`. */
export function replicasChangedInPeriod(
  events: readonly ScaleEventRecord[],
  periodSeconds: number,
  now: number,
): number {
  const cutoff = now - periodSeconds * 1000;
  let replicas = 0;
  for (const event of events) if (event.at > cutoff) replicas += event.change;
  return replicas;
}

/** `getLongestPolicyPeriod` */
export function longestPolicyPeriod(rules: ScalingRules): number {
  return rules.policies.reduce((longest, p) => Math.max(longest, p.periodSeconds), 0);
}

/**
 * `storeScaleEvent` for one direction: marks events older than the longest policy period as outdated, and puts
 * the new event in the last outdated slot or appends it.
 */
export function storeScaleEvent(
  events: readonly ScaleEventRecord[],
  args: { change: number; now: number; longestPeriodSeconds: number },
): ScaleEventRecord[] {
  const cutoff = args.now - args.longestPeriodSeconds * 1000;
  const next = events.map((e) => (e.at < cutoff ? { ...e, outdated: true } : e));
  const sample = { change: args.change, at: args.now, outdated: false };
  const oldIndex = next.findLastIndex((e) => e.outdated);
  if (oldIndex >= 0) next[oldIndex] = sample;
  else next.push(sample);
  return next;
}

interface LimitArgs {
  currentReplicas: number;
  scaleUpEvents: readonly ScaleEventRecord[];
  scaleDownEvents: readonly ScaleEventRecord[];
  rules: ScalingRules;
  now: number;
}

/** The replica count at the start of a policy's period: today's, minus what was added, plus what was removed. */
function periodStartReplicas(args: LimitArgs, periodSeconds: number): number {
  return (
    args.currentReplicas -
    replicasChangedInPeriod(args.scaleUpEvents, periodSeconds, args.now) +
    replicasChangedInPeriod(args.scaleDownEvents, periodSeconds, args.now)
  );
}

/**
 * `calculateScaleUpLimitWithScalingRules`: the most replicas the policies allow now. Max picks the policy
 * allowing the biggest change, Min the smallest; Disabled allows none. Percent rounds up so that a small
 * target can always grow.
 */
export function scaleUpLimit(args: LimitArgs): number {
  const { rules } = args;
  if (rules.selectPolicy === 'Disabled') return args.currentReplicas;
  const select = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const policy of rules.policies) {
    const start = periodStartReplicas(args, policy.periodSeconds);
    const proposed =
      policy.type === 'Pods' ? start + policy.value : Math.ceil(start * (1 + policy.value / 100));
    result = select(result, proposed);
  }
  return result;
}

/**
 * `calculateScaleDownLimitWithBehaviors`: the fewest replicas the policies allow now. Max (the default) picks
 * the policy allowing the biggest change, that is the lowest count; Percent truncates like Go's int32().
 */
export function scaleDownLimit(args: LimitArgs): number {
  const { rules } = args;
  if (rules.selectPolicy === 'Disabled') return args.currentReplicas;
  const select = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (const policy of rules.policies) {
    const start = periodStartReplicas(args, policy.periodSeconds);
    const proposed =
      policy.type === 'Pods' ? start - policy.value : Math.trunc(start * (1 - policy.value / 100));
    result = select(result, proposed);
  }
  return result;
}

export type LimitReason =
  'DesiredWithinRange' | 'ScaleUpLimit' | 'ScaleDownLimit' | 'TooManyReplicas' | 'TooFewReplicas';

export interface Limited {
  replicas: number;
  reason: LimitReason;
}

/** `convertDesiredReplicasWithBehaviorRate`: clamps to [min, max] and to what the policies allow now. */
export function limitWithBehavior(args: {
  currentReplicas: number;
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  scaleUpEvents: readonly ScaleEventRecord[];
  scaleDownEvents: readonly ScaleEventRecord[];
  behavior: Behavior;
  now: number;
}): Limited {
  const { currentReplicas, desiredReplicas } = args;
  const events = { scaleUpEvents: args.scaleUpEvents, scaleDownEvents: args.scaleDownEvents, now: args.now };
  if (desiredReplicas > currentReplicas) {
    // Below the current count only until old events leave the period: never a reason to scale down.
    const limit = Math.max(
      scaleUpLimit({ ...events, currentReplicas, rules: args.behavior.scaleUp }),
      currentReplicas,
    );
    const [allowed, reason]: [number, LimitReason] =
      args.maxReplicas > limit ? [limit, 'ScaleUpLimit'] : [args.maxReplicas, 'TooManyReplicas'];
    if (desiredReplicas > allowed) return { replicas: allowed, reason };
  } else if (desiredReplicas < currentReplicas) {
    const limit = Math.min(
      scaleDownLimit({ ...events, currentReplicas, rules: args.behavior.scaleDown }),
      currentReplicas,
    );
    const [allowed, reason]: [number, LimitReason] =
      args.minReplicas < limit ? [limit, 'ScaleDownLimit'] : [args.minReplicas, 'TooFewReplicas'];
    if (desiredReplicas < allowed) return { replicas: allowed, reason };
  }
  return { replicas: desiredReplicas, reason: 'DesiredWithinRange' };
}

/**
 * `convertDesiredReplicasWithRules`, the path of an HPA without `behavior`: [min, max], and at most
 * max(2 x current, 4) in one step.
 */
export function limitWithoutBehavior(args: {
  currentReplicas: number;
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
}): Limited {
  const scaleUp = Math.trunc(Math.max(2 * args.currentReplicas, 4));
  const [maximum, reason]: [number, LimitReason] =
    args.maxReplicas > scaleUp ? [scaleUp, 'ScaleUpLimit'] : [args.maxReplicas, 'TooManyReplicas'];
  if (args.desiredReplicas < args.minReplicas)
    return { replicas: args.minReplicas, reason: 'TooFewReplicas' };
  if (args.desiredReplicas > maximum) return { replicas: maximum, reason };
  return { replicas: args.desiredReplicas, reason: 'DesiredWithinRange' };
}
