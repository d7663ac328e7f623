import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AccessLogCounter } from '../src/cluster/access-log.ts';
import { parseCpuSeconds, processCpuSeconds } from '../src/cluster/procfs.ts';
import { pickForRemoval, podName, type Replica } from '../src/cluster/replicas.ts';

describe('procfs', () => {
  it('reads utime + stime in seconds, also when the command name has spaces and parentheses', () => {
    const stat = '4242 (node (worker) 1) S 1 4242 4242 0 -1 4194560 500 0 0 0 1234 566 0 0 20 0 11 0 100 0 0';
    expect(parseCpuSeconds(stat)).toBe(18);
  });

  it('measures this very process', async () => {
    const seconds = await processCpuSeconds(process.pid);
    expect(seconds).toBeGreaterThan(0);
    expect(await processCpuSeconds(2 ** 22 + 12345)).toBeNull();
  });
});

describe('replica naming and removal order', () => {
  it('names pods like Kubernetes: the deployment and five safe characters', () => {
    expect(podName('scoring-api', () => Buffer.from([0, 1, 2, 26, 27]))).toBe('scoring-api-bcd9b');
    expect(podName('scoring-api')).toMatch(/^scoring-api-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('removes not-ready replicas first, then the newest, never one already terminating', () => {
    const replica = (name: string, ready: boolean, startedAt: number, terminating = false): Replica => ({
      name,
      port: 0,
      child: {} as unknown as ChildProcess,
      ready,
      startedAt,
      terminating,
    });
    const replicas = [
      replica('old', true, 1),
      replica('new', true, 3),
      replica('cold', false, 2),
      replica('gone', false, 4, true),
    ];
    expect(pickForRemoval(replicas, 2).map((r) => r.name)).toEqual(['cold', 'new']);
  });
});

describe('gateway access log counter', () => {
  it('counts responses by status across appends, partial lines and truncation', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'fraudops-log-')), 'access.log');
    const counter = new AccessLogCounter(file);
    await counter.poll(); // not there yet
    await writeFile(file, '{"status":200,"uri":"/predict"}\n{"status":429,"uri":"/predict"}\n{"status":20');
    await counter.poll();
    expect(Object.fromEntries(counter.counts)).toEqual({ 200: 1, 429: 1 });
    await appendFile(file, '0,"uri":"/predict"}\n');
    await counter.poll();
    expect(counter.counts.get(200)).toBe(2);
    await writeFile(file, '{"status":429}\n');
    await counter.poll();
    expect(counter.counts.get(429)).toBe(2);
  });
});
