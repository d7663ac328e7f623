// What one event costs in CPU in each part of the streaming path, as bench/stream measured it (`--record`):
// the cluster attack's capacity check (capacity.ts) multiplies these by the rates it must reach.
import { join } from 'node:path';
import { repositoryRoot } from '@fraudops/config';

export const COST_PER_EVENT_FILE = join(repositoryRoot, 'bench/stream/cost-per-event.json');

export interface CostPerEvent {
  measuredAt: string;
  /** The command that wrote the file, to measure again. */
  command: string;
  profile: string;
  events: number;
  rounds: number;
  /** Medians over the rounds, in microseconds of CPU (user + system) per event. */
  cpuMicrosecondsPerEvent: {
    /** All scoring-api replicas together, per event scored. */
    scoringApi: number;
    /** The stream scorer: consume, decode, validate, batch, produce the score. */
    streamScorer: number;
    /** The attack's producer: render and produce. */
    producer: number;
  };
  perRound: { scoringApi: number[]; streamScorer: number[]; producer: number[] };
}

/** Parses and checks the recorded file; a missing or non-positive cost names its field. */
export function parseCostPerEvent(text: string, file = COST_PER_EVENT_FILE): CostPerEvent {
  const parsed = JSON.parse(text) as Partial<CostPerEvent>;
  const costs = parsed.cpuMicrosecondsPerEvent;
  for (const part of ['scoringApi', 'streamScorer', 'producer'] as const) {
    const value = costs?.[part];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
      throw new Error(
        `${file}: cpuMicrosecondsPerEvent.${part} must be a positive number, got ${String(value)}`,
      );
  }
  return parsed as CostPerEvent;
}
