// The cluster's path from the scorer to the scoring API, with no balancer in between: real scoring-api
// replicas on the trained test model, each on its own loopback address and all on one port (as pods are on
// their pod IPs), a real DNS server answering for the headless Service's name, and the scorer's own pool and
// client sending batches continuously. Who got how many requests is read from each replica's own /metrics.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Transaction } from '@fraudops/contracts';
import { freePort } from '@fraudops/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreBatch } from '../src/scoring-client.ts';
import { openScoringPool, systemResolver, type ScoringPool } from '../src/scoring-pool.ts';
import { startDnsServer, type TestDnsServer } from './support/dns-server.ts';
import { metricSum, scrape } from './support/metrics.ts';
import { startScoringApi, type ScoringApiProcess } from './support/scoring-api.ts';
import { freshTransactions } from './support/topics.ts';

/** The headless Service's name, as the cluster's SCORING_URL spells it. */
const SERVICE = 'scoring-api-headless.fraudops.svc.cluster.local';
/** The scorer's resolution interval here; the cluster's is in deploy/k8s/base/stream-scorer/deployment.yaml. */
const RESOLVE_INTERVAL_MS = 250;
/** Four intervals: the next resolution, then the next batch, with room for a busy CI machine. */
const FIRST_BATCH_WITHIN_MS = 4 * RESOLVE_INTERVAL_MS;
const ADDRESSES = ['127.0.0.11', '127.0.0.12', '127.0.0.13'] as const;
/** Batches in flight at once, as MAX_BATCHES_IN_FLIGHT keeps several. */
const CONCURRENCY = 4;
const BATCH = 20;

let dns: TestDnsServer | undefined;
/** The DNS server beforeAll started. */
const zone = (): TestDnsServer => {
  if (dns === undefined) throw new Error('the DNS server did not start');
  return dns;
};
let port: number;
let replicas: ScoringApiProcess[] = [];
let transactions: Transaction[];

/** POST /predict/batch requests each replica has answered, by its own counter. */
async function served(): Promise<number[]> {
  return Promise.all(
    replicas.map(async (replica) => {
      if (replica.child.exitCode !== null || replica.child.signalCode !== null) return Number.NaN;
      return metricSum(await scrape(replica.url), 'scoring_api_http_requests_total', {
        route: '/predict/batch',
      });
    }),
  );
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
  return performance.now() - started;
}

interface Sender {
  /** Stops sending; resolves when every batch in flight has its outcome. */
  stop: () => Promise<{ batches: number; scored: number; unscored: number; retries: string[] }>;
}

/** CONCURRENCY loops, each scoring one batch after another through the pool, as the scorer's batcher does. */
function send(pool: ScoringPool): Sender {
  const stopping = new AbortController();
  const retries: string[] = [];
  let batches = 0;
  let scored = 0;
  let unscored = 0;
  const loop = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      const outcome = await scoreBatch(
        transactions,
        {
          pool,
          requestTimeoutMs: 5000,
          backoff: { baseMs: 20, maxMs: 200 },
          onRetry: ({ cause, detail }) => retries.push(`${cause}: ${detail}`),
        },
        // Never aborted: every batch runs to its outcome, which is the guarantee under test.
        new AbortController().signal,
      );
      batches++;
      scored += outcome.scores.size;
      unscored += transactions.length - outcome.scores.size;
      // A short pause: the point is the spread, not the throughput, and two cores are shared.
      await sleep(2);
    }
  };
  const loops = Array.from({ length: CONCURRENCY }, loop);
  return {
    stop: async () => {
      stopping.abort();
      await Promise.all(loops);
      return { batches, scored, unscored, retries };
    },
  };
}

const deltas = (after: number[], before: number[]): number[] => after.map((n, i) => n - (before[i] ?? 0));
const shares = (counts: number[]): number[] => {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((n) => n / total);
};

// Replicas on 127.0.0.11-13: Linux routes all of 127.0.0.0/8 to the loopback interface; macOS only 127.0.0.1.
const loopbackAliases = process.platform === 'linux';

describe.skipIf(!loopbackAliases)(
  'the scorer behind a headless Service (DNS discovery, no balancer in between; needs Linux loopback aliases)',
  () => {
    beforeAll(async () => {
      dns = await startDnsServer();
      port = await freePort();
      transactions = await freshTransactions(BATCH, 9_100_000_000);
      const started = await Promise.allSettled(ADDRESSES.map((host) => startScoringApi({}, port, host)));
      replicas = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const failed = started.find((s) => s.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    });

    afterAll(async () => {
      await Promise.all(replicas.map((r) => r.stop()));
      await dns?.close();
    });

    it('gives a replica its share of the batches within a second of DNS listing it, and none before', async () => {
      const [a, b, c] = ADDRESSES;
      zone().setAddresses(SERVICE, [a, b]);
      const logs: string[] = [];
      const pool = await openScoringPool({
        url: `http://${SERVICE}:${port}`,
        resolveIntervalMs: RESOLVE_INTERVAL_MS,
        resolver: systemResolver([zone().server]),
        log: (line) => logs.push(line),
      });
      const sender = send(pool);
      let outcome: Awaited<ReturnType<Sender['stop']>> | undefined;
      try {
        const start = await served();
        await until(
          'both listed replicas serve',
          async () => (await served()).every((n, i) => i === 2 || n - (start[i] ?? 0) >= 30),
          10_000,
        );
        // The third replica runs and listens on the same port, but is not Ready yet: not in the answer.
        expect((await served())[2], 'batches the unlisted replica got').toBe(start[2]);

        zone().setAddresses(SERVICE, [a, b, c]);
        const listed = await served();
        const latencyMs = await until(
          'the newly listed replica gets batches',
          async () => ((await served())[2] ?? 0) > (listed[2] ?? 0),
          5000,
        );
        expect(latencyMs, 'from the DNS answer changing to its first batch').toBeLessThan(
          FIRST_BATCH_WITHIN_MS,
        );

        // Then it gets its share: with three replicas, a third of the batches (round robin per request).
        const from = await served();
        await sleep(1500);
        const window = deltas(await served(), from);
        const total = window.reduce((x, y) => x + y, 0);
        if (process.env.SCORER_DEBUG)
          console.log(
            `first batch ${latencyMs.toFixed(0)} ms after listing; shares over 1.5 s: ${window.join(' / ')}`,
          );
        expect(total, 'batches in the window').toBeGreaterThanOrEqual(150);
        for (const [i, share] of shares(window).entries())
          expect(share, `share of ${ADDRESSES[i] ?? '?'} (${window.join(' / ')})`).toBeCloseTo(1 / 3, 1);
        expect(pool.upstreams()).toEqual(ADDRESSES.map((host) => `http://${host}:${port}`));
        expect(logs.join('\n')).toContain(`scoring-api replicas at ${SERVICE}: 3 (+http://${c}:${port})`);
      } finally {
        outcome = await sender.stop();
        await pool.close();
      }
      expect(outcome.unscored).toBe(0);
      expect(outcome.scored).toBe(outcome.batches * BATCH);
    });

    it('loses no batch when a listed replica is killed, nor while DNS fails or answers nothing', async () => {
      const [a, b, c] = ADDRESSES;
      zone().setAddresses(SERVICE, [a, b, c]);
      const logs: string[] = [];
      let resolveFailures = 0;
      const pool = await openScoringPool({
        url: `http://${SERVICE}:${port}`,
        resolveIntervalMs: RESOLVE_INTERVAL_MS,
        resolver: systemResolver([zone().server]),
        log: (line) => logs.push(line),
        onResolveFailure: () => resolveFailures++,
      });
      expect(pool.upstreams()).toHaveLength(3);
      const sender = send(pool);
      let outcome: Awaited<ReturnType<Sender['stop']>> | undefined;
      try {
        await until('every replica serves', async () => (await served()).every((n) => n > 0), 5000);
        // SIGKILL while still listed: its connections break mid-request and new ones are refused until DNS
        // stops listing it (in the cluster: until its readiness probe fails).
        await replicas[2]?.stop();
        await sleep(500);
        zone().setAddresses(SERVICE, [a, b]);
        await until('the killed replica leaves the pool', async () => pool.upstreams().length === 2, 2000);

        // DNS fails, then answers that no replica is ready: the pool keeps the two it knows and they keep serving.
        zone().setFailing(true);
        await until('a failed resolution', async () => resolveFailures > 0, 5000);
        const failingFrom = await served();
        await sleep(500);
        const failingServed = deltas(await served(), failingFrom).slice(0, 2);
        expect(
          Math.min(...failingServed),
          `batches the known replicas served while DNS failed: ${failingServed.join(' / ')}`,
        ).toBeGreaterThan(0);
        zone().setFailing(false);
        zone().setAddresses(SERVICE, []);
        const failuresBefore = resolveFailures;
        await until('an empty answer', async () => resolveFailures > failuresBefore, 5000);
        const emptyFrom = await served();
        await sleep(500);
        const emptyServed = deltas(await served(), emptyFrom).slice(0, 2);
        expect(
          Math.min(...emptyServed),
          `batches the known replicas served while DNS answered nothing: ${emptyServed.join(' / ')}`,
        ).toBeGreaterThan(0);
        expect(pool.upstreams()).toEqual([a, b].map((host) => `http://${host}:${port}`));
      } finally {
        // Whatever failed above, the batches in flight get replicas to finish on, so that stop() returns.
        zone().setFailing(false);
        zone().setAddresses(SERVICE, [a, b]);
        outcome = await sender.stop();
        await pool.close();
      }
      // The batches that met the dead replica were retried elsewhere: every batch has every score.
      expect(outcome.batches).toBeGreaterThan(0);
      expect(outcome.unscored).toBe(0);
      expect(outcome.scored).toBe(outcome.batches * BATCH);
      expect(
        outcome.retries.some((r) => r.startsWith('network:')),
        outcome.retries.join('\n'),
      ).toBe(true);
      expect(
        logs.some((line) => line.startsWith(`resolving ${SERVICE} failed (ESERVFAIL)`)),
        logs.join('\n'),
      ).toBe(true);
    });
  },
);
