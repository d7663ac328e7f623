// Where the scorer's batches go.
//
// Without discovery (resolveIntervalMs 0): one keep-alive pool to SCORING_URL's origin. That is right behind
// something that balances each request, as the embedded stack's nginx does.
//
// With discovery: SCORING_URL names a headless Service, whose DNS name answers with the address of every
// Ready replica. A Service's virtual IP would not do: kube-proxy picks a replica per TCP connection, and the
// scorer's keep-alive connections stay on the replicas that existed when they opened, so replicas the HPA
// adds would get no stream traffic. Here the name is resolved again every resolveIntervalMs, and undici's
// BalancedPool sends each request to the next replica (round robin, weighted down on connection errors).
// A replica that leaves the answer is removed gracefully: its requests in flight finish, then its
// connections close. A failed or empty resolution keeps the replicas last known (see planUpstreams); a
// request that fails on a replica gone meanwhile is retried by the scoring client, so no event is lost.
import { Resolver } from 'node:dns/promises';
import { BalancedPool, Pool, type Dispatcher } from 'undici';
import { describeChange, planUpstreams, upstreamOrigins } from './upstreams.ts';

/** The part of node:dns's Resolver that discovery uses. */
export interface AddressResolver {
  resolve4: (hostname: string) => Promise<string[]>;
  resolve6: (hostname: string) => Promise<string[]>;
}

/**
 * The pod's DNS servers (resolv.conf), or `servers` (host:port), asked directly: no /etc/hosts, no search
 * list, so SCORING_URL names the Service by its full name. One second per try, two tries: a lost UDP packet
 * costs a second, not c-ares's default of four 5-second tries.
 */
export function systemResolver(servers?: readonly string[]): AddressResolver {
  const resolver = new Resolver({ timeout: 1000, tries: 2 });
  if (servers !== undefined) resolver.setServers(servers);
  return resolver;
}

/**
 * The A records of `hostname`; its AAAA records only when it has no A record (an IPv6-only cluster). Not
 * both: in a dual-stack cluster every pod would be listed twice and get twice the share.
 */
export async function resolveAddresses(resolver: AddressResolver, hostname: string): Promise<string[]> {
  try {
    return await resolver.resolve4(hostname);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENODATA') throw error;
  }
  return resolver.resolve6(hostname);
}

export interface ScoringPoolOptions {
  /** SCORING_URL. */
  url: string;
  /** 0: dial SCORING_URL's host as it is. > 0: resolve it again this often and balance over its addresses. */
  resolveIntervalMs: number;
  /** Default: systemResolver(). */
  resolver?: AddressResolver;
  log: (line: string) => void;
  /** Called on every failed or empty resolution (a metric). */
  onResolveFailure?: () => void;
}

export interface ScoringPool {
  dispatcher: Dispatcher;
  /** SCORING_URL's host: the Host header of every request, whichever replica it goes to. */
  host: string;
  /** The origins requests are balanced over now. */
  upstreams: () => string[];
  /** Stops resolving; requests in flight finish, then every connection closes. */
  close: () => Promise<void>;
}

const describeError = (error: unknown): string =>
  (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/** Opens the pool; with discovery, after the first resolution (whose failure is logged, not thrown). */
export async function openScoringPool(options: ScoringPoolOptions): Promise<ScoringPool> {
  const url = new URL(options.url);
  if (options.resolveIntervalMs === 0) {
    const pool = new Pool(url.origin);
    return { dispatcher: pool, host: url.host, upstreams: () => [url.origin], close: () => pool.close() };
  }

  const { hostname, protocol } = url;
  const port = url.port === '' ? (protocol === 'https:' ? 443 : 80) : Number(url.port);
  const resolver = options.resolver ?? systemResolver();
  const pool = new BalancedPool([]);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // The last failure logged: a failure is logged when it starts or changes, not every interval.
  let problem: string | null = null;

  async function refresh(): Promise<void> {
    let resolved: string[];
    try {
      resolved = upstreamOrigins(protocol, await resolveAddresses(resolver, hostname), port);
      if (resolved.length === 0) throw new Error('no address');
    } catch (error) {
      if (stopped) return;
      options.onResolveFailure?.();
      const detail = describeError(error);
      if (detail !== problem)
        options.log(
          `resolving ${hostname} failed (${detail}); sending to the ${pool.upstreams.length} replicas last known`,
        );
      problem = detail;
      return;
    }
    if (stopped) return;
    if (problem !== null) options.log(`resolving ${hostname} works again`);
    problem = null;
    const change = planUpstreams(pool.upstreams, resolved);
    for (const origin of change.add) pool.addUpstream(origin);
    for (const origin of change.remove) pool.removeUpstream(origin);
    if (change.add.length + change.remove.length > 0)
      options.log(`scoring-api replicas at ${hostname}: ${resolved.length} (${describeChange(change)})`);
  }

  // One resolution at a time: the next is scheduled when the last one has finished.
  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void refresh()
        .catch((error: unknown) => {
          options.log(`updating the scoring-api replicas failed: ${describeError(error)}`);
        })
        .finally(schedule);
    }, options.resolveIntervalMs);
    // Never what keeps the process alive.
    timer.unref();
  }

  await refresh();
  schedule();
  return {
    dispatcher: pool,
    host: url.host,
    upstreams: () => pool.upstreams,
    close: async () => {
      stopped = true;
      clearTimeout(timer);
      await pool.close();
    },
  };
}
