// Runs one autocannon measurement and returns the numbers the report needs.
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  body: string;
  connections: number;
  durationSeconds: number;
  /** Requests per second across all connections; unlimited when absent. */
  rate?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export async function measure(spec: LoadSpec): Promise<LoadResult> {
  const result = await autocannon({
    url: spec.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: spec.body,
    connections: spec.connections,
    duration: spec.durationSeconds,
    ...(spec.rate === undefined ? {} : { overallRate: spec.rate }),
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
