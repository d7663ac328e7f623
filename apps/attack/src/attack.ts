// One attack, start to end: check the stack, ramp the stream, watch until the administrator has been
// notified (or the time is up), let the consumers catch up, and write the report.
import type { Server } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProjectConfig } from '@fraudops/config';
import {
  componentHealthy,
  monitoringHooks,
  stackComponents,
  stackLayout,
  type Profile,
} from '@fraudops/stack';
import { loadReplay } from './events.ts';
import { attackMetrics, meteredProducer, serveMetrics } from './metrics.ts';
import type { ProducerTotals } from './producer.ts';
import { SentRate, progressLine, progressLines, type ProgressFrame } from './progress.ts';
import { describeRamp, type Ramp } from './ramp.ts';
import { buildReport, type ReportSummary } from './report/index.ts';
import { CPU_ALERT_THRESHOLD } from './report/report-queries.ts';
import { SATURATION_ALERT, StackWatcher, type Notification, type WatchSnapshot } from './watcher.ts';

export interface AttackOptions {
  config: ProjectConfig;
  profile: Profile;
  ramp: Ramp;
  maxDurationSeconds: number;
  poisonRatio: number;
  /** After the notification: how long to wait for the consumer group to catch up before the report. */
  drainSeconds: number;
  /** Where report.html and charts/ go; null for no report. */
  reportDir: string | null;
  /** Redraw the progress block in place (a terminal) or print a line now and then. */
  interactive: boolean;
  write: (text: string) => void;
  /** Aborts the attack early (Ctrl-C): it stops, drains and reports like any other ending. */
  signal?: AbortSignal;
}

export type AttackOutcome = 'notified' | 'timed-out' | 'interrupted';

export interface AttackResult {
  outcome: AttackOutcome;
  /** Why the attack stopped, in a sentence. */
  reason: string;
  startedAt: Date;
  endedAt: Date;
  notification: Notification | null;
  totals: ProducerTotals;
  lastWatch: WatchSnapshot | null;
  report: { htmlFile: string; pngFiles: string[]; summary: ReportSummary } | null;
}

/** Throws naming every component that is not answering. */
export async function assertStackUp(config: ProjectConfig, profile: Profile): Promise<void> {
  // The world is optional (`up --no-world`): the attack needs everything but it.
  const components = stackComponents(config, stackLayout(config), profile, monitoringHooks(config), {
    world: false,
  });
  const down: string[] = [];
  for (const component of components) {
    if (!(await componentHealthy(component)))
      down.push(`${component.name} (${component.host}:${component.port})`);
  }
  if (down.length > 0)
    throw new Error(`the stack is not up: ${down.join(', ')} not healthy; start it with \`fraudops up\``);
}

export async function runAttack(options: AttackOptions): Promise<AttackResult> {
  const { config, profile, ramp, write } = options;
  await assertStackUp(config, profile);
  const templates = await loadReplay(config.data.replayFile);
  const metrics = attackMetrics();
  const metricsServer: Server = await serveMetrics(
    metrics.registry,
    config.stack.attack.host,
    config.stack.attack.port,
  );
  const scrapeMs = Number.parseInt(profile.scrapeInterval, 10) * 1000;
  // Prometheus scrapes the attack's target before the first event, so the report's rates start at zero.
  await sleep(scrapeMs * 2);

  const startedAt = new Date();
  const watcher = new StackWatcher(config, startedAt);
  const producer = meteredProducer(
    {
      bootstrap: `${config.stack.kafka.host}:${config.stack.kafka.port}`,
      topic: config.stack.kafka.topics.transactions,
      ramp,
      templates,
      poisonRatio: options.poisonRatio,
    },
    metrics,
    write,
  );
  write(
    `attack: ${describeRamp(ramp)}; ${templates.length.toLocaleString('en-US')} replayed transactions, looped; ` +
      `stops when ${SATURATION_ALERT} is delivered or after ${options.maxDurationSeconds} s\n`,
  );
  producer.start();

  const pollMs = profile.name === 'fast' ? 1000 : 2000;
  const logEveryMs = profile.name === 'fast' ? 5000 : 15_000;
  const sentRate = new SentRate();
  let drawn = 0;
  let lastLogged = 0;
  let watch: WatchSnapshot;
  let outcome: AttackOutcome = 'timed-out';
  const draw = (frame: ProgressFrame): void => {
    if (options.interactive) {
      const lines = progressLines(frame);
      // Move up over the previous block and clear to the end of the screen before redrawing.
      write(`${drawn > 0 ? `\u001b[${drawn}F\u001b[J` : ''}${lines.join('\n')}\n`);
      drawn = lines.length;
    } else if (Date.now() - lastLogged >= logEveryMs) {
      write(`${progressLine(frame)}\n`);
      lastLogged = Date.now();
    }
  };
  try {
    for (;;) {
      const elapsed = (Date.now() - startedAt.getTime()) / 1000;
      watch = await watcher.snapshot();
      draw({
        elapsedSeconds: elapsed,
        targetRate: producer.currentTarget(),
        sentRate: sentRate.sample(Date.now(), producer.totals.produced),
        produced: producer.totals.produced,
        watch,
        cpuThreshold: CPU_ALERT_THRESHOLD,
      });
      if (watch.notification) {
        outcome = 'notified';
        break;
      }
      if (options.signal?.aborted) {
        outcome = 'interrupted';
        break;
      }
      if (elapsed >= options.maxDurationSeconds) break;
      await sleep(pollMs, undefined, { signal: options.signal }).catch(() => undefined);
    }
  } finally {
    await producer.stop();
    metrics.targetRate.set(0);
  }
  const reason = {
    notified: `the administrator was notified: ${SATURATION_ALERT} delivered at ${watch.notification?.receivedAt ?? '?'}`,
    'timed-out':
      `no ${SATURATION_ALERT} notification within --max-duration ${options.maxDurationSeconds} s ` +
      `(last seen: replicas ${watch.replicas?.current ?? '?'}, alert ${watch.alert ?? '?'}); ` +
      'raise --max-rate or --max-duration, or see `fraudops status`',
    interrupted: 'interrupted before the notification',
  }[outcome];
  write(`\n${reason}\n`);

  await drain(config, watcher, options, write);
  // One more scrape of the final counters before the metrics go away.
  await sleep(scrapeMs * 2);
  await new Promise<void>((resolve) => {
    metricsServer.close(() => {
      resolve();
    });
  });
  const endedAt = new Date();

  let report: AttackResult['report'] = null;
  if (options.reportDir !== null) {
    write('building the report from Prometheus ...\n');
    report = await buildReport({
      prometheusUrl: `http://${config.stack.prometheus.host}:${config.stack.prometheus.port}`,
      start: new Date(startedAt.getTime() - scrapeMs * 4),
      end: endedAt,
      outDir: options.reportDir,
      notificationsFile: config.stack.receiver.notificationsFile,
      profile: { name: profile.name, scrapeInterval: profile.scrapeInterval },
      attack: { startedAt, outcome: reason, rampDescription: describeRamp(ramp) },
    });
  }
  return {
    outcome,
    reason,
    startedAt,
    endedAt,
    notification: watch.notification,
    totals: producer.totals,
    lastWatch: watch,
    report,
  };
}

/** Waits (bounded) until the consumer group has caught up, printing the lag. */
async function drain(
  config: ProjectConfig,
  watcher: StackWatcher,
  options: AttackOptions,
  write: (text: string) => void,
): Promise<void> {
  const deadline = Date.now() + options.drainSeconds * 1000;
  let lag: number | null = null;
  while (Date.now() < deadline) {
    lag = (await watcher.snapshot()).lag;
    if (lag === 0) {
      write('the stream scorer has caught up (lag 0)\n');
      return;
    }
    await sleep(1000);
  }
  write(
    `the stream scorer still lags by ${lag ?? '?'} events after ${options.drainSeconds} s; it goes on in the ` +
      `background (see ${join(config.run.logsDir, 'stream-scorer.log')})\n`,
  );
}
