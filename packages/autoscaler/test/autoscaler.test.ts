// The twin as a whole: one sync after another with remembered recommendations and scale events. Worked
// examples from the Kubernetes documentation ("HPA docs": kubernetes.io/docs/concepts/workloads/autoscaling/
// horizontal-pod-autoscale/; "walkthrough": kubernetes.io/docs/tasks/run-application/
// horizontal-pod-autoscale-walkthrough/), then the project's own HPA under an attack and an oscillating load.
import { describe, expect, it } from 'vitest';
import { Autoscaler, loadAutoscalerManifests, type HpaSpec, type ScaleEvent } from '../src/index.ts';
import { hpaSpec, simulate, uniformPods } from './helpers.ts';

describe('walkthrough: php-apache, 200m request, 50% target, 1..10 replicas, load at 305% of the request', () => {
  // One pod at 610m; the same total load spreads over the new pods. The walkthrough ends at 7 replicas.
  const demandCores = () => 0.61;
  const request = 200;

  it('with `kubectl autoscale` (no behavior: steps of at most max(2 x current, 4)) goes 1 -> 4 -> 7', () => {
    const { behavior: _none, ...withoutBehavior } = hpaSpec({ minReplicas: 1, maxReplicas: 10 });
    const autoscaler = new Autoscaler({ hpa: withoutBehavior, podCpuRequestMilli: request });
    const steps = simulate({
      autoscaler,
      initialReplicas: 1,
      durationSeconds: 120,
      demandCores,
      startupSeconds: 0,
    });
    expect(steps[0]?.decision).toMatchObject({ utilization: 305, proposedReplicas: 7, desiredReplicas: 4 });
    expect(steps.map((s) => s.replicas)).toEqual([4, 7, 7, 7, 7, 7, 7, 7, 7]);
  });

  it('with the default behavior (+4 pods or +100% per 15 s) goes 1 -> 5 -> 7 and stays', () => {
    const autoscaler = new Autoscaler({
      hpa: hpaSpec({ minReplicas: 1, maxReplicas: 10 }),
      podCpuRequestMilli: request,
    });
    const steps = simulate({
      autoscaler,
      initialReplicas: 1,
      durationSeconds: 600,
      demandCores,
      startupSeconds: 0,
    });
    expect(steps[0]?.decision).toMatchObject({
      desiredReplicas: 5,
      conditions: { ScalingLimited: 'ScaleUpLimit' },
    });
    expect(steps[1]?.replicas).toBe(7);
    expect(steps.every((s, i) => i === 0 || s.replicas === 7)).toBe(true);
  });

  it('scales back to 1 once the load stops, after the 5-minute downscale stabilization', () => {
    const autoscaler = new Autoscaler({
      hpa: hpaSpec({ minReplicas: 1, maxReplicas: 10 }),
      podCpuRequestMilli: request,
    });
    const steps = simulate({
      autoscaler,
      initialReplicas: 7,
      durationSeconds: 600,
      demandCores: (t) => (t < 60 ? 0.61 : 0),
      startupSeconds: 0,
    });
    const firstDown = steps.find((s) => s.replicas < 7);
    // The last recommendation of 7 was at t = 45 s; it leaves the 300 s window at t = 345 s.
    expect(firstDown).toMatchObject({ t: 345, replicas: 1 });
  });
});

describe('HPA docs: stabilization window, scaleDown.stabilizationWindowSeconds: 300', () => {
  it('uses the highest recommendation of the past 5 minutes, so a drop scales down only 300 s later', () => {
    const autoscaler = new Autoscaler({ hpa: hpaSpec({ minReplicas: 1 }), podCpuRequestMilli: 200 });
    const decide = (t: number) =>
      autoscaler.evaluate({ now: t * 1000, currentReplicas: 10, pods: uniformPods(10, 50) });
    const first = decide(0);
    // The first sync remembers the current count (recordInitialRecommendation): no immediate scale-down.
    expect(first).toMatchObject({
      proposedReplicas: 5,
      desiredReplicas: 10,
      reason: 'ScaleDownStabilized',
      conditions: { AbleToScale: 'ScaleDownStabilized' },
    });
    for (let t = 15; t < 300; t += 15) expect(decide(t).desiredReplicas).toBe(10);
    expect(decide(300)).toMatchObject({
      desiredReplicas: 5,
      reason: 'All metrics below target',
      event: { at: 300_000, from: 10, to: 5, direction: 'down', utilization: 25, averageCpuMillicores: 50 },
    });
  });

  it('a short rise inside the window is remembered: the scale-down waits for it to leave the window', () => {
    const autoscaler = new Autoscaler({ hpa: hpaSpec({ minReplicas: 1 }), podCpuRequestMilli: 200 });
    const decide = (t: number, milli: number) =>
      autoscaler.evaluate({ now: t * 1000, currentReplicas: 10, pods: uniformPods(10, milli) })
        .desiredReplicas;
    decide(0, 100); // on target: 10
    expect(decide(200, 120)).toBe(12); // up at once: no scale-up window by default
    // (the caller did not apply it: the count stays 10 here, which the twin tolerates)
    expect(decide(400, 50)).toBe(10); // 12 (t=200) is within 300 s: held at the current 10
    expect(decide(501, 50)).toBe(5);
  });
});

describe('HPA docs: selectPolicy Disabled', () => {
  it('never scales down when scaleDown.selectPolicy is Disabled, and says why', () => {
    const autoscaler = new Autoscaler({
      hpa: hpaSpec({
        minReplicas: 1,
        scaleDown: { selectPolicy: 'Disabled', stabilizationWindowSeconds: 0 },
      }),
      podCpuRequestMilli: 200,
    });
    for (let t = 0; t <= 900; t += 15) {
      const decision = autoscaler.evaluate({ now: t * 1000, currentReplicas: 8, pods: uniformPods(8, 10) });
      expect(decision.desiredReplicas).toBe(8);
    }
    expect(autoscaler.evaluate({ now: 915_000, currentReplicas: 8, pods: uniformPods(8, 10) })).toMatchObject(
      {
        proposedReplicas: 1,
        reason: 'ScaleDownLimit',
      },
    );
  });
});

describe('controller rules around the calculation (horizontal.go reconcileAutoscaler)', () => {
  const spec: HpaSpec = hpaSpec({ minReplicas: 4, maxReplicas: 6 });

  it('brings a count above max or below min into range, whatever the metric', () => {
    const a = new Autoscaler({ hpa: spec, podCpuRequestMilli: 500 });
    expect(a.evaluate({ now: 0, currentReplicas: 8, pods: uniformPods(8, 500) })).toMatchObject({
      desiredReplicas: 6,
      reason: 'Current number of replicas above Spec.MaxReplicas',
      event: { from: 8, to: 6, direction: 'down' },
    });
    const b = new Autoscaler({ hpa: spec, podCpuRequestMilli: 500 });
    expect(b.evaluate({ now: 0, currentReplicas: 2, pods: uniformPods(2, 0) })).toMatchObject({
      desiredReplicas: 4,
      event: { from: 2, to: 4, direction: 'up', reason: 'Current number of replicas below Spec.MinReplicas' },
    });
  });

  it('leaves a target scaled to zero by hand alone (implicit maintenance mode)', () => {
    const a = new Autoscaler({ hpa: spec, podCpuRequestMilli: 500 });
    expect(a.evaluate({ now: 0, currentReplicas: 0, pods: [] })).toMatchObject({
      desiredReplicas: 0,
      conditions: { ScalingActive: 'ScalingDisabled' },
    });
  });

  it('keeps the count when no metric is available, and names the reason', () => {
    const a = new Autoscaler({ hpa: spec, podCpuRequestMilli: 500 });
    const decision = a.evaluate({ now: 0, currentReplicas: 4, pods: [{ name: 'p', ready: false }] });
    expect(decision).toMatchObject({
      desiredReplicas: 4,
      conditions: { ScalingActive: 'FailedGetResourceMetric' },
    });
    expect(decision.reason).toMatch(/did not receive metrics/);
    expect(decision.event).toBeUndefined();
  });

  it('caps at maxReplicas with TooManyReplicas', () => {
    const a = new Autoscaler({ hpa: spec, podCpuRequestMilli: 500 });
    expect(a.evaluate({ now: 0, currentReplicas: 6, pods: uniformPods(6, 1000) })).toMatchObject({
      proposedReplicas: 24, // 200% of request at a 50% target: ratio 4
      desiredReplicas: 6,
      reason: 'TooManyReplicas',
    });
  });

  it('treats a clock stepped back as standing still', () => {
    const a = new Autoscaler({ hpa: spec, podCpuRequestMilli: 500 });
    a.evaluate({ now: 100_000, currentReplicas: 4, pods: uniformPods(4, 300) });
    const decision = a.evaluate({ now: 5_000, currentReplicas: 4, pods: uniformPods(4, 600) });
    expect(decision.event?.at).toBe(100_000);
  });
});

describe("the project's HPA (deploy/k8s/base/scoring-api/hpa.yaml)", () => {
  const manifests = loadAutoscalerManifests();
  const { minReplicas, maxReplicas } = manifests.hpa;
  // Demand is written in pod CPU requests, so the scenarios keep their meaning if the request changes.
  const request = manifests.podCpuRequestMilli / 1000;

  it('an attack (CPU demand rising to 10 pod requests) goes 4 -> 5 -> 6 within the policies and never above 6', () => {
    const autoscaler = new Autoscaler(manifests);
    // 4 replicas x 60% = 2.4 requests is the target load; the attack ramps from 2 to 10 requests in 10 min.
    const steps = simulate({
      autoscaler,
      initialReplicas: minReplicas,
      durationSeconds: 1200,
      demandCores: (t) => request * Math.min(10, 2 + (8 * t) / 600),
    });
    const counts = steps.map((s) => s.replicas);
    expect(Math.max(...counts)).toBe(maxReplicas);
    expect(counts.every((n) => n >= minReplicas && n <= maxReplicas)).toBe(true);
    const ups = steps.flatMap((s) => (s.decision.event ? [s.decision.event] : []));
    expect(ups.map((e) => [e.from, e.to])).toEqual([
      [4, 5],
      [5, 6],
    ]);
    // Pods 1 / 30 s: one replica at a time, at least 30 s apart.
    const [first, second] = ups as [ScaleEvent, ScaleEvent];
    expect(second.at - first.at).toBeGreaterThanOrEqual(30_000);
    // scaleUp stabilization (60 s): every proposal of the last minute must be above 4. With a sync every 15 s
    // that is 4 syncs in a row (the one exactly 60 s old is out of the window: time.After is strict).
    const firstAbove = steps.find((s) => (s.decision.proposedReplicas ?? 0) > 4);
    expect(first.at - (firstAbove?.t ?? 0) * 1000).toBe(45_000);
    // At the cap the twin says why it holds; the saturated replicas are what the alert reports.
    expect(steps.at(-1)?.decision).toMatchObject({ reason: 'TooManyReplicas', desiredReplicas: 6 });
    expect(steps.at(-1)?.decision.utilization).toBeGreaterThan(80);
  });

  it('a load oscillating around the target does not flap', () => {
    const autoscaler = new Autoscaler(manifests);
    // Around 2.4 requests (60% of 4 replicas) with a +-1 request swing every 2 minutes, for an hour.
    const steps = simulate({
      autoscaler,
      initialReplicas: minReplicas,
      durationSeconds: 3600,
      demandCores: (t) => request * (2.4 + Math.sin((2 * Math.PI * t) / 120)),
    });
    const changes = steps.filter((s) => s.decision.event !== undefined);
    expect(changes).toEqual([]);
  });

  it('an attack in pulses shorter than the scale-down window scales up once and holds, without churn', () => {
    const autoscaler = new Autoscaler(manifests);
    // 3 minutes at 8 requests, 3 minutes at 1.6, repeated for an hour.
    const steps = simulate({
      autoscaler,
      initialReplicas: minReplicas,
      durationSeconds: 3600,
      demandCores: (t) => request * (t % 360 < 180 ? 8 : 1.6),
    });
    const events = steps.flatMap((s) => (s.decision.event ? [s.decision.event] : []));
    expect(events.map((e) => e.direction)).toEqual(['up', 'up']);
    expect(steps.at(-1)?.replicas).toBe(6);
  });

  it('bursts shorter than the scale-up window buy no replicas', () => {
    const autoscaler = new Autoscaler(manifests);
    // 45 s at 8 requests every 5 minutes.
    const steps = simulate({
      autoscaler,
      initialReplicas: minReplicas,
      durationSeconds: 3600,
      demandCores: (t) => request * (t % 300 < 45 ? 8 : 2),
    });
    expect(steps.every((s) => s.replicas === minReplicas)).toBe(true);
  });

  it('gives capacity back one replica per minute once the 5-minute window has passed', () => {
    const autoscaler = new Autoscaler(manifests);
    const steps = simulate({
      autoscaler,
      initialReplicas: maxReplicas,
      durationSeconds: 900,
      demandCores: () => request,
    });
    const downs = steps.flatMap((s) => (s.decision.event ? [s.decision.event] : []));
    expect(downs.map((e) => [e.from, e.to, e.at / 1000])).toEqual([
      [6, 5, 300],
      [5, 4, 360],
    ]);
  });
});
