// Follows a model in the MLflow registry, `models:/<name>@<alias>` (every replica follows the champion) or a
// pinned `models:/<name>/<version>`, over MLflow's REST API and nothing else. The registry says which version
// the alias names and where its files are: `mlflow-artifacts:/<path>`, a directory holding model.onnx and
// model.json as the trainer logs it, downloaded through the tracking server's artifact proxy
// (`mlflow server --serve-artifacts`). Validation is LoadedModel's, as for any other source.
import type { ModelArtifact, RegisteredVersion } from './loaded-model.ts';
import { ModelRejectedError } from './model-card.ts';
import type { ModelSource } from './model-source.ts';

/** What a `models:/` URI names: a registered model and either an alias or a version number. */
export type RegistryReference = { name: string } & ({ alias: string } | { version: string });

/** Parses `models:/<name>@<alias>` or `models:/<name>/<version>`; throws naming the URI when it is neither. */
export function parseModelsUri(uri: string): RegistryReference {
  const rest = uri.startsWith('models:/') ? uri.slice('models:/'.length) : '';
  const at = rest.lastIndexOf('@');
  if (at > 0 && at < rest.length - 1) return { name: rest.slice(0, at), alias: rest.slice(at + 1) };
  const slash = rest.lastIndexOf('/');
  if (slash > 0 && /^[1-9][0-9]*$/.test(rest.slice(slash + 1))) {
    return { name: rest.slice(0, slash), version: rest.slice(slash + 1) };
  }
  throw new Error(`MODEL_URI ${uri}: expected models:/<name>@<alias> or models:/<name>/<version number>`);
}

export interface MlflowModelSourceOptions {
  /** The tracking server, `http(s)://host:port[/prefix]`. */
  trackingUri: string;
  /** For registry look-ups: small JSON answers. */
  requestTimeoutMs?: number;
  /** For each artifact file, body included. */
  downloadTimeoutMs?: number;
}

interface MlflowModelVersion {
  name?: unknown;
  version?: unknown;
  source?: unknown;
  run_id?: unknown;
  status?: unknown;
}

interface MlflowErrorBody {
  error_code?: string;
  message?: string;
}

const ARTIFACTS_SCHEME = 'mlflow-artifacts:';
const ARTIFACTS_API = '/api/2.0/mlflow-artifacts/artifacts';

export class MlflowModelSource implements ModelSource {
  readonly description: string;
  private readonly reference: RegistryReference;
  private readonly tracking: URL;
  private readonly requestTimeoutMs: number;
  private readonly downloadTimeoutMs: number;
  /** What the last fingerprint() resolved: read() downloads that version, not whatever the alias names by then. */
  private offered: RegisteredVersion | null = null;

  constructor(reference: RegistryReference, options: MlflowModelSourceOptions) {
    this.reference = reference;
    this.tracking = new URL(options.trackingUri);
    if (this.tracking.protocol !== 'http:' && this.tracking.protocol !== 'https:') {
      throw new Error(
        `MLFLOW_TRACKING_URI ${options.trackingUri}: expected an http(s) URL of the tracking server`,
      );
    }
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
    this.downloadTimeoutMs = options.downloadTimeoutMs ?? 60_000;
    const selector = 'alias' in reference ? `@${reference.alias}` : `/${reference.version}`;
    this.description = `MLflow models:/${reference.name}${selector} at ${this.tracking.origin}${this.basePath()}`;
  }

  /** `<name>/<version>:<source>`, or null while the registry has no such model, alias or version. */
  async fingerprint(): Promise<string | null> {
    this.offered = await this.resolve();
    return this.offered === null
      ? null
      : `${this.offered.name}/${this.offered.version}:${this.offered.source}`;
  }

  async read(): Promise<ModelArtifact> {
    const version = this.offered ?? (await this.resolve());
    if (version === null) throw new Error(`${this.description}: the registry offers no version`);
    const location = `models:/${version.name}/${version.version} (${version.source})`;
    const directory = this.artifactDirectoryUrl(version.source, location);
    const [card, onnx] = await Promise.all([
      this.download(directory, 'model.json', location),
      this.download(directory, 'model.onnx', location),
    ]);
    return { location, cardText: Buffer.from(card).toString('utf8'), onnx, registry: version };
  }

  /** The version the reference names now, or null when the registry does not have it (yet). */
  private async resolve(): Promise<RegisteredVersion | null> {
    const { name } = this.reference;
    const [path, query] =
      'alias' in this.reference
        ? ['/api/2.0/mlflow/registered-models/alias', { name, alias: this.reference.alias }]
        : ['/api/2.0/mlflow/model-versions/get', { name, version: this.reference.version }];
    const url = new URL(`${this.tracking.origin}${this.basePath()}${path}`);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const answer = await this.request(url, this.requestTimeoutMs, async (response) => ({
      status: response.status,
      body: (await response.json().catch(() => ({}))) as {
        model_version?: MlflowModelVersion;
      } & MlflowErrorBody,
    }));
    if (answer.status !== 200) {
      if (isNotFound(answer.status, answer.body)) return null;
      throw new Error(
        `MLflow answered ${url.pathname} with ${answer.status} ${answer.body.error_code ?? ''}: ${answer.body.message ?? ''}`.trim(),
      );
    }
    const found = answer.body.model_version;
    if (
      typeof found?.name !== 'string' ||
      typeof found.version !== 'string' ||
      typeof found.source !== 'string'
    ) {
      throw new Error(`MLflow answered ${url.pathname} without a model_version {name, version, source}`);
    }
    // A version still being registered (or whose registration failed) is not offered.
    if (found.status !== undefined && found.status !== 'READY') return null;
    return {
      name: found.name,
      version: found.version,
      source: found.source,
      runId: typeof found.run_id === 'string' ? found.run_id : '',
    };
  }

  /**
   * The artifact proxy URL of a version's directory. Only `mlflow-artifacts:/<path>` (served by the tracking
   * server) and `mlflow-artifacts://host:port/<path>` (served by that host, as MLflow's client resolves it) are
   * read; any other source is the registry's mistake, refused until the alias moves on.
   */
  private artifactDirectoryUrl(source: string, location: string): string {
    if (!source.startsWith(ARTIFACTS_SCHEME)) {
      throw new ModelRejectedError(
        'unsupported_source',
        `${location}: only mlflow-artifacts:/<path> sources can be served (a directory with model.onnx and model.json), not ${source}`,
      );
    }
    let path = source.slice(ARTIFACTS_SCHEME.length);
    let host = this.tracking.host;
    if (path.startsWith('//')) {
      const end = path.indexOf('/', 2);
      host = end === -1 ? path.slice(2) : path.slice(2, end);
      path = end === -1 ? '' : path.slice(end);
      if (host === '') host = this.tracking.host;
    }
    const segments = path.split('/').filter((segment) => segment !== '');
    if (segments.length === 0 || segments.some((segment) => segment === '.' || segment === '..')) {
      throw new ModelRejectedError('unsupported_source', `${location}: ${source} is not a directory path`);
    }
    const encoded = segments.map((segment) => encodeURIComponent(segment)).join('/');
    return `${this.tracking.protocol}//${host}${this.basePath()}${ARTIFACTS_API}/${encoded}`;
  }

  private async download(directory: string, file: string, location: string): Promise<Uint8Array> {
    const url = new URL(`${directory}/${encodeURIComponent(file)}`);
    const answer = await this.request(url, this.downloadTimeoutMs, async (response) => ({
      status: response.status,
      bytes: response.ok ? new Uint8Array(await response.arrayBuffer()) : null,
      error: response.ok ? '' : await response.text().catch(() => ''),
    }));
    if (answer.bytes !== null) return answer.bytes;
    if (answer.status === 404) {
      throw new ModelRejectedError('unreadable', `${location} has no ${file} (MLflow answered 404)`);
    }
    throw new Error(`MLflow answered ${answer.status} for ${url.pathname}: ${answer.error.slice(0, 200)}`);
  }

  /** One request, body read included, within `timeoutMs`; network failures name the URL. */
  private async request<T>(
    url: URL,
    timeoutMs: number,
    read: (response: Response) => Promise<T>,
  ): Promise<T> {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      return await read(response);
    } catch (error) {
      const cause = error as Error & { cause?: Error };
      const why =
        cause.name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : (cause.cause?.message ?? cause.message);
      throw new Error(`cannot reach MLflow at ${url.origin}${url.pathname}: ${why}`, { cause: error });
    }
  }

  /** The tracking URI's path prefix (`/mlflow` behind a proxy), without a trailing slash. */
  private basePath(): string {
    return this.tracking.pathname.replace(/\/+$/, '');
  }
}

/**
 * The registry has no such model (404 RESOURCE_DOES_NOT_EXIST), version, or alias: MLflow 3 answers an unknown
 * alias of a known model with 400 INVALID_PARAMETER_VALUE "Registered model alias <alias> not found."
 */
function isNotFound(status: number, body: MlflowErrorBody): boolean {
  // A 404 without MLflow's error code is a wrong tracking URI (another server, a wrong prefix), not "not yet".
  if (status === 404 && body.error_code === 'RESOURCE_DOES_NOT_EXIST') return true;
  return (
    status === 400 &&
    body.error_code === 'INVALID_PARAMETER_VALUE' &&
    /alias .* not found/i.test(body.message ?? '')
  );
}
