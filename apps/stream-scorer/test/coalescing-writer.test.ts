import { describe, expect, it } from 'vitest';
import { CoalescingWriter } from '../src/coalescing-writer.ts';

/** A send that the test completes by hand, recording what each call carried. */
function manualSend() {
  const calls: { records: string[]; finish: (error?: Error) => void }[] = [];
  const send = (records: string[]): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      calls.push({
        records,
        finish: (error) => {
          if (error === undefined) resolve();
          else reject(error);
        },
      });
    });
  return { calls, send };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function track(promise: Promise<void>): { state: () => string } {
  let state = 'pending';
  promise.then(
    () => (state = 'written'),
    (error: unknown) => (state = `failed: ${(error as Error).message}`),
  );
  return { state: () => state };
}

describe('CoalescingWriter', () => {
  it('sends at once when idle, and groups what arrives meanwhile into the next send', async () => {
    const { calls, send } = manualSend();
    const writer = new CoalescingWriter<string>({ send, sizeOf: (r) => r.length });
    const a = track(writer.write(['a1', 'a2']));
    const b = track(writer.write(['b1']));
    const c = track(writer.write(['c1', 'c2']));
    expect(calls.map((call) => call.records)).toEqual([['a1', 'a2']]);
    calls[0]?.finish();
    await settle();
    expect(a.state()).toBe('written');
    expect(b.state()).toBe('pending');
    expect(calls.map((call) => call.records)).toEqual([
      ['a1', 'a2'],
      ['b1', 'c1', 'c2'],
    ]);
    calls[1]?.finish();
    await settle();
    expect([b.state(), c.state()]).toEqual(['written', 'written']);
  });

  it('bounds a send in bytes and records, splitting a caller if it must, who then waits for every part', async () => {
    const { calls, send } = manualSend();
    const writer = new CoalescingWriter<string>({
      send,
      sizeOf: (r) => r.length,
      maxBytes: 10,
      maxRecords: 3,
    });
    writer.write(['x']).catch(() => undefined);
    const big = track(writer.write(['aaaa', 'bbbb', 'cccc', 'd', 'e', 'f', 'g']));
    const huge = track(writer.write(['h'.repeat(50)]));
    calls[0]?.finish();
    await settle();
    expect(calls.map((call) => call.records)).toEqual([['x'], ['aaaa', 'bbbb']]);
    calls[1]?.finish();
    await settle();
    calls[2]?.finish();
    await settle();
    expect(big.state()).toBe('pending');
    calls[3]?.finish();
    await settle();
    expect(big.state()).toBe('written');
    // A record larger than the bound still goes, alone.
    expect(calls.map((call) => call.records).slice(2)).toEqual([
      ['cccc', 'd', 'e'],
      ['f', 'g'],
      ['h'.repeat(50)],
    ]);
    calls[4]?.finish();
    await settle();
    expect(huge.state()).toBe('written');
  });

  it('fails every caller whose records were in a failed send, and goes on with the next', async () => {
    const { calls, send } = manualSend();
    const writer = new CoalescingWriter<string>({ send, sizeOf: () => 1 });
    const first = track(writer.write(['a']));
    const second = track(writer.write(['b']));
    const third = track(writer.write(['c']));
    calls[0]?.finish(new Error('broker away'));
    await settle();
    expect(first.state()).toBe('failed: broker away');
    calls[1]?.finish(new Error('still away'));
    await settle();
    expect([second.state(), third.state()]).toEqual(['failed: still away', 'failed: still away']);
    const fourth = track(writer.write(['d']));
    calls[2]?.finish();
    await settle();
    expect(fourth.state()).toBe('written');
  });

  it('resolves an empty write at once', async () => {
    const { calls, send } = manualSend();
    const writer = new CoalescingWriter<string>({ send, sizeOf: () => 1 });
    await writer.write([]);
    expect(calls).toHaveLength(0);
  });
});
