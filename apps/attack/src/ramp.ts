// The attack's load shape, in the spirit of k6's ramping-arrival-rate stages: start at a rate, add a step
// every step length, never exceed the ceiling. Pure, so the schedule and the pacing can be tested alone.

export interface Ramp {
  /** Events per second during the first step. */
  startRate: number;
  /** Events per second added at the start of every following step. */
  stepRate: number;
  /** How long each step lasts, in seconds. */
  stepSeconds: number;
  /** The rate is never raised above this. */
  maxRate: number;
}

/** The target rate (events/s) at `elapsedSeconds` after the attack started. */
export function targetRate(ramp: Ramp, elapsedSeconds: number): number {
  const step = Math.max(0, Math.floor(elapsedSeconds / ramp.stepSeconds));
  return Math.min(ramp.maxRate, ramp.startRate + step * ramp.stepRate);
}

/**
 * Events that should have been sent by `elapsedSeconds`: the integral of the staircase. Pacing against the
 * integral (not rate x tick) keeps the long-run rate exact whatever the timer jitter.
 */
export function eventsDue(ramp: Ramp, elapsedSeconds: number): number {
  if (elapsedSeconds <= 0) return 0;
  let due = 0;
  let t = 0;
  while (t < elapsedSeconds) {
    const rate = targetRate(ramp, t);
    const stepEnd =
      rate >= ramp.maxRate ? elapsedSeconds : (Math.floor(t / ramp.stepSeconds) + 1) * ramp.stepSeconds;
    const until = Math.min(stepEnd, elapsedSeconds);
    due += rate * (until - t);
    t = until;
  }
  return Math.floor(due);
}

/** Seconds until the ramp reaches its ceiling. */
export function secondsToCeiling(ramp: Ramp): number {
  if (ramp.stepRate <= 0 || ramp.startRate >= ramp.maxRate) return 0;
  return Math.ceil((ramp.maxRate - ramp.startRate) / ramp.stepRate) * ramp.stepSeconds;
}

/** Throws with the offending flag's name when the ramp cannot run. */
export function validateRamp(ramp: Ramp): Ramp {
  const positive = (name: string, value: number): void => {
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`${name} must be a positive number, got ${value}`);
  };
  positive('--start-rate', ramp.startRate);
  positive('--step-duration', ramp.stepSeconds);
  positive('--max-rate', ramp.maxRate);
  if (!Number.isFinite(ramp.stepRate) || ramp.stepRate < 0)
    throw new Error(`--step-rate must be zero or more, got ${ramp.stepRate}`);
  if (ramp.maxRate < ramp.startRate)
    throw new Error(`--max-rate (${ramp.maxRate}) must be at least --start-rate (${ramp.startRate})`);
  return ramp;
}

/**
 * One producer's part when `producers` share a ramp (the cluster Job's pods): every rate divided evenly, the
 * timing unchanged, so that together they follow the whole ramp step by step.
 */
export function shareOfRamp(ramp: Ramp, producers: number): Ramp {
  if (!Number.isInteger(producers) || producers < 1)
    throw new Error(`a ramp is shared by a whole number of producers (1 or more), not ${producers}`);
  return {
    startRate: ramp.startRate / producers,
    stepRate: ramp.stepRate / producers,
    stepSeconds: ramp.stepSeconds,
    maxRate: ramp.maxRate / producers,
  };
}

export function describeRamp(ramp: Ramp): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  return (
    `${n(ramp.startRate)} events/s, +${n(ramp.stepRate)} every ${ramp.stepSeconds} s, ` +
    `up to ${n(ramp.maxRate)} events/s (reached after ${secondsToCeiling(ramp)} s)`
  );
}

/**
 * The attack's defaults with the real (prod) timings: the one source for `fraudops attack` (which divides the
 * durations by the fast profile's speed-up) and the cluster Job (apps/attack/src/cluster).
 */
export const ATTACK_DEFAULTS = {
  startRate: 2000,
  stepRate: 2000,
  stepSeconds: 30,
  maxRate: 24_000,
  maxDurationSeconds: 1200,
  /** Share of events deliberately invalid, to exercise the dead-letter topic. */
  poisonRatio: 0.001,
} as const;
