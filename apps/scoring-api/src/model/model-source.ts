// Where model artifacts come from. A directory may be a symlink that the trainer repoints atomically
// (`.fraudops/models/current`); it is resolved once per read so card and graph come from the same version.
import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelArtifact } from './loaded-model.ts';
import { MlflowModelSource, parseModelsUri } from './mlflow-model-source.ts';

export interface ModelSource {
  /** Human-readable location, for logs and GET /. */
  readonly description: string;
  /** A cheap fingerprint of what the source offers now, or null when it offers nothing yet. */
  fingerprint(): Promise<string | null>;
  /** Reads the whole artifact: that of the last fingerprint() where the source can tell versions apart. */
  read(): Promise<ModelArtifact>;
}

export class DirectoryModelSource implements ModelSource {
  readonly description: string;
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    this.description = `directory ${dir}`;
  }

  async fingerprint(): Promise<string | null> {
    try {
      const dir = await realpath(this.dir);
      return `${dir}:${await readFile(join(dir, 'model.json'), 'utf8')}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async read(): Promise<ModelArtifact> {
    const dir = await realpath(this.dir);
    const [cardText, onnx] = await Promise.all([
      readFile(join(dir, 'model.json'), 'utf8'),
      readFile(join(dir, 'model.onnx')),
    ]);
    return { location: dir, cardText, onnx };
  }
}

export interface ModelSourceSettings {
  /** The MLflow tracking server that `models:/` URIs are resolved against. */
  mlflowTrackingUri: string;
}

/**
 * Parses MODEL_URI: `models:/<name>@<alias>` or `models:/<name>/<version>` (the MLflow model registry),
 * `file:<dir>` or a plain path. Throws naming the URI when it cannot be followed.
 */
export function modelSourceFromUri(uri: string, settings: ModelSourceSettings): ModelSource {
  if (uri.startsWith('models:/')) {
    return new MlflowModelSource(parseModelsUri(uri), { trackingUri: settings.mlflowTrackingUri });
  }
  return new DirectoryModelSource(uri.startsWith('file:') ? uri.slice('file:'.length) : uri);
}
