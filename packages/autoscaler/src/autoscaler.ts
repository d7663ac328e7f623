// The local HPA twin: one controller sync (`reconcileAutoscaler` in horizontal.go) as a pure function of the
// spec, the remembered state and what is observed now, and a small class that keeps that state between syncs.
// No clock, no timers, no I/O: the caller passes `now` and the pods, and applies `desiredReplicas`.
import {
  calculateResourceReplicas,
  limitWithBehavior,
  limitWithoutBehavior,
  longestPolicyPeriod,
  stabilizeWithBehavior,
  stabilizeWithoutBehavior,
  storeScaleEvent,
  type LimitReason,
  type PodSample,
  type ScaleEventRecord,
  type TimestampedRecommendation,
} from './algorithm.ts';
import { CONTROLLER_DEFAULTS, type HpaSpec } from './spec.ts';

/** What the controller remembers per HPA between syncs (lost on a controller restart, as in Kubernetes). */
export interface AutoscalerState {
  /** Unstabilized recommendations; null before the first sync. */
  recommendations: TimestampedRecommendation[] | null;
  scaleUpEvents: ScaleEventRecord[];
  scaleDownEvents: ScaleEventRecord[];
}

export const initialState = (): AutoscalerState => ({
  recommendations: null,
  scaleUpEvents: [],
  scaleDownEvents: [],
});

export interface Observation {
  /** Milliseconds since any fixed origin (a monotonic clock is best; a step back is treated as no time passing). */
  now: number;
  /** The target's replica count as currently set (spec.replicas), not the number of ready pods. */
  currentReplicas: number;
  /** The target's pods, including starting and draining ones. */
  pods: readonly PodSample[];
}

/** The HPA conditions' reasons, as `kubectl describe hpa` shows them. */
export interface Conditions {
  AbleToScale: 'ReadyForNewScale' | 'ScaleUpStabilized' | 'ScaleDownStabilized' | 'SucceededRescale';
  ScalingActive: 'ValidMetricFound' | 'ScalingDisabled' | 'FailedGetResourceMetric';
  ScalingLimited: LimitReason;
}

/** A change of the replica count, for logs and for metrics. */
export interface ScaleEvent {
  at: number;
  from: number;
  to: number;
  direction: 'up' | 'down';
  /** The controller's rescale reason, e.g. "cpu resource utilization (percentage of request) above target". */
  reason: string;
  /** Average CPU use over request in percent at that sync (absent when the change was a [min, max] correction). */
  utilization?: number;
  averageCpuMillicores?: number;
}

export interface Decision {
  desiredReplicas: number;
  /** Why the count is what it is: the rescale reason on a change, else what held it (a condition reason). */
  reason: string;
  /** The metric's proposal before stabilization and limits. */
  proposedReplicas?: number;
  /** Average CPU use over request in percent, as the HPA status reports it (before missing/unready handling). */
  utilization?: number;
  averageCpuMillicores?: number;
  conditions: Conditions;
  event?: ScaleEvent;
}

export interface ReconcileOptions {
  /** Cluster-wide defaults of kube-controller-manager that are not part of the HPA object. */
  downscaleStabilizationSeconds?: number;
}

/** One sync of the HPA: returns the decision and the state to keep. */
export function reconcile(
  spec: HpaSpec,
  podCpuRequestMilli: number,
  state: AutoscalerState,
  observation: Observation,
  options: ReconcileOptions = {},
): { decision: Decision; state: AutoscalerState } {
  const { now, currentReplicas, pods } = observation;
  const downscaleStabilizationSeconds =
    options.downscaleStabilizationSeconds ?? CONTROLLER_DEFAULTS.downscaleStabilizationSeconds;
  // recordInitialRecommendation: the first sync remembers the current count, so it can't scale down at once.
  let recommendations = state.recommendations ?? [{ replicas: currentReplicas, at: now }];
  const conditions: Conditions = {
    AbleToScale: 'ReadyForNewScale',
    ScalingActive: 'ValidMetricFound',
    ScalingLimited: 'DesiredWithinRange',
  };
  let desiredReplicas: number;
  let rescaleReason: string;
  let heldBy: string | undefined;
  const measured: Pick<Decision, 'proposedReplicas' | 'utilization' | 'averageCpuMillicores'> = {};

  if (currentReplicas === 0 && spec.minReplicas !== 0) {
    // "Implicit maintenance-mode deactivation": a target scaled to zero by hand is left alone.
    conditions.ScalingActive = 'ScalingDisabled';
    const decision = { desiredReplicas: 0, reason: 'ScalingDisabled', conditions };
    return { decision, state: { ...state, recommendations } };
  } else if (currentReplicas > spec.maxReplicas) {
    desiredReplicas = spec.maxReplicas;
    rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
  } else if (currentReplicas < spec.minReplicas) {
    desiredReplicas = spec.minReplicas;
    rescaleReason = 'Current number of replicas below Spec.MinReplicas';
  } else {
    const tolerances = {
      scaleUp: spec.behavior?.scaleUp.tolerance ?? CONTROLLER_DEFAULTS.tolerance,
      scaleDown: spec.behavior?.scaleDown.tolerance ?? CONTROLLER_DEFAULTS.tolerance,
    };
    const calculation = calculateResourceReplicas({
      currentReplicas,
      targetUtilization: spec.metric.averageUtilization,
      podRequestMilli: podCpuRequestMilli,
      pods,
      tolerances,
    });
    if (!calculation.ok) {
      // The controller records nothing and keeps the scale when no metric can be computed.
      conditions.ScalingActive = 'FailedGetResourceMetric';
      const decision = {
        desiredReplicas: currentReplicas,
        reason: `FailedGetResourceMetric: ${calculation.error}`,
        conditions,
      };
      return { decision, state: { ...state, recommendations } };
    }
    measured.proposedReplicas = calculation.replicas;
    measured.utilization = calculation.utilization;
    measured.averageCpuMillicores = calculation.rawAverageMilli;
    const metricName =
      spec.metric.type === 'Resource'
        ? 'cpu resource utilization (percentage of request)'
        : 'cpu container resource utilization (percentage of request)';
    const proposed = calculation.replicas;
    rescaleReason = proposed > currentReplicas ? `${metricName} above target` : 'All metrics below target';

    let stabilized: number;
    let limited: { replicas: number; reason: LimitReason };
    if (spec.behavior === undefined) {
      const s = stabilizeWithoutBehavior(recommendations, {
        now,
        desiredReplicas: proposed,
        downscaleStabilizationSeconds,
      });
      recommendations = s.history;
      stabilized = s.recommendation;
      if (stabilized !== proposed) conditions.AbleToScale = 'ScaleDownStabilized';
      limited = limitWithoutBehavior({
        currentReplicas,
        desiredReplicas: stabilized,
        minReplicas: spec.minReplicas,
        maxReplicas: spec.maxReplicas,
      });
    } else {
      const s = stabilizeWithBehavior(recommendations, {
        now,
        currentReplicas,
        desiredReplicas: proposed,
        behavior: spec.behavior,
      });
      recommendations = s.history;
      stabilized = s.recommendation;
      if (stabilized !== proposed) {
        conditions.AbleToScale = proposed >= currentReplicas ? 'ScaleUpStabilized' : 'ScaleDownStabilized';
      }
      limited = limitWithBehavior({
        currentReplicas,
        desiredReplicas: stabilized,
        minReplicas: spec.minReplicas,
        maxReplicas: spec.maxReplicas,
        scaleUpEvents: state.scaleUpEvents,
        scaleDownEvents: state.scaleDownEvents,
        behavior: spec.behavior,
        now,
      });
    }
    conditions.ScalingLimited = limited.reason;
    desiredReplicas = limited.replicas;
    heldBy =
      limited.replicas !== stabilized
        ? limited.reason
        : stabilized !== proposed
          ? conditions.AbleToScale
          : undefined;
  }

  if (desiredReplicas === currentReplicas) {
    const reason =
      heldBy ??
      (measured.proposedReplicas === currentReplicas ? 'DesiredWithinRange' : conditions.ScalingLimited);
    return {
      decision: { desiredReplicas, reason, ...measured, conditions },
      state: { ...state, recommendations },
    };
  }

  // storeScaleEvent: only an HPA with `behavior` keeps events (the policies are their only reader).
  let { scaleUpEvents, scaleDownEvents } = state;
  const up = desiredReplicas > currentReplicas;
  if (spec.behavior !== undefined) {
    if (up) {
      scaleUpEvents = storeScaleEvent(scaleUpEvents, {
        change: desiredReplicas - currentReplicas,
        now,
        longestPeriodSeconds: longestPolicyPeriod(spec.behavior.scaleUp),
      });
    } else {
      scaleDownEvents = storeScaleEvent(scaleDownEvents, {
        change: currentReplicas - desiredReplicas,
        now,
        longestPeriodSeconds: longestPolicyPeriod(spec.behavior.scaleDown),
      });
    }
  }
  conditions.AbleToScale = 'SucceededRescale';
  const event: ScaleEvent = {
    at: now,
    from: currentReplicas,
    to: desiredReplicas,
    direction: up ? 'up' : 'down',
    reason: rescaleReason,
    ...(measured.utilization === undefined ? {} : { utilization: measured.utilization }),
    ...(measured.averageCpuMillicores === undefined
      ? {}
      : { averageCpuMillicores: measured.averageCpuMillicores }),
  };
  return {
    decision: { desiredReplicas, reason: rescaleReason, ...measured, conditions, event },
    state: { recommendations, scaleUpEvents, scaleDownEvents },
  };
}

export interface AutoscalerConfig extends ReconcileOptions {
  hpa: HpaSpec;
  /** CPU request of one target pod, millicores (100% utilization). */
  podCpuRequestMilli: number;
}

/**
 * Keeps one HPA's memory between syncs. Call `evaluate` once per sync period (15 s in Kubernetes) and apply
 * `desiredReplicas`; a returned `event` means the twin counts that change as done (as the controller does
 * once its scale update succeeded).
 */
export class Autoscaler {
  readonly hpa: HpaSpec;
  readonly podCpuRequestMilli: number;
  readonly #options: ReconcileOptions;
  #state: AutoscalerState = initialState();
  #lastNow = Number.NEGATIVE_INFINITY;

  constructor(config: AutoscalerConfig) {
    if (!(config.podCpuRequestMilli > 0)) throw new RangeError('podCpuRequestMilli must be > 0');
    this.hpa = config.hpa;
    this.podCpuRequestMilli = config.podCpuRequestMilli;
    this.#options =
      config.downscaleStabilizationSeconds === undefined
        ? {}
        : { downscaleStabilizationSeconds: config.downscaleStabilizationSeconds };
  }

  evaluate(observation: Observation): Decision {
    if (!Number.isInteger(observation.currentReplicas) || observation.currentReplicas < 0) {
      throw new RangeError(
        `currentReplicas must be a non-negative integer, got ${observation.currentReplicas}`,
      );
    }
    // A wall clock stepped back (NTP) must not replay or erase the windows: time stands still until it catches up.
    const now = Math.max(observation.now, this.#lastNow);
    this.#lastNow = now;
    const { decision, state } = reconcile(
      this.hpa,
      this.podCpuRequestMilli,
      this.#state,
      { ...observation, now },
      this.#options,
    );
    this.#state = state;
    return decision;
  }

  /** A copy of the remembered recommendations and scale events, for diagnostics. */
  get state(): AutoscalerState {
    return structuredClone(this.#state);
  }
}
