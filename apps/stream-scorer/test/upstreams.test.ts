import { describe, expect, it } from 'vitest';
import { resolveAddresses, type AddressResolver } from '../src/scoring-pool.ts';
import { describeChange, planUpstreams, upstreamOrigins } from '../src/upstreams.ts';

describe('upstreamOrigins', () => {
  it('makes one origin per address on the port, IPv6 in brackets, sorted, without repeats', () => {
    expect(upstreamOrigins('http:', ['10.0.0.9', 'fd00::7', '10.0.0.3', '10.0.0.9'], 8080)).toEqual([
      'http://10.0.0.3:8080',
      'http://10.0.0.9:8080',
      'http://[fd00::7]:8080',
    ]);
  });
});

describe('planUpstreams', () => {
  const a = 'http://10.0.0.1:8080';
  const b = 'http://10.0.0.2:8080';
  const c = 'http://10.0.0.3:8080';

  it('adds the replicas the answer names and removes those it no longer names', () => {
    expect(planUpstreams([a, b], [b, c])).toEqual({ add: [c], remove: [a] });
    expect(planUpstreams([], [a, b])).toEqual({ add: [a, b], remove: [] });
    expect(planUpstreams([a, b], [a, b])).toEqual({ add: [], remove: [] });
  });

  it('keeps the replicas last known when the answer is empty', () => {
    expect(planUpstreams([a, b], [])).toEqual({ add: [], remove: [] });
  });

  it('describes a change for the log', () => {
    expect(describeChange({ add: [c], remove: [a] })).toBe(`+${c} -${a}`);
  });
});

describe('resolveAddresses', () => {
  const failing = (code: string) => async (): Promise<string[]> => {
    throw Object.assign(new Error(`query ${code}`), { code });
  };
  const answering = (addresses: string[]) => async (): Promise<string[]> => addresses;

  it('takes the A records', async () => {
    const resolver: AddressResolver = { resolve4: answering(['10.0.0.1']), resolve6: answering(['fd00::1']) };
    expect(await resolveAddresses(resolver, 'svc')).toEqual(['10.0.0.1']);
  });

  it('takes the AAAA records only when the name has no A record (an IPv6-only cluster)', async () => {
    const resolver: AddressResolver = { resolve4: failing('ENODATA'), resolve6: answering(['fd00::1']) };
    expect(await resolveAddresses(resolver, 'svc')).toEqual(['fd00::1']);
  });

  it('passes any other failure on', async () => {
    const resolver: AddressResolver = { resolve4: failing('ENOTFOUND'), resolve6: answering(['fd00::1']) };
    await expect(resolveAddresses(resolver, 'svc')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});
