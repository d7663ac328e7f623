// Where every embedded-stack file lives, derived from fraudops.config.json in one place.
import { join } from 'node:path';
import type { ProjectConfig } from '@fraudops/config';

export interface StackLayout {
  dir: string;
  nginx: { prefix: string; config: string; pidFile: string; accessLog: string; errorLog: string };
  prometheus: { dir: string; config: string; rulesDir: string; dataDir: string; replicaTargets: string };
  alertmanager: { dir: string; config: string; dataDir: string };
  podLogsDir: string;
  podPidsDir: string;
  profileFile: string;
}

/** The scoring-api replica's entry point: every launcher (CLI, stack, benchmark) starts this file. */
export function scoringApiEntry(config: ProjectConfig): string {
  return join(config.root, 'apps/scoring-api/src/server.ts');
}

export function stackLayout(config: ProjectConfig): StackLayout {
  const dir = join(config.stateDir, 'stack');
  const nginx = join(dir, 'nginx');
  const prometheus = join(dir, 'prometheus');
  const alertmanager = join(dir, 'alertmanager');
  return {
    dir,
    nginx: {
      prefix: nginx,
      config: join(nginx, 'nginx.conf'),
      pidFile: join(nginx, 'nginx.pid'),
      accessLog: join(config.run.logsDir, 'gateway-access.log'),
      errorLog: join(config.run.logsDir, 'gateway-error.log'),
    },
    prometheus: {
      dir: prometheus,
      config: join(prometheus, 'prometheus.yml'),
      rulesDir: join(prometheus, 'rules'),
      dataDir: join(prometheus, 'data'),
      replicaTargets: join(prometheus, 'scoring-api-targets.json'),
    },
    alertmanager: {
      dir: alertmanager,
      config: join(alertmanager, 'alertmanager.yml'),
      dataDir: join(alertmanager, 'data'),
    },
    podLogsDir: join(config.run.logsDir, 'pods'),
    podPidsDir: join(config.run.pidsDir, 'pods'),
    profileFile: join(dir, 'profile'),
  };
}
