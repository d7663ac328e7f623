// The replica calculation and the policy functions against the worked examples of the Kubernetes
// documentation ("Horizontal Pod Autoscaling", kubernetes.io/docs/concepts/workloads/autoscaling/
// horizontal-pod-autoscale/, "HPA docs" below) and the rules of replica_calculator.go / horizontal.go.
import { describe, expect, it } from 'vitest';
import {
  calculateResourceReplicas,
  groupPods,
  limitWithBehavior,
  resourceUtilizationRatio,
  scaleDownLimit,
  scaleUpLimit,
  stabilizeWithBehavior,
  storeScaleEvent,
  toMilliCores,
  type PodSample,
  type ScaleEventRecord,
} from '../src/algorithm.ts';
import { defaultScaleDownRules, defaultScaleUpRules, type Behavior, type ScalingRules } from '../src/spec.ts';
import { readyPods, uniformPods } from './helpers.ts';

const tolerances = { scaleUp: 0.1, scaleDown: 0.1 };

/** The HPA docs' examples speak of a desired value of 100m: a 200m request at a 50% target. */
function replicasFor(
  pods: PodSample[],
  currentReplicas = pods.length,
  podRequestMilli = 200,
  targetUtilization = 50,
) {
  const result = calculateResourceReplicas({
    currentReplicas,
    targetUtilization,
    podRequestMilli,
    pods,
    tolerances,
  });
  if (!result.ok) throw new Error(result.error);
  return result;
}

describe('the ratio (HPA docs, "Algorithm details")', () => {
  it('doubles the replicas when the current metric is 200m and the desired value 100m', () => {
    expect(replicasFor(uniformPods(3, 200)).replicas).toBe(6);
  });

  it('halves the replicas when the current metric is 50m', () => {
    expect(replicasFor(uniformPods(4, 50)).replicas).toBe(2);
  });

  it('rounds up: desiredReplicas = ceil(currentReplicas x current / desired)', () => {
    // 3 x 150m / 100m = 4.5 -> 5
    expect(replicasFor(uniformPods(3, 150)).replicas).toBe(5);
  });

  it('skips scaling while the ratio is within the 0.1 tolerance, both ways, boundaries included', () => {
    for (const milli of [90, 95, 105, 110]) expect(replicasFor(uniformPods(4, milli)).replicas).toBe(4);
    expect(replicasFor(uniformPods(4, 112)).replicas).toBe(5); // ratio 1.12: ceil(4.48)
    expect(replicasFor(uniformPods(4, 88)).replicas).toBe(4); // ratio 0.88: ceil(3.52) = 4, no change either
    expect(replicasFor(uniformPods(10, 88)).replicas).toBe(9); // ceil(8.8)
  });

  it('averages the utilization across pods (the mean, not the hottest)', () => {
    // 300m + 100m + 100m = 500m over 600m requested: 83% of request, ratio 1.66 -> ceil(4.98) = 5
    expect(replicasFor(readyPods(300, 100, 100))).toMatchObject({ replicas: 5, utilization: 83 });
  });

  it('works on whole percents like metricsclient.GetResourceUtilizationRatio (truncated)', () => {
    // 100m of 300m requested is 33%, not 33.3%: ratio 0.66
    expect(resourceUtilizationRatio(new Map([['a', 100]]), 300, 50)).toEqual({
      ratio: 0.66,
      utilization: 33,
      rawAverageMilli: 100,
    });
  });

  it('reads CPU like Quantity.MilliValue(): nanocores rounded up to millicores', () => {
    expect(toMilliCores(0.5)).toBe(500);
    expect(toMilliCores(0.1525)).toBe(153);
    expect(toMilliCores(0.3)).toBe(300); // not 301 from 0.3 * 1000 = 300.00000000000006
  });
});

describe('pods set aside (HPA docs, "Algorithm details"; replica_calculator.go groupPods)', () => {
  it('ignores terminating and failed pods, sets aside pending and not-ready ones, notes missing metrics', () => {
    const grouped = groupPods([
      { name: 'ready', ready: true, cpuUsageCores: 0.1 },
      { name: 'draining', ready: true, cpuUsageCores: 0.9, terminating: true },
      { name: 'failed', ready: false, phase: 'Failed' },
      { name: 'pending', ready: false, phase: 'Pending' },
      { name: 'starting', ready: false, cpuUsageCores: 0.4 },
      { name: 'no-metric', ready: true },
    ]);
    expect(grouped).toMatchObject({
      readyCount: 1,
      ignored: ['draining', 'failed'],
      unready: ['pending', 'starting'],
      missing: ['no-metric'],
    });
    expect([...grouped.metrics]).toEqual([['ready', 100]]);
  });

  it('on a scale-down assumes a pod with a missing metric uses 100% of its request, which can cancel it', () => {
    // 3 pods at 40% (200m of 500m, target 60%) want 4 -> 2; the fourth, unmeasured, counts as 500m:
    // (600m + 500m) / 2000m = 55% -> ratio 0.916, within tolerance: stay at 4.
    const pods: PodSample[] = [...uniformPods(3, 200), { name: 'no-metric', ready: true }];
    expect(replicasFor(pods, 4, 500, 60).replicas).toBe(4);
    expect(replicasFor(uniformPods(3, 200), 3, 500, 60).replicas).toBe(2); // the same three, alone
  });

  it('on a scale-up assumes a pod with a missing metric uses 0%, which can cancel it (no direction reversal)', () => {
    // 2 pods at 75% want more (ratio 1.25); with the 2 unmeasured pods at 0% the ratio becomes 0.62: a
    // scale-down, the opposite direction, so nothing happens.
    const pods: PodSample[] = [
      ...uniformPods(2, 375),
      { name: 'm1', ready: true },
      { name: 'm2', ready: true },
    ];
    expect(replicasFor(pods, 4, 500, 60).replicas).toBe(4);
  });

  it('on a scale-up counts not-yet-ready pods as 0%, dampening the step', () => {
    // 3 ready pods at 100% (target 50%, ratio 2) would ask for 6; with the starting pod at 0%:
    // 300m / 400m = 75% -> ratio 1.5 -> ceil(1.5 x 4) = 6; with two starting pods: 60% -> 1.2 -> ceil(6) = 6, ...
    const starting = (name: string): PodSample => ({ name, ready: false, cpuUsageCores: 0.19 });
    expect(replicasFor([...uniformPods(3, 200), starting('s1')], 4, 200, 50).replicas).toBe(6);
    // ... and 2 ready pods at 60% with 2 starting: (240m + 0) / 800m = 30%, the direction reverses: stay.
    expect(replicasFor([...uniformPods(2, 120), starting('s1'), starting('s2')], 4, 200, 50).replicas).toBe(
      4,
    );
  });

  it('on a scale-down leaves not-ready pods out altogether', () => {
    // 3 ready pods at 20% of a 50% target (ratio 0.4): ceil(0.4 x 3) = 2; the unready pod changes nothing.
    const pods: PodSample[] = [...uniformPods(3, 40), { name: 'starting', ready: false, cpuUsageCores: 0.2 }];
    expect(replicasFor(pods, 4).replicas).toBe(2);
  });

  it('reports the original utilization, before missing and not-ready pods are factored in', () => {
    const pods: PodSample[] = [...uniformPods(3, 200), { name: 'no-metric', ready: true }];
    expect(replicasFor(pods, 4, 500, 60).utilization).toBe(40);
  });

  it('fails, changing nothing, when no pod has a usable metric', () => {
    const result = calculateResourceReplicas({
      currentReplicas: 4,
      targetUtilization: 60,
      podRequestMilli: 500,
      pods: [{ name: 'starting', ready: false, cpuUsageCores: 0.1 }],
      tolerances,
    });
    expect(result).toEqual({
      ok: false,
      error: 'did not receive metrics for targeted pods (pods might be unready)',
    });
  });
});

/** Scales with policies alone (no stabilization), syncing every 15 s, until the desired count is reached. */
function drive(
  rules: { scaleUp?: ScalingRules; scaleDown?: ScalingRules },
  from: number,
  desired: number,
  syncs = 40,
) {
  const behavior: Behavior = {
    scaleUp: { ...defaultScaleUpRules(), ...rules.scaleUp },
    scaleDown: { ...defaultScaleDownRules(), ...rules.scaleDown },
  };
  let current = from;
  let scaleUpEvents: ScaleEventRecord[] = [];
  let scaleDownEvents: ScaleEventRecord[] = [];
  const path = [{ t: 0, replicas: current }];
  for (let i = 0; i < syncs && current !== desired; i++) {
    const now = i * 15_000;
    const { replicas } = limitWithBehavior({
      currentReplicas: current,
      desiredReplicas: desired,
      minReplicas: 1,
      maxReplicas: 1000,
      scaleUpEvents,
      scaleDownEvents,
      behavior,
      now,
    });
    if (replicas > current) {
      scaleUpEvents = storeScaleEvent(scaleUpEvents, {
        change: replicas - current,
        now,
        longestPeriodSeconds: 60,
      });
    } else if (replicas < current) {
      scaleDownEvents = storeScaleEvent(scaleDownEvents, {
        change: current - replicas,
        now,
        longestPeriodSeconds: 60,
      });
    }
    if (replicas !== current) path.push({ t: now / 1000, replicas });
    current = replicas;
  }
  return path;
}

describe('scaling policies (HPA docs, "Scaling policies" and the behavior examples)', () => {
  const pods4per60 = { type: 'Pods', value: 4, periodSeconds: 60 } as const;
  const percent10per60 = { type: 'Percent', value: 10, periodSeconds: 60 } as const;

  it('Pods 4 / 60s and Percent 10 / 60s: 80 -> 72 -> 64 ... the larger change wins, Pods below 40 replicas', () => {
    const path = drive(
      {
        scaleDown: {
          ...defaultScaleDownRules(),
          stabilizationWindowSeconds: 0,
          policies: [pods4per60, percent10per60],
        },
      },
      80,
      10,
      80,
    );
    // "if there are 80 replicas and the target has to be scaled down to 10 replicas then during the first step
    // 8 replicas will be reduced. In the next iteration when the number of replicas is 72, 10% of the pods is
    // 7.2 but the number is rounded up to 8." The next iteration that may act is one period (60 s) later.
    expect(path.slice(0, 3)).toEqual([
      { t: 0, replicas: 80 },
      { t: 0, replicas: 72 },
      { t: 60, replicas: 64 },
    ]);
    // "When the number of replicas falls below 40 the first policy (Pods) is applied and 4 replicas will be
    // reduced at a time." (From 40 down, 10% is at most 4 pods.)
    expect(path.map((p) => p.replicas)).toEqual([80, 72, 64, 57, 51, 45, 40, 36, 32, 28, 24, 20, 16, 12, 10]);
    const gaps = path.slice(2).map((p, i) => p.t - (path[i + 1]?.t ?? Number.NaN));
    expect(new Set(gaps)).toEqual(new Set([60]));
  });

  it('selectPolicy Min picks the policy with the smallest change: Percent 10 / 60s and Pods 5 / 60s', () => {
    const scaleDown: ScalingRules = {
      ...defaultScaleDownRules(),
      selectPolicy: 'Min',
      policies: [percent10per60, { type: 'Pods', value: 5, periodSeconds: 60 }],
    };
    const args = { scaleUpEvents: [], scaleDownEvents: [], rules: scaleDown, now: 0 };
    expect(scaleDownLimit({ ...args, currentReplicas: 100 })).toBe(95); // 5 pods < 10%
    expect(scaleDownLimit({ ...args, currentReplicas: 30 })).toBe(27); // 10% (3) < 5 pods
  });

  it('limits the scale-down rate to 10% per minute with a single Percent policy', () => {
    const path = drive(
      {
        scaleDown: { ...defaultScaleDownRules(), stabilizationWindowSeconds: 0, policies: [percent10per60] },
      },
      30,
      20,
    );
    expect(path).toEqual([
      { t: 0, replicas: 30 },
      { t: 0, replicas: 27 },
      { t: 60, replicas: 24 }, // int(27 x 0.9) = 24
      { t: 120, replicas: 21 },
      { t: 180, replicas: 20 },
    ]);
  });

  it('selectPolicy Disabled turns off scaling in that direction', () => {
    expect(drive({ scaleDown: { ...defaultScaleDownRules(), selectPolicy: 'Disabled' } }, 10, 2)).toEqual([
      { t: 0, replicas: 10 },
    ]);
    expect(drive({ scaleUp: { ...defaultScaleUpRules(), selectPolicy: 'Disabled' } }, 2, 10)).toEqual([
      { t: 0, replicas: 2 },
    ]);
  });

  it('default scale-up (HPA docs, "Default behavior"): +4 pods or +100% per 15 s, whichever is more', () => {
    expect(drive({}, 2, 40)).toEqual([
      { t: 0, replicas: 2 },
      { t: 0, replicas: 6 }, // max(2 + 4, 2 x 2)
      { t: 15, replicas: 12 }, // max(6 + 4, 6 x 2)
      { t: 30, replicas: 24 },
      { t: 45, replicas: 40 },
    ]);
  });

  it('default scale-down: 100% per 15 s, straight to the desired count', () => {
    expect(
      drive({ scaleDown: { ...defaultScaleDownRules(), stabilizationWindowSeconds: 0 } }, 40, 3),
    ).toEqual([
      { t: 0, replicas: 40 },
      { t: 0, replicas: 3 },
    ]);
  });

  it('counts a period from the replicas at its start, net of scale-ups and scale-downs inside it', () => {
    const rules: ScalingRules = {
      ...defaultScaleUpRules(),
      policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }],
    };
    const up = [{ change: 2, at: 10_000, outdated: false }];
    const down = [{ change: 1, at: 20_000, outdated: false }];
    // now 5 replicas; 60 s ago there were 5 - 2 + 1 = 4, so at most 6
    expect(
      scaleUpLimit({ currentReplicas: 5, scaleUpEvents: up, scaleDownEvents: down, rules, now: 30_000 }),
    ).toBe(6);
    // an event exactly one period old no longer counts (time.After is strict): the scale-up left the period,
    // the scale-down is still in it: 5 + 1 = 6 at the start, at most 8
    expect(
      scaleUpLimit({ currentReplicas: 5, scaleUpEvents: up, scaleDownEvents: down, rules, now: 70_000 }),
    ).toBe(8);
    expect(
      scaleUpLimit({ currentReplicas: 5, scaleUpEvents: up, scaleDownEvents: down, rules, now: 80_000 }),
    ).toBe(7);
  });

  it('reuses the slot of an event older than the longest policy period (storeScaleEvent)', () => {
    let events: ScaleEventRecord[] = [];
    events = storeScaleEvent(events, { change: 1, now: 0, longestPeriodSeconds: 60 });
    events = storeScaleEvent(events, { change: 2, now: 30_000, longestPeriodSeconds: 60 });
    events = storeScaleEvent(events, { change: 3, now: 61_000, longestPeriodSeconds: 60 });
    expect(events).toEqual([
      { change: 3, at: 61_000, outdated: false },
      { change: 2, at: 30_000, outdated: false },
    ]);
  });
});

describe('stabilization (HPA docs, "Stabilization window"; horizontal.go stabilizeRecommendationWithBehaviors)', () => {
  const behavior: Behavior = {
    scaleUp: { ...defaultScaleUpRules(), stabilizationWindowSeconds: 60 },
    scaleDown: { ...defaultScaleDownRules(), stabilizationWindowSeconds: 300 },
  };
  it('scales down only to the highest recommendation of the scale-down window (never above the current count)', () => {
    const history = [
      { replicas: 12, at: 0 },
      { replicas: 7, at: 100_000 },
      { replicas: 8, at: 250_000 },
    ];
    const at = (seconds: number) =>
      stabilizeWithBehavior(history, {
        now: seconds * 1000,
        currentReplicas: 10,
        desiredReplicas: 5,
        behavior,
      }).recommendation;
    expect(at(280)).toBe(10); // 12 is within the last 300 s: hold at the current 10
    expect(at(350)).toBe(8); // 12 left the window; 7 and 8 remain
    expect(at(560)).toBe(5); // nothing left in the window but this recommendation
  });

  it('scales up only to the lowest recommendation of the scale-up window', () => {
    const history = [
      { replicas: 9, at: 0 },
      { replicas: 7, at: 100_000 },
      { replicas: 12, at: 250_000 },
    ];
    const s = stabilizeWithBehavior(history, {
      now: 280_000,
      currentReplicas: 10,
      desiredReplicas: 15,
      behavior,
    });
    expect(s.recommendation).toBe(12);
  });

  it('records the unstabilized recommendation, reusing the slot of one older than both windows', () => {
    const history = [
      { replicas: 9, at: 0 },
      { replicas: 7, at: 100_000 },
    ];
    const s = stabilizeWithBehavior(history, {
      now: 301_000,
      currentReplicas: 10,
      desiredReplicas: 5,
      behavior,
    });
    expect(s.history).toEqual([
      { replicas: 5, at: 301_000 },
      { replicas: 7, at: 100_000 },
    ]);
    expect(
      stabilizeWithBehavior(history, { now: 200_000, currentReplicas: 10, desiredReplicas: 5, behavior })
        .history,
    ).toHaveLength(3);
  });
});
