// Which scoring-api replicas the scorer sends to, as pure functions over DNS answers: the origins to dial for
// the addresses a headless Service's name resolves to, and how to move from the current set to a new one.
import { isIPv6 } from 'node:net';

/** `http://10.1.2.3:8080`, `http://[fd00::7]:8080`: one origin per address, sorted, without repeats. */
export function upstreamOrigins(protocol: string, addresses: readonly string[], port: number): string[] {
  const origins = addresses.map((a) => `${protocol}//${isIPv6(a) ? `[${a}]` : a}:${port}`);
  return [...new Set(origins)].sort();
}

export interface UpstreamChange {
  add: string[];
  remove: string[];
}

/**
 * The upstreams to add and remove so that the set becomes `resolved`. An empty answer changes nothing: it
 * means that no replica is ready (or that DNS misbehaves), and the replicas last known answer a request, or
 * refuse it and the batch is retried, either way no worse than having nowhere to send it.
 */
export function planUpstreams(current: readonly string[], resolved: readonly string[]): UpstreamChange {
  if (resolved.length === 0) return { add: [], remove: [] };
  const wanted = new Set(resolved);
  const have = new Set(current);
  return {
    add: [...wanted].filter((origin) => !have.has(origin)),
    remove: [...have].filter((origin) => !wanted.has(origin)),
  };
}

/** `+http://10.1.2.9:8080 -http://10.1.2.3:8080` for the log. */
export const describeChange = ({ add, remove }: UpstreamChange): string =>
  [...add.map((o) => `+${o}`), ...remove.map((o) => `-${o}`)].join(' ');
