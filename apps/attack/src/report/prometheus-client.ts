// Prometheus' range query API (GET /api/v1/query_range), and the shape the rest of the report works on.
// The report takes the query function as a parameter, so tests hand it range data instead of a server.
// https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries

/** One value at one time: Unix seconds (as Prometheus returns them) and the sample's value. */
export type Point = readonly [t: number, value: number];

export interface RangeSeries {
  labels: Readonly<Record<string, string>>;
  /** In time order; non-finite values (NaN from a quantile without traffic, ±Inf) are left out. */
  points: readonly Point[];
}

export interface QueryRange {
  start: Date;
  end: Date;
  stepSeconds: number;
}

export type RangeQuery = (query: string, range: QueryRange) => Promise<RangeSeries[]>;

interface QueryRangeBody {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric: Record<string, string>; values: [number, string][] }[] };
}

/** A RangeQuery against the Prometheus at `baseUrl` (http://127.0.0.1:19090). */
export function prometheusRangeQuery(
  baseUrl: string,
  options: { timeoutMs?: number; fetch?: typeof fetch } = {},
): RangeQuery {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  return async (query, range) => {
    const url = new URL('/api/v1/query_range', baseUrl);
    url.searchParams.set('query', query);
    url.searchParams.set('start', String(range.start.getTime() / 1000));
    url.searchParams.set('end', String(range.end.getTime() / 1000));
    url.searchParams.set('step', String(range.stepSeconds));
    let response: Response;
    try {
      response = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new Error(
        `Prometheus at ${baseUrl} did not answer the range query ${query}: ${describe(error)}`,
        {
          cause: error,
        },
      );
    }
    const text = await response.text();
    let body: QueryRangeBody;
    try {
      body = JSON.parse(text) as QueryRangeBody;
    } catch {
      // A proxy's error page or a wrong port: say what came back instead of a JSON syntax error.
      throw new Error(
        `Prometheus at ${baseUrl} answered HTTP ${response.status} with no JSON to the range query ${query}: ${text.slice(0, 200)}`,
      );
    }
    if (!response.ok || body.status !== 'success')
      throw new Error(
        `Prometheus refused the range query ${query} (HTTP ${response.status}, ${body.errorType ?? 'error'}): ${body.error ?? text.slice(0, 200)}`,
      );
    if (body.data?.resultType !== 'matrix')
      throw new Error(
        `Prometheus answered the range query ${query} with a ${body.data?.resultType ?? 'missing'} result, not a matrix`,
      );
    return (body.data.result ?? []).map((series) => ({
      labels: series.metric,
      points: parseValues(series.values),
    }));
  };
}

/** Prometheus sends values as strings ("1.5", "NaN", "+Inf"); only finite ones become points. */
export function parseValues(values: readonly (readonly [number, string])[]): Point[] {
  const points: Point[] = [];
  for (const [t, text] of values) {
    const value = Number(text);
    if (Number.isFinite(value)) points.push([t, value]);
  }
  return points;
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  return cause === undefined ? (error as Error).message : `${(error as Error).message} (${cause})`;
}
