// A trace: the HPA, the pod CPU request and what one controller observed at each sync. The same JSON is the
// input of tools/hpa-oracle (the Kubernetes controller's own code) and of `replayTrace` (the twin), so that the
// two can be compared step by step (test/oracle.test.ts). Times are milliseconds.
import { Autoscaler, type AutoscalerState, type Decision } from './autoscaler.ts';
import type { PodSample } from './algorithm.ts';
import type { HpaSpec } from './spec.ts';

/**
 * A pod at one sync. `startedAt` and `readyChangedAt` (trace times) are read only by the Kubernetes controller's
 * CPU start-up rule, which the twin does not model; without them the oracle takes a pod started an hour
 * before whose Ready condition never changed, for which that rule sets a pod aside exactly while it is not
 * ready, as the twin does.
 */
export interface TracePod extends PodSample {
  startedAt?: number;
  readyChangedAt?: number;
}

export interface TraceStep {
  /** When the sync ran. */
  at: number;
  /** The target's spec.replicas at that sync. */
  replicas: number;
  pods: TracePod[];
}

export interface Trace {
  /** What the trace exercises. */
  description: string;
  /** Where it comes from (a recorder or a generator, and the command that makes it again). */
  source: string;
  hpa: HpaSpec;
  podCpuRequestMilli: number;
  /** kube-controller-manager's --horizontal-pod-autoscaler-downscale-stabilization, for an HPA without behavior. */
  downscaleStabilizationSeconds?: number;
  steps: TraceStep[];
  /**
   * Steps where the twin is known to decide differently from the controller, and why (a documented limitation
   * of the twin); everywhere else the two must agree.
   */
  expectedDifferences?: { steps: number[]; why: string };
}

/** The twin's decision at each step of the trace, from a fresh memory, with its memory after that step. */
export function replayTrace(trace: Trace): { decision: Decision; state: AutoscalerState }[] {
  const autoscaler = new Autoscaler({
    hpa: trace.hpa,
    podCpuRequestMilli: trace.podCpuRequestMilli,
    ...(trace.downscaleStabilizationSeconds === undefined
      ? {}
      : { downscaleStabilizationSeconds: trace.downscaleStabilizationSeconds }),
  });
  return trace.steps.map((step) => ({
    decision: autoscaler.evaluate({ now: step.at, currentReplicas: step.replicas, pods: step.pods }),
    state: autoscaler.state,
  }));
}
