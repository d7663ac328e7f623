// The generated files of deploy/gitops (and the lake sink's config in deploy/k8s) and what they must contain
// now (shared by the generator and its test).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProjectConfig } from '@fraudops/config';
import { gitopsDir, renderAirflowConfigMap, renderKafkaTopics } from './generated-manifests.ts';
import { LAKE_SINK, renderLakeConfigMap } from './lake-sink.ts';

/** Absolute path -> the content it must have. */
export function generatedGitopsFiles(): Map<string, string> {
  const config = loadProjectConfig();
  const raw = JSON.parse(readFileSync(config.configFile, 'utf8')) as Record<string, unknown>;
  return new Map([
    [join(gitopsDir, 'platform/kafka/topics.yaml'), renderKafkaTopics(config)],
    [join(gitopsDir, 'platform/airflow/fraudops-config.yaml'), renderAirflowConfigMap(raw)],
    [join(LAKE_SINK.dir, 'lake-config.yaml'), renderLakeConfigMap(raw)],
  ]);
}
