// The order of a scale-down, step by step, with fake processes: a replica leaves the gateway's upstreams (the
// published membership no longer lists its port), the drain delay passes (the twin's preStop sleep), and only
// then is it sent SIGTERM. The real-process test (scale-down.test.ts) shows the outcome under traffic; this
// one pins the order itself, which the outcome only reveals when a request happens to fall in the gap.
import { EventEmitter } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { ReplicaSet, type ReplicaProcess } from '../src/cluster/replicas.ts';

const DRAIN_DELAY_MS = 200;

interface Published {
  kind: 'published';
  at: number;
  readyPorts: number[];
}
interface Signalled {
  kind: 'signal';
  at: number;
  port: number;
  signal: NodeJS.Signals;
}
type Event = Published | Signalled;

/** A process that records the signals it gets and exits on SIGTERM, as a draining replica does. */
class RecordingProcess extends EventEmitter implements ReplicaProcess {
  static nextPid = 5_000_000;
  readonly pid = RecordingProcess.nextPid++;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;

  private readonly port: number;
  private readonly events: Event[];

  constructor(port: number, events: Event[]) {
    super();
    this.port = port;
    this.events = events;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.events.push({ at: performance.now(), kind: 'signal', port: this.port, signal });
    setImmediate(() => {
      this.exitCode = 0;
      this.emit('exit', 0, null);
    });
    return true;
  }
}

describe('the order of a scale-down', () => {
  it('takes each replica out of the gateway, waits the drain delay, and only then sends SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fraudops-scale-down-order-'));
    const events: Event[] = [];
    const set: ReplicaSet = new ReplicaSet({
      deployment: 'scoring-api',
      host: '127.0.0.1',
      ports: [41_000, 41_001, 41_002, 41_003, 41_004, 41_005],
      entry: 'unused: the fake launcher starts no process',
      env: {},
      logsDir: join(dir, 'logs'),
      pidsDir: join(dir, 'pids'),
      shutdownTimeoutMs: 5000,
      drainDelayMs: DRAIN_DELAY_MS,
      restartDelayMs: 60_000,
      // What the controller publishes to the gateway: the ready replicas' ports, once written and reloaded.
      onMembershipChange: async () => {
        events.push({ at: performance.now(), kind: 'published', readyPorts: set.ready.map((r) => r.port) });
      },
      log: () => undefined,
      launch: ({ port }) => new RecordingProcess(port, events),
      probeReady: async () => true,
    });
    await set.scaleTo(6);
    await set.probe();
    expect(set.ready).toHaveLength(6);

    events.length = 0;
    await set.scaleTo(4);

    const signals = events.filter((e): e is Signalled => e.kind === 'signal');
    const published = events.filter((e): e is Published => e.kind === 'published');
    expect(signals.map((s) => s.signal)).toEqual(['SIGTERM', 'SIGTERM']);
    for (const signal of signals) {
      // The last membership published before the signal no longer routes to the replica...
      const before = published.filter((e) => e.at <= signal.at).at(-1);
      expect(before?.readyPorts, `a membership published before port ${signal.port}'s SIGTERM`).toBeDefined();
      expect(before?.readyPorts).not.toContain(signal.port);
      // ...and the first one that left it out came the drain delay before the signal (timers run on a
      // millisecond loop clock, so a sleep can measure a fraction of a millisecond short).
      const removal = published.find((e) => !e.readyPorts.includes(signal.port));
      expect(signal.at - (removal?.at ?? Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(
        DRAIN_DELAY_MS - 1,
      );
    }
    expect(set.replicas).toHaveLength(4);
  });
});
