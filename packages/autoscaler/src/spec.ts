// The part of an autoscaling/v2 HorizontalPodAutoscaler that the twin acts on, with the API server's defaults
// (k8s.io/kubernetes pkg/apis/autoscaling/v2/defaults.go) and the controller's own ones filled in, so that the
// algorithm never meets an unset field.

export type ScalingPolicyType = 'Pods' | 'Percent';
export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

export interface ScalingPolicy {
  type: ScalingPolicyType;
  /** Pods, or percent of the replicas at the start of the period; > 0. */
  value: number;
  /** The window the policy looks back over; 1..1800 s. */
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: SelectPolicy;
  policies: ScalingPolicy[];
  /** `HPAConfigurableTolerance`: the usage-ratio band ignored in this direction (cluster default 0.1). */
  tolerance: number;
}

export interface Behavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

/** The one metric the twin supports: CPU utilization (percent of the request), pod-wide or of one container. */
export interface CpuUtilizationMetric {
  type: 'Resource' | 'ContainerResource';
  /** For ContainerResource: the container whose usage and request count. */
  container?: string;
  averageUtilization: number;
}

export interface HpaSpec {
  name: string;
  /** The scale target, a Deployment in this project. */
  target: { kind: string; name: string };
  minReplicas: number;
  maxReplicas: number;
  metric: CpuUtilizationMetric;
  /**
   * Absent when the manifest has no `behavior`: the API server leaves it unset and the controller then takes
   * its older path (downscale stabilization only, scale-up limited to max(2 x current, 4)).
   */
  behavior?: Behavior;
}

/** kube-controller-manager's defaults for what the HPA object does not carry. */
export const CONTROLLER_DEFAULTS = {
  /** --horizontal-pod-autoscaler-sync-period */
  syncPeriodSeconds: 15,
  /** --horizontal-pod-autoscaler-tolerance */
  tolerance: 0.1,
  /** --horizontal-pod-autoscaler-downscale-stabilization, also the default scaleDown window. */
  downscaleStabilizationSeconds: 300,
} as const;

/** The API server's defaults for spec.minReplicas and for an HPA without metrics. */
export const SPEC_DEFAULTS = { minReplicas: 1, averageUtilization: 80 } as const;

/** Default scale-up rules: no stabilization, at most +100% or +4 pods per 15 s, whichever is more. */
export function defaultScaleUpRules(): ScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
    tolerance: CONTROLLER_DEFAULTS.tolerance,
  };
}

/**
 * Default scale-down rules: 300 s stabilization (the API server leaves it unset and the controller fills in
 * its --horizontal-pod-autoscaler-downscale-stabilization), at most -100% per 15 s.
 */
export function defaultScaleDownRules(): ScalingRules {
  return {
    stabilizationWindowSeconds: CONTROLLER_DEFAULTS.downscaleStabilizationSeconds,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    tolerance: CONTROLLER_DEFAULTS.tolerance,
  };
}

/**
 * Returns a copy of the spec with every duration divided by `factor` (stabilization windows, policy periods),
 * for a compressed ("fast") timing profile that keeps the manifest as the one source of the policy.
 */
export function compressTimings(spec: HpaSpec, factor: number): HpaSpec {
  if (!(factor >= 1)) throw new RangeError(`timing compression factor must be >= 1, got ${factor}`);
  if (spec.behavior === undefined) return spec;
  const rules = (r: ScalingRules): ScalingRules => ({
    ...r,
    stabilizationWindowSeconds: r.stabilizationWindowSeconds / factor,
    policies: r.policies.map((p) => ({ ...p, periodSeconds: p.periodSeconds / factor })),
  });
  return {
    ...spec,
    behavior: { scaleUp: rules(spec.behavior.scaleUp), scaleDown: rules(spec.behavior.scaleDown) },
  };
}
