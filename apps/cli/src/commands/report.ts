// `fraudops report`: the attack report, rebuilt from Prometheus for any time window.
import { buildReport } from '@fraudops/attack';
import { loadProjectConfig } from '@fraudops/config';
import { readStackProfile, stackLayout } from '@fraudops/stack';
import { Command } from 'commander';
import { CliError } from '../cli-error.ts';
import { parseSeconds, reportDirFor } from './attack.ts';

/** An ISO time, or a duration meaning that long before `now` ("30m" = 30 minutes ago). */
export function parseMoment(flag: string, text: string, now: Date): Date {
  if (/^\d+(\.\d+)?[smh]?$/.test(text.trim()))
    return new Date(now.getTime() - parseSeconds(flag, text) * 1000);
  const at = new Date(text);
  if (Number.isNaN(at.getTime()))
    throw new CliError(
      `${flag} must be an ISO time (2026-11-26T17:00:00Z) or a duration ago (30m), got "${text}"`,
    );
  return at;
}

export function reportCommand(): Command {
  return new Command('report')
    .description(
      'Build the attack report (self-contained HTML and PNG charts) from Prometheus range queries over a ' +
        'time window: produced and consumed rates, lag, API requests/s and p99, replicas, CPU per replica ' +
        "against the 80% line, the alert and the notification. Needs the stack's Prometheus running.",
    )
    .option('--from <time>', 'window start: ISO time or a duration ago', '30m')
    .option('--to <time>', 'window end: ISO time or a duration ago (default now)')
    .option('--out <dir>', 'output folder (default .fraudops/reports/attack-<time>)')
    .action(async (flags: { from: string; to?: string; out?: string }) => {
      const config = loadProjectConfig();
      const now = new Date();
      const start = parseMoment('--from', flags.from, now);
      const end = flags.to === undefined ? now : parseMoment('--to', flags.to, now);
      if (end <= start)
        throw new CliError(
          `the window is empty: --from ${start.toISOString()} is not before --to ${end.toISOString()}`,
        );
      const profile = await readStackProfile(stackLayout(config));
      const report = await buildReport({
        prometheusUrl: `http://${config.stack.prometheus.host}:${config.stack.prometheus.port}`,
        start,
        end,
        outDir: flags.out ?? reportDirFor(config, now),
        notificationsFile: config.stack.receiver.notificationsFile,
        profile: { name: profile.name, scrapeInterval: profile.scrapeInterval },
        log: (line) => {
          console.log(line);
        },
      }).catch((error: unknown) => {
        throw new CliError(`cannot build the report: ${(error as Error).message}`);
      });
      console.log(`report: ${report.htmlFile}`);
      console.log(`charts: ${report.pngFiles.join(', ')}`);
    });
}
