import { describe, expect, it } from 'vitest';
import {
  describeRamp,
  eventsDue,
  secondsToCeiling,
  targetRate,
  validateRamp,
  type Ramp,
} from '../src/ramp.ts';

const ramp: Ramp = { startRate: 1000, stepRate: 500, stepSeconds: 10, maxRate: 2000 };

describe('the ramp', () => {
  it('climbs one step per step length and stops at the ceiling', () => {
    expect([0, 9.9, 10, 20, 29.9, 30, 1000].map((t) => targetRate(ramp, t))).toEqual([
      1000, 1000, 1500, 2000, 2000, 2000, 2000,
    ]);
    expect(secondsToCeiling(ramp)).toBe(20);
  });

  it('owes the integral of the staircase', () => {
    expect(eventsDue(ramp, 0)).toBe(0);
    expect(eventsDue(ramp, 5)).toBe(5000);
    expect(eventsDue(ramp, 10)).toBe(10_000);
    expect(eventsDue(ramp, 15)).toBe(17_500);
    // 10 s at 1,000 + 10 s at 1,500 + 15 s at 2,000
    expect(eventsDue(ramp, 35)).toBe(10_000 + 15_000 + 30_000);
  });

  it('keeps a flat ramp flat', () => {
    const flat = { startRate: 300, stepRate: 0, stepSeconds: 5, maxRate: 300 };
    expect(eventsDue(flat, 60)).toBe(18_000);
    expect(secondsToCeiling(flat)).toBe(0);
  });

  it('names the flag that makes a ramp impossible', () => {
    expect(() => validateRamp({ ...ramp, startRate: 0 })).toThrow(/--start-rate/);
    expect(() => validateRamp({ ...ramp, stepSeconds: Number.NaN })).toThrow(/--step-duration/);
    expect(() => validateRamp({ ...ramp, stepRate: -1 })).toThrow(/--step-rate/);
    expect(() => validateRamp({ ...ramp, maxRate: 500 })).toThrow(
      /--max-rate \(500\) must be at least --start-rate/,
    );
    expect(validateRamp(ramp)).toBe(ramp);
  });

  it('describes itself for the log', () => {
    expect(describeRamp(ramp)).toBe(
      '1,000 events/s, +500 every 10 s, up to 2,000 events/s (reached after 20 s)',
    );
  });
});
