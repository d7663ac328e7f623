// What the gateway's replicas answered, attempt by attempt, read from nginx's own logs. A client's 200 can
// hide a failed first attempt that nginx retried on another replica (proxy_next_upstream): the access log
// lists every attempt of a request ($upstream_addr, $upstream_status), and the error log says why an attempt
// failed at the connection level (refused, reset, closed early).

export interface UpstreamAttempt {
  /** host:port of the replica nginx tried. */
  address: string;
  /** Its HTTP status, or 502/504 for an attempt that failed at the connection level (nginx's convention). */
  status: number;
}

export interface GatewayRequest {
  /** When nginx began and finished it, milliseconds since the epoch. */
  startedAt: number;
  endedAt: number;
  /** What the client got. */
  status: number;
  uri: string;
  attempts: UpstreamAttempt[];
}

/** nginx separates attempts with ", " and upstream groups (after an internal redirect) with " : ". */
const splitAttempts = (value: string): string[] =>
  value === '' || value === '-' ? [] : value.split(/, | : /).map((part) => part.trim());

/** One line of the access log (the `fraudops` log_format of nginx-config.ts); null if it is not one. */
export function parseGatewayRequest(line: string): GatewayRequest | null {
  let entry: {
    msec?: unknown;
    request_time?: unknown;
    status?: unknown;
    uri?: unknown;
    upstream?: unknown;
    upstream_status?: unknown;
  };
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    return null;
  }
  const { msec, request_time: seconds } = entry;
  if (typeof entry.status !== 'number' || typeof entry.upstream !== 'string') return null;
  if (typeof msec !== 'number' || typeof seconds !== 'number') return null;
  const addresses = splitAttempts(entry.upstream);
  const statuses = splitAttempts(typeof entry.upstream_status === 'string' ? entry.upstream_status : '');
  if (addresses.length !== statuses.length)
    throw new Error(
      `access log line with ${addresses.length} upstreams but ${statuses.length} statuses: ${line}`,
    );
  return {
    startedAt: Math.round((msec - seconds) * 1000),
    endedAt: Math.round(msec * 1000),
    status: entry.status,
    uri: typeof entry.uri === 'string' ? entry.uri : '',
    attempts: addresses.map((address, i) => ({ address, status: Number(statuses[i]) })),
  };
}

export interface UpstreamError {
  level: string;
  /** host:port of the replica the failed attempt went to. */
  address: string;
  /** nginx's words, e.g. "connect() failed (111: Connection refused) while connecting to upstream". */
  message: string;
}

const ERROR_LINE = /^\S+ \S+ \[(\w+)\] \d+#\d+: (?:\*\d+ )?(.*?), client: .*?, upstream: "\w+:\/\/([^/"]+)/;

/** The error log's lines about a failed attempt on an upstream (a replica); other lines are left out. */
export function parseUpstreamErrors(text: string): UpstreamError[] {
  return text.split('\n').flatMap((line) => {
    const match = ERROR_LINE.exec(line);
    if (!match) return [];
    const [, level = '', message = '', address = ''] = match;
    return [{ level, address, message }];
  });
}
