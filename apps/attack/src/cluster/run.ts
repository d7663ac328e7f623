// One attack in a cluster, start to end: check that Kafka, Prometheus and Alertmanager answer, ramp the stream into
// Kafka, watch until Alertmanager holds the alert as firing (or the time is up, or SIGTERM), print a summary.
// No report and no drain here: Grafana shows the run, and the stream scorer catches up on its own.
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Transaction } from '@fraudops/contracts';
import { isKafkaHealthy } from '@fraudops/stack';
import { loadReplay } from '../events.ts';
import { attackMetrics, meteredProducer, serveMetrics } from '../metrics.ts';
import type { PacedProducer, ProducerTotals } from '../producer.ts';
import { SentRate, progressLine } from '../progress.ts';
import { describeRamp, shareOfRamp } from '../ramp.ts';
import { CPU_ALERT_THRESHOLD } from '../report/report-queries.ts';
import { SATURATION_ALERT, type WatchSnapshot } from '../watcher.ts';
import { ClusterWatcher } from './cluster-watcher.ts';
import { SettingsError, type ClusterAttackSettings } from './settings.ts';

export type ClusterOutcome = 'notified' | 'timed-out' | 'interrupted';

export interface ClusterAttackOptions {
  settings: ClusterAttackSettings;
  write: (text: string) => void;
  /** Aborted on SIGTERM/SIGINT: production stops, the summary is printed, nothing lingers. */
  signal?: AbortSignal;
  /** How often Prometheus and Alertmanager are read. */
  pollMs?: number;
  /** How often a progress line is printed. */
  logEveryMs?: number;
  /** How long to wait for Prometheus and Alertmanager to answer before giving up. */
  startupTimeoutMs?: number;
}

export interface ClusterAttackResult {
  outcome: ClusterOutcome;
  /** Why the attack stopped, in a sentence. */
  reason: string;
  startedAt: Date;
  endedAt: Date;
  totals: ProducerTotals;
  lastWatch: WatchSnapshot | null;
}

/** The Job's exit code: 0 notified, 1 timed out, 2 bad settings (main.ts), 128 + signal when stopped. */
export function exitCodeFor(outcome: ClusterOutcome, signal: 'SIGTERM' | 'SIGINT' = 'SIGTERM'): number {
  if (outcome === 'notified') return 0;
  if (outcome === 'timed-out') return 1;
  return signal === 'SIGINT' ? 130 : 143;
}

const n = (x: number): string => x.toLocaleString('en-US');

/** The last line of the Job's log: events produced, duration, outcome. */
export function summaryLine(
  result: Pick<ClusterAttackResult, 'outcome' | 'startedAt' | 'endedAt' | 'totals'>,
): string {
  const t = result.totals;
  const poisoned = Object.values(t.poisoned).reduce((a, b) => a + b, 0);
  const seconds = Math.round((result.endedAt.getTime() - result.startedAt.getTime()) / 1000);
  const outcome = {
    notified: `notified (Alertmanager holds ${SATURATION_ALERT} as firing and delivers it to the administrator)`,
    'timed-out': `timed out (${SATURATION_ALERT} did not fire at Alertmanager)`,
    interrupted: 'interrupted (stopped by a signal)',
  }[result.outcome];
  return (
    `events produced: ${n(t.produced)} (${n(poisoned)} deliberately invalid, ${n(t.failedRequests)} failed produce requests), ` +
    `in ${seconds} s; outcome: ${outcome}`
  );
}

/** Lines describing the alert Alertmanager holds, as the administrator will read it. */
export function notificationLines(watch: WatchSnapshot): string[] {
  const note = watch.notification;
  if (note === null) return [];
  const lines = [
    `Alertmanager holds ${SATURATION_ALERT} as active and firing (seen at ${note.receivedAt}, receiver "${note.receiver}"):`,
  ];
  for (const alert of note.alerts) {
    lines.push(
      // The page is one alert per namespace (its description names the hottest replica); others may have a pod.
      `  [${alert.labels.severity ?? '?'}] ${alert.labels.alertname ?? '?'} ${alert.labels.namespace ?? '?'}${alert.labels.pod === undefined ? '' : `/${alert.labels.pod}`}`,
      `    ${alert.annotations.summary ?? ''}`,
      `    ${alert.annotations.description ?? ''}`,
    );
  }
  lines.push(
    'There is no notification receiver to ask in the cluster: Alertmanager delivers to its receivers (Telegram, ' +
      'e-mail) itself; its own log and alertmanager_notifications_total show the delivery.',
  );
  return lines;
}

async function loadTemplates(file: string): Promise<Transaction[]> {
  try {
    return await loadReplay(file);
  } catch (error) {
    throw new SettingsError(`REPLAY_FILE: ${(error as Error).message}`, { cause: error });
  }
}

async function startMetrics(
  port: number,
): Promise<{ server: Server; metrics: ReturnType<typeof attackMetrics> }> {
  const metrics = attackMetrics();
  try {
    return { server: await serveMetrics(metrics.registry, '0.0.0.0', port), metrics };
  } catch (error) {
    throw new SettingsError(
      `METRICS_PORT: cannot serve /metrics on port ${port}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** Waits until Kafka, Prometheus and Alertmanager answer; throws naming the variable of one that does not. */
async function awaitSources(
  watcher: ClusterWatcher,
  broker: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const at = broker.lastIndexOf(':');
  for (;;) {
    const problems = await watcher.problems();
    if (!(await isKafkaHealthy(broker.slice(0, at), Number(broker.slice(at + 1)))))
      problems.push(`Kafka at ${broker} (KAFKA_BROKERS): no available broker answers`);
    if (problems.length === 0) return;
    if (Date.now() >= deadline || signal?.aborted === true)
      throw new SettingsError(
        `not answering after ${Math.round(timeoutMs / 1000)} s: ${problems.join('; ')}`,
      );
    await sleep(2000, undefined, { signal }).catch(() => undefined);
  }
}

export async function runClusterAttack(options: ClusterAttackOptions): Promise<ClusterAttackResult> {
  const { settings, write, signal } = options;
  const pollMs = options.pollMs ?? 2000;
  const logEveryMs = options.logEveryMs ?? 15_000;
  const target = {
    namespace: settings.namespace,
    deployment: settings.deployment,
    transactionsTopic: settings.transactionsTopic,
  };
  const templates = await loadTemplates(settings.replayFile);
  const { server, metrics } = await startMetrics(settings.metricsPort);
  const closeMetrics = async (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  let producer: PacedProducer | null = null;
  try {
    const startedAt = new Date();
    const watcher = new ClusterWatcher({
      prometheusUrl: settings.prometheusUrl,
      alertmanagerUrl: settings.alertmanagerUrl,
      target,
      since: startedAt,
    });
    const bootstrap = settings.kafkaBrokers[0] ?? '';
    await awaitSources(watcher, bootstrap, options.startupTimeoutMs ?? 60_000, signal);
    const before = await watcher.snapshot();
    if (before.replicas === null)
      write(
        `warning: Prometheus has no kube_horizontalpodautoscaler series for ${target.namespace}/${target.deployment} ` +
          '(is kube-state-metrics scraped? are NAMESPACE and DEPLOYMENT right?); the alert cannot fire without them\n',
      );
    if (before.atAlertmanager === true)
      write(
        `warning: ${SATURATION_ALERT} is already firing at Alertmanager (from before this attack); only an instance ` +
          "that fires from now on counts as this attack's notification\n",
      );

    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : settings.metricsPort;
    const ownRamp = shareOfRamp(settings.ramp, settings.pods);
    const share =
      settings.pods === 1
        ? ''
        : ` (the whole Job; this pod ${settings.podIndex + 1} of ${settings.pods} produces ${describeRamp(ownRamp)})`;
    write(
      `attack: ${describeRamp(settings.ramp)}${share}; ${n(templates.length)} replayed transactions, looped, into ` +
        `${settings.transactionsTopic} at ${settings.kafkaBrokers.join(',')}; /metrics on port ${port}; watching ` +
        `${target.namespace}/${target.deployment} through ${settings.prometheusUrl} and ${settings.alertmanagerUrl}; ` +
        `stops when Alertmanager holds ${SATURATION_ALERT} as firing or after ${settings.maxDurationSeconds} s\n`,
    );

    const started = meteredProducer(
      {
        // The producer bootstraps from one broker and discovers the rest from it.
        bootstrap,
        topic: settings.transactionsTopic,
        ramp: ownRamp,
        templates,
        poisonRatio: settings.poisonRatio,
        idStride: settings.pods,
        idOffset: settings.podIndex,
      },
      metrics,
      write,
    );
    producer = started;
    started.start();

    const sentRate = new SentRate();
    let lastLogged = 0;
    let watch = before;
    let outcome: ClusterOutcome = 'timed-out';
    for (;;) {
      const elapsed = (Date.now() - startedAt.getTime()) / 1000;
      watch = await watcher.snapshot();
      const notified = watch.notification !== null;
      if (notified || Date.now() - lastLogged >= logEveryMs) {
        write(
          `${progressLine({
            elapsedSeconds: elapsed,
            targetRate: started.currentTarget(),
            sentRate: sentRate.sample(Date.now(), started.totals.produced),
            produced: started.totals.produced,
            watch,
            cpuThreshold: CPU_ALERT_THRESHOLD,
          })}\n`,
        );
        lastLogged = Date.now();
      }
      if (notified) {
        outcome = 'notified';
        break;
      }
      if (signal?.aborted === true) {
        outcome = 'interrupted';
        break;
      }
      if (elapsed >= settings.maxDurationSeconds) break;
      await sleep(pollMs, undefined, { signal }).catch(() => undefined);
    }
    producer = null;
    await started.stop();
    metrics.targetRate.set(0);
    const endedAt = new Date();

    const reason = {
      notified: `the administrator is notified: Alertmanager holds ${SATURATION_ALERT} as firing`,
      'timed-out':
        `${SATURATION_ALERT} did not fire at Alertmanager within MAX_DURATION_SECONDS (${settings.maxDurationSeconds} s; ` +
        `last seen: replicas ${watch.replicas ? `${watch.replicas.current}/${watch.replicas.max}` : '?'}, ` +
        `alert ${watch.alert ?? '?'}, at Alertmanager ${watch.atAlertmanager === null ? '?' : String(watch.atAlertmanager)}); ` +
        'raise MAX_RATE or MAX_DURATION_SECONDS, or see the Grafana dashboards',
      interrupted: `stopped by ${typeof signal?.reason === 'string' ? signal.reason : 'a signal'} before the notification`,
    }[outcome];
    write(`\n${reason}\n`);
    for (const line of notificationLines(watch)) write(`${line}\n`);
    if (outcome !== 'interrupted' && settings.metricsLingerSeconds > 0) {
      // Prometheus scrapes the final counters (and the target back at 0) before /metrics goes away.
      write(`keeping /metrics up for ${settings.metricsLingerSeconds} s for a last scrape\n`);
      await sleep(settings.metricsLingerSeconds * 1000, undefined, { signal }).catch(() => undefined);
    }
    const result: ClusterAttackResult = {
      outcome,
      reason,
      startedAt,
      endedAt,
      totals: started.totals,
      lastWatch: watch,
    };
    write(`${summaryLine(result)}\n`);
    return result;
  } finally {
    // Only when something above threw while producing.
    if (producer !== null) await producer.stop().catch(() => undefined);
    await closeMetrics();
  }
}
