// `fraudops attack`: ramp the Kafka stream against the running stack until the administrator is paged.
import { join } from 'node:path';
import { ATTACK_DEFAULTS, runAttack, validateRamp, type AttackResult, type Ramp } from '@fraudops/attack';
import { loadProjectConfig, type ProjectConfig } from '@fraudops/config';
import { readStackProfile, stackLayout, type Profile } from '@fraudops/stack';
import { Command, Option } from 'commander';
import { CliError } from '../cli-error.ts';
import { ensureReplay } from '../model-data.ts';

/** Defaults per profile: the same rates; the fast profile's steps and limits are 10x shorter. */
export function attackDefaults(
  profile: Profile,
): Ramp & { maxDurationSeconds: number; drainSeconds: number } {
  return {
    startRate: ATTACK_DEFAULTS.startRate,
    stepRate: ATTACK_DEFAULTS.stepRate,
    maxRate: ATTACK_DEFAULTS.maxRate,
    stepSeconds: ATTACK_DEFAULTS.stepSeconds / profile.speedup,
    maxDurationSeconds: ATTACK_DEFAULTS.maxDurationSeconds / profile.speedup,
    drainSeconds: profile.name === 'fast' ? 30 : 120,
  };
}

export interface AttackFlags {
  startRate?: string;
  stepRate?: string;
  stepDuration?: string;
  maxRate?: string;
  maxDuration?: string;
  poisonRatio: string;
  report: boolean;
  reportDir?: string;
}

/** Seconds from "90", "90s", "5m" or "1h". */
export function parseSeconds(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  if (!match) throw new CliError(`${flag} must be a duration such as 30s, 5m or 1h, got "${text}"`);
  const unit = { s: 1, m: 60, h: 3600 }[match[2] ?? 's'] ?? 1;
  return Number(match[1]) * unit;
}

function parseNumber(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value)) throw new CliError(`${flag} must be a number, got "${text}"`);
  return value;
}

export function reportDirFor(config: ProjectConfig, at: Date): string {
  return join(config.stateDir, 'reports', `attack-${at.toISOString().replace(/[:.]/g, '-')}`);
}

/** Runs the attack with the flags (and the stack's profile for defaults), printing as it goes. */
export async function attackFromFlags(config: ProjectConfig, flags: AttackFlags): Promise<AttackResult> {
  const profile = await readStackProfile(stackLayout(config));
  const defaults = attackDefaults(profile);
  let ramp: Ramp;
  try {
    ramp = validateRamp({
      startRate:
        flags.startRate === undefined ? defaults.startRate : parseNumber('--start-rate', flags.startRate),
      stepRate: flags.stepRate === undefined ? defaults.stepRate : parseNumber('--step-rate', flags.stepRate),
      stepSeconds:
        flags.stepDuration === undefined
          ? defaults.stepSeconds
          : parseSeconds('--step-duration', flags.stepDuration),
      maxRate: flags.maxRate === undefined ? defaults.maxRate : parseNumber('--max-rate', flags.maxRate),
    });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const poisonRatio = parseNumber('--poison-ratio', flags.poisonRatio);
  if (poisonRatio < 0 || poisonRatio > 1)
    throw new CliError(`--poison-ratio must be within 0..1, got ${poisonRatio}`);
  await ensureReplay(config);
  const abort = new AbortController();
  const onSigint = (): void => {
    abort.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    return await runAttack({
      config,
      profile,
      ramp,
      maxDurationSeconds:
        flags.maxDuration === undefined
          ? defaults.maxDurationSeconds
          : parseSeconds('--max-duration', flags.maxDuration),
      poisonRatio,
      drainSeconds: defaults.drainSeconds,
      reportDir: flags.report ? (flags.reportDir ?? reportDirFor(config, new Date())) : null,
      interactive: process.stdout.isTTY,
      write: (text) => process.stdout.write(text),
      signal: abort.signal,
    }).catch((error: unknown) => {
      throw new CliError((error as Error).message);
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export function printOutcome(result: AttackResult): void {
  const n = result.notification;
  if (n) {
    console.log('\nThe administrator was notified (what the receiver recorded):');
    for (const alert of n.alerts.filter((a) => a.status === 'firing')) {
      console.log(
        `  [${alert.labels.severity ?? '?'}] ${alert.labels.alertname ?? '?'} ${alert.labels.namespace ?? ''}${alert.labels.pod === undefined ? '' : `/${alert.labels.pod}`}`,
      );
      console.log(`    ${alert.annotations.summary ?? ''}`);
      console.log(`    ${alert.annotations.description ?? ''}`);
    }
    console.log(`  received at ${n.receivedAt} by receiver "${n.receiver}"`);
  }
  const t = result.totals;
  const poisoned = Object.values(t.poisoned).reduce((a, b) => a + b, 0);
  console.log(
    `\nevents produced: ${t.produced.toLocaleString('en-US')} (${poisoned.toLocaleString('en-US')} deliberately invalid), ` +
      `in ${Math.round((result.endedAt.getTime() - result.startedAt.getTime()) / 1000)} s`,
  );
  if (result.report) {
    console.log(`report: ${result.report.htmlFile}`);
    console.log(`charts: ${result.report.pngFiles.length} PNG files beside it`);
  }
}

export function attackCommand(): Command {
  const fast = attackDefaults({ name: 'fast', speedup: 10 } as Profile);
  const prod = attackDefaults({ name: 'prod', speedup: 1 } as Profile);
  return new Command('attack')
    .description(
      'Ramp the stream of transactions into Kafka against the running stack until the saturation alert ' +
        '(ScoringApiSaturatedAtMaxReplicas) reaches the notification receiver, with live progress; then let ' +
        'the stream scorer catch up and write an HTML report with PNG charts. Exits 1 if --max-duration ' +
        "passes first. Defaults follow the stack's profile (see `fraudops up --profile`).",
    )
    .option('--start-rate <events/s>', `rate of the first step (default ${prod.startRate})`)
    .option('--step-rate <events/s>', `added at every step (default ${prod.stepRate})`)
    .option(
      '--step-duration <duration>',
      `length of a step, e.g. 30s (default ${prod.stepSeconds}s; ${fast.stepSeconds}s in the fast profile)`,
    )
    .option('--max-rate <events/s>', `the ramp's ceiling (default ${prod.maxRate})`)
    .option(
      '--max-duration <duration>',
      `give up after this, exit 1 (default ${prod.maxDurationSeconds / 60}m; ${fast.maxDurationSeconds / 60}m in the fast profile)`,
    )
    .addOption(
      new Option(
        '--poison-ratio <share>',
        'share of events deliberately invalid, to exercise the dead-letter topic',
      ).default(String(ATTACK_DEFAULTS.poisonRatio)),
    )
    .option('--report-dir <dir>', 'where to write the report (default .fraudops/reports/attack-<time>)')
    .option('--no-report', 'skip the report')
    .action(async (flags: AttackFlags) => {
      const result = await attackFromFlags(loadProjectConfig(), flags);
      printOutcome(result);
      if (result.outcome !== 'notified') process.exitCode = 1;
    });
}
