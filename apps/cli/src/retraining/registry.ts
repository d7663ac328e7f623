// What the CLI reads from the MLflow model registry, over its REST API: the champion, the version a DAG
// run registered, and the metrics of the runs behind them.
export interface ModelVersion {
  name: string;
  version: string;
  source: string;
  runId: string;
  aliases: string[];
  tags: Record<string, string>;
}

interface RestModelVersion {
  name: string;
  version: string;
  source?: string;
  run_id?: string;
  aliases?: string[];
  tags?: { key: string; value: string }[];
}

export class RegistryError extends Error {}

function toModelVersion(raw: RestModelVersion): ModelVersion {
  return {
    name: raw.name,
    version: raw.version,
    source: raw.source ?? '',
    runId: raw.run_id ?? '',
    aliases: raw.aliases ?? [],
    tags: Object.fromEntries((raw.tags ?? []).map((t) => [t.key, t.value])),
  };
}

export class RegistryClient {
  readonly trackingUri: string;

  constructor(trackingUri: string) {
    this.trackingUri = trackingUri;
  }

  private async get<T>(path: string, query: Record<string, string>): Promise<T | null> {
    const url = `${this.trackingUri}/api/2.0/mlflow/${path}?${new URLSearchParams(query).toString()}`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new RegistryError(`MLflow at ${this.trackingUri} is unreachable: ${(error as Error).message}`);
    }
    if (response.status === 404) return null;
    if (!response.ok) {
      throw new RegistryError(
        `MLflow ${path} answered HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`,
      );
    }
    return (await response.json()) as T;
  }

  /** The version the alias points at, or null when the model or the alias does not exist yet. */
  async versionByAlias(name: string, alias: string): Promise<ModelVersion | null> {
    const body = await this.get<{ model_version: RestModelVersion }>('registered-models/alias', {
      name,
      alias,
    });
    return body === null ? null : toModelVersion(body.model_version);
  }

  /** Every version of the model, newest first. */
  async versions(name: string): Promise<ModelVersion[]> {
    const body = await this.get<{ model_versions?: RestModelVersion[] }>('model-versions/search', {
      filter: `name='${name.replaceAll("'", "\\'")}'`,
      max_results: '1000',
    });
    return (body?.model_versions ?? [])
      .map(toModelVersion)
      .sort((a, b) => Number(b.version) - Number(a.version));
  }

  /** The run's latest value of each metric. */
  async runMetrics(runId: string): Promise<Record<string, number>> {
    const body = await this.get<{ run: { data: { metrics?: { key: string; value: number }[] } } }>(
      'runs/get',
      {
        run_id: runId,
      },
    );
    return Object.fromEntries((body?.run.data.metrics ?? []).map((m) => [m.key, m.value]));
  }
}
