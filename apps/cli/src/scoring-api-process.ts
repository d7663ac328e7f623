// How the CLI launches a scoring-api replica: as its own Node process, never by importing the app.
import { join } from 'node:path';
import type { ProjectConfig } from '@fraudops/config';

export interface ReplicaSettings {
  host: string;
  port: number;
  modelUri: string;
}

export function replicaEnv(
  settings: ReplicaSettings,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  return { ...base, HOST: settings.host, PORT: String(settings.port), MODEL_URI: settings.modelUri };
}

export function defaultModelUri(config: ProjectConfig): string {
  return `file:${join(config.model.modelsDir, 'current')}`;
}
