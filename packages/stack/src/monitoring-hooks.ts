// Renders the monitoring configuration for a profile from the one sources in monitoring/.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ProjectConfig } from '@fraudops/config';
import type { MonitoringHooks } from './components.ts';
import { stackLayout } from './layout.ts';
import { renderPrometheusConfig } from './prometheus/prometheus-config.ts';

export function monitoringHooks(config: ProjectConfig): MonitoringHooks {
  const layout = stackLayout(config);
  const rulesSource = join(config.root, 'monitoring/rules');
  const address = (e: { host: string; port: number }): string => `${e.host}:${e.port}`;
  return {
    writeRules: async (dir) => {
      await mkdir(dir, { recursive: true });
      const files: string[] = [];
      for (const name of (await readdir(rulesSource)).filter((f) => f.endsWith('.yaml'))) {
        const target = join(dir, name);
        await writeFile(target, await readFile(join(rulesSource, name), 'utf8'));
        files.push(target);
      }
      return files;
    },
    writeAlertmanagerConfig: async (file, _profile, webhookUrl) => {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(
        file,
        `route:\n  receiver: admin\n  group_by: [alertname, namespace, pod]\n  group_wait: 1s\n  group_interval: 5s\n  repeat_interval: 1h\nreceivers:\n  - name: admin\n    webhook_configs:\n      - url: ${webhookUrl}\n        send_resolved: true\n`,
      );
    },
    writePrometheusConfig: async (file, ruleFiles, profile) => {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(
        file,
        renderPrometheusConfig({
          scrapeInterval: profile.scrapeInterval,
          evaluationInterval: profile.evaluationInterval,
          ruleFiles,
          alertmanager: address(config.stack.alertmanager),
          exporter: address(config.stack.exporter),
          self: address(config.stack.prometheus),
          replicaTargetsFile: layout.prometheus.replicaTargets,
        }),
      );
    },
  };
}
