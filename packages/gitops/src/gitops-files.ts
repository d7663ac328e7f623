// The generated files of deploy/gitops and what they must contain now (shared by the generator and its test).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProjectConfig } from '@fraudops/config';
import { gitopsDir, renderAirflowConfigMap, renderKafkaTopics } from './generated-manifests.ts';

/** Absolute path -> the content it must have. */
export function generatedGitopsFiles(): Map<string, string> {
  const config = loadProjectConfig();
  const raw = JSON.parse(readFileSync(config.configFile, 'utf8')) as Record<string, unknown>;
  return new Map([
    [join(gitopsDir, 'platform/kafka/topics.yaml'), renderKafkaTopics(config)],
    [join(gitopsDir, 'platform/airflow/fraudops-config.yaml'), renderAirflowConfigMap(raw)],
  ]);
}
