// Can the cluster attack page the administrator? Pure arithmetic over what deploy/ says (the scoring API's CPU
// request and HPA maximum, the alert's threshold and `for`, the stream scorer's replicas and CPU, the
// `transactions` partitions, the attack Job's ramp, pods and CPU) and what one event costs in CPU in each part of
// the path (bench/stream, cost-per-event.ts). The page needs one replica above the threshold while all replicas
// run; with the load spread evenly, the fleet must burn maxReplicas x request x threshold cores, and every part
// upstream must carry the event rate that takes. docs/deploy.md shows the table this renders.
import { secondsToCeiling, type Ramp } from '../ramp.ts';
import type { CostPerEvent } from './cost-per-event.ts';

/**
 * The ramp must reach this multiple of the rate at which evenly loaded replicas sit exactly at the threshold:
 * the costs were measured on another CPU than the cluster's nodes, the alert needs the ratio *above* the
 * threshold for its whole `for`, and the load is never spread perfectly.
 */
export const PAGE_HEADROOM = 1.5;
/** Share of a container's CPU counted as usable for the work (the rest: GC, event-loop jitter, metrics). */
export const USABLE_CPU_SHARE = 0.8;
/**
 * The attack and the stream scorer are Node.js processes: their JavaScript runs on one thread, so a CPU limit
 * above one core buys them nothing for the work (GC and I/O threads aside).
 */
export const NODE_PROCESS_MAX_CORES = 1;

/** The cores a Node.js container can put into the work: its limit, at most one thread's worth, less overhead. */
export function usableCores(cpuLimitCores: number): number {
  return Math.min(cpuLimitCores, NODE_PROCESS_MAX_CORES) * USABLE_CPU_SHARE;
}
/**
 * Between the ramp reaching the rate and the notification, besides the alert's `for`: the 2-minute rate window
 * of the CPU recording, Prometheus's evaluation interval and Alertmanager's group_wait.
 */
export const ALERT_PIPELINE_SECONDS = 180;

export interface CapacityFacts {
  scoringApi: { cpuRequestCores: number; maxReplicas: number };
  alert: { cpuThreshold: number; forSeconds: number };
  streamScorer: { replicas: number; cpuLimitCores: number };
  transactionsPartitions: number;
  attack: {
    /** The whole Job's ramp (what ATTACK_PODS pods produce together). */
    ramp: Ramp;
    maxDurationSeconds: number;
    /** ATTACK_PODS as the pods read it. */
    pods: number;
    job: { parallelism: number; completions: number; indexed: boolean };
    cpuLimitCores: number;
  };
  cost: CostPerEvent['cpuMicrosecondsPerEvent'];
}

export interface CapacityAssessment {
  /** Cores all replicas burn when each sits exactly at the threshold. */
  pageCores: number;
  /** Events/s at which that happens, from the measured cost. */
  pageRate: number;
  /** pageRate x PAGE_HEADROOM: what the ramp must reach. */
  neededRate: number;
  /** When the ramp reaches neededRate (null: never). */
  reachesNeededAfterSeconds: number | null;
  /** The latest the notification can come: reaching the rate, the alert's `for`, the alert pipeline. */
  pageExpectedBySeconds: number | null;
  /** Each pod at the ramp's ceiling: events/s and cores. */
  perPodRate: number;
  perPodCores: number;
  /** The stream scorer at neededRate: cores needed and usable. */
  scorerCoresNeeded: number;
  scorerCoresUsable: number;
  /** Why the page is out of reach; empty when it is in reach. */
  findings: string[];
}

const micro = 1e-6;

/** When a ramp first reaches `rate` (0 if it starts there), or null if its ceiling is below it. */
export function secondsToReach(ramp: Ramp, rate: number): number | null {
  if (ramp.startRate >= rate) return 0;
  if (ramp.maxRate < rate || ramp.stepRate <= 0) return null;
  return Math.min(
    Math.ceil((rate - ramp.startRate) / ramp.stepRate) * ramp.stepSeconds,
    secondsToCeiling(ramp),
  );
}

export function assessCapacity(facts: CapacityFacts): CapacityAssessment {
  const { scoringApi, alert, streamScorer, attack, cost } = facts;
  const pageCores = scoringApi.maxReplicas * scoringApi.cpuRequestCores * alert.cpuThreshold;
  const pageRate = pageCores / (cost.scoringApi * micro);
  const neededRate = pageRate * PAGE_HEADROOM;
  const reachesNeededAfterSeconds = secondsToReach(attack.ramp, neededRate);
  const pageExpectedBySeconds =
    reachesNeededAfterSeconds === null
      ? null
      : reachesNeededAfterSeconds + alert.forSeconds + ALERT_PIPELINE_SECONDS;
  const perPodRate = attack.ramp.maxRate / attack.pods;
  const perPodCores = perPodRate * cost.producer * micro;
  const scorerCoresNeeded = neededRate * cost.streamScorer * micro;
  const scorerCoresUsable = streamScorer.replicas * usableCores(streamScorer.cpuLimitCores);
  const k = (x: number): string => Math.round(x).toLocaleString('en-US');
  const cores = (x: number): string => x.toFixed(2);
  const us = (x: number): string => `${x.toFixed(1)} µs`;

  const findings: string[] = [];
  if (reachesNeededAfterSeconds === null) {
    findings.push(
      `the ramp tops out at ${k(attack.ramp.maxRate)} events/s, below the ${k(neededRate)} events/s the page needs ` +
        `(${k(pageRate)} events/s put ${scoringApi.maxReplicas} replicas at ${alert.cpuThreshold * 100}% of ` +
        `${scoringApi.cpuRequestCores * 1000}m at ${us(cost.scoringApi)} per event, x${PAGE_HEADROOM} headroom): raise MAX_RATE`,
    );
  } else if (pageExpectedBySeconds !== null && pageExpectedBySeconds > attack.maxDurationSeconds) {
    findings.push(
      `the ramp reaches ${k(neededRate)} events/s after ${reachesNeededAfterSeconds} s; with the alert's ` +
        `${alert.forSeconds} s and ${ALERT_PIPELINE_SECONDS} s of alert pipeline the page comes after ` +
        `${pageExpectedBySeconds} s, past MAX_DURATION_SECONDS (${attack.maxDurationSeconds}): steepen the ramp or allow longer`,
    );
  }
  if (perPodCores > usableCores(attack.cpuLimitCores)) {
    findings.push(
      `each of the ${attack.pods} attack pods must produce ${k(perPodRate)} events/s, ${cores(perPodCores)} cores at ` +
        `${us(cost.producer)} per event, more than the ${cores(usableCores(attack.cpuLimitCores))} cores one Node.js ` +
        `process can put in (${USABLE_CPU_SHARE * 100}% of min(limit, one thread)): add pods (ATTACK_PODS and the Job's parallelism)`,
    );
  }
  if (scorerCoresNeeded > scorerCoresUsable) {
    findings.push(
      `the stream scorer must score ${k(neededRate)} events/s, ${cores(scorerCoresNeeded)} cores at ${us(cost.streamScorer)} ` +
        `per event, more than its ${streamScorer.replicas} replicas can put in (${cores(scorerCoresUsable)} cores: ` +
        `${USABLE_CPU_SHARE * 100}% of min(limit, one thread) each): add replicas`,
    );
  }
  if (facts.transactionsPartitions < streamScorer.replicas) {
    findings.push(
      `transactions has ${facts.transactionsPartitions} partitions for ${streamScorer.replicas} stream scorer replicas: ` +
        'a consumer group member without a partition idles',
    );
  }
  const { job } = attack;
  if (!job.indexed || job.parallelism !== attack.pods || job.completions !== attack.pods) {
    findings.push(
      `the attack Job must be Indexed with parallelism = completions = ATTACK_PODS (${attack.pods}), found ` +
        `${job.indexed ? 'Indexed' : 'NonIndexed'} with parallelism ${job.parallelism} and completions ${job.completions}: ` +
        'otherwise the pods do not split the ramp between them',
    );
  }
  return {
    pageCores,
    pageRate,
    neededRate,
    reachesNeededAfterSeconds,
    pageExpectedBySeconds,
    perPodRate,
    perPodCores,
    scorerCoresNeeded,
    scorerCoresUsable,
    findings,
  };
}

/** The arithmetic as a Markdown table, for docs/deploy.md (a test keeps the copy there equal to this). */
export function capacityTable(facts: CapacityFacts, a: CapacityAssessment): string {
  const k = (x: number): string => Math.round(x).toLocaleString('en-US');
  const { scoringApi, alert, streamScorer, attack, cost } = facts;
  const rows: [string, string, string][] = [
    [
      'cores the replicas burn at the threshold',
      `${scoringApi.maxReplicas} replicas x ${scoringApi.cpuRequestCores * 1000}m request x ${alert.cpuThreshold}`,
      `${a.pageCores.toFixed(2)} cores`,
    ],
    [
      'events/s that takes',
      `${a.pageCores.toFixed(2)} cores / ${cost.scoringApi.toFixed(1)} µs per event (replicas, measured)`,
      `${k(a.pageRate)} events/s`,
    ],
    ['events/s the ramp must reach', `x ${PAGE_HEADROOM} headroom`, `${k(a.neededRate)} events/s`],
    [
      'the ramp (the whole Job)',
      `${k(attack.ramp.startRate)} events/s, +${k(attack.ramp.stepRate)} every ${attack.ramp.stepSeconds} s, up to ${k(attack.ramp.maxRate)}`,
      a.reachesNeededAfterSeconds === null
        ? 'never reaches it'
        : `reaches it after ${a.reachesNeededAfterSeconds} s`,
    ],
    [
      'the page, at the latest',
      `+ the alert's for (${alert.forSeconds} s) + ${ALERT_PIPELINE_SECONDS} s (rate window, evaluation, group_wait)`,
      `${a.pageExpectedBySeconds ?? '∞'} s of MAX_DURATION_SECONDS ${attack.maxDurationSeconds}`,
    ],
    [
      'each attack pod at the ceiling',
      `${k(attack.ramp.maxRate)} / ${attack.pods} pods x ${cost.producer.toFixed(1)} µs per event (producer, measured)`,
      `${k(a.perPodRate)} events/s, ${a.perPodCores.toFixed(2)} of ${usableCores(attack.cpuLimitCores).toFixed(2)} usable cores`,
    ],
    [
      'the stream scorer at that rate',
      `${k(a.neededRate)} x ${cost.streamScorer.toFixed(1)} µs per event (measured)`,
      `${a.scorerCoresNeeded.toFixed(2)} of ${a.scorerCoresUsable.toFixed(2)} usable cores (${streamScorer.replicas} replicas x ${usableCores(streamScorer.cpuLimitCores).toFixed(2)})`,
    ],
    [
      'consumers and partitions',
      `${streamScorer.replicas} stream scorer replicas, ${facts.transactionsPartitions} partitions of transactions`,
      facts.transactionsPartitions >= streamScorer.replicas ? 'every replica consumes' : 'idle replicas',
    ],
  ];
  return [
    '| | arithmetic | result |',
    '| --- | --- | --- |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}
