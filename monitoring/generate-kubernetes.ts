// Writes deploy/k8s/base/monitoring/{prometheus-rules,grafana-dashboards}.yaml from monitoring/rules and the
// dashboards' code. Run after editing either; test/kubernetes-manifests.test.ts fails while they differ.
import { mkdir, writeFile } from 'node:fs/promises';
import { kubernetesMonitoringFiles, kubernetesMonitoringDir } from './src/kubernetes-files.ts';

await mkdir(kubernetesMonitoringDir, { recursive: true });
for (const [path, content] of await kubernetesMonitoringFiles()) {
  await writeFile(path, content);
  console.log(`wrote ${path}`);
}
