// Renders the monitoring configuration for a profile from the one sources in monitoring/.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import {
  applyRulesProfile,
  inlineTelegramToken,
  renderAlertmanagerConfig,
  type AlertmanagerOptions,
} from '@fraudops/monitoring';
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
    // The rule files on disk are the one source; the fast profile loads them with every duration scaled.
    writeRules: async (dir, profile) => {
      await mkdir(dir, { recursive: true });
      const files: string[] = [];
      for (const name of (await readdir(rulesSource)).filter((f) => f.endsWith('.yaml'))) {
        const target = join(dir, name);
        const text = await readFile(join(rulesSource, name), 'utf8');
        await writeFile(target, applyRulesProfile(text, profile.name, profile.speedup));
        files.push(target);
      }
      return files;
    },
    writeAlertmanagerConfig: async (file, profile, webhookUrl) => {
      await mkdir(dirname(file), { recursive: true });
      const { telegram, email } = config.stack.alerting;
      const options: AlertmanagerOptions = {
        profile: profile.name,
        timeFactor: profile.speedup,
        webhookUrl,
        retrainWebhookUrl: `http://${address(config.retraining.alertTrigger)}/alerts`,
      };
      // Debian's Alertmanager 0.25 cannot read the token from a file: it is inlined, so the file is 0600.
      if (telegram) {
        options.telegram = inlineTelegramToken({
          chatId: telegram.chatId,
          botToken: { file: telegram.botTokenFile },
        });
      }
      if (email) options.email = email;
      await writeFile(file, renderAlertmanagerConfig(options), { mode: 0o600 });
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
          exporter: address(config.stack.cluster),
          self: address(config.stack.prometheus),
          replicaTargetsFile: layout.prometheus.replicaTargets,
          streamScorer: address(config.stack.streamScorer),
          attack: address(config.stack.attack),
          world: address(config.world),
          lakeSink: address(config.lake.metrics),
          quality: address(config.quality.metrics),
        }),
      );
    },
  };
}
