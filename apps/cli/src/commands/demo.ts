// The README's demo, the brief's whole story on one machine: the embedded stack up (a first champion
// trained by the retraining DAG if the registry has none), a few real transactions scored through the gateway, then the Kafka attack ramped until the
// administrator is notified, and the report. The stack stays up for exploring until `fraudops down`.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadProjectConfig, type ProjectConfig } from '@fraudops/config';
import { withoutLabels, type Score, type Transaction } from '@fraudops/contracts';
import { GATEWAY_HEALTH_PATH, profileNamed, waitForHttpOk } from '@fraudops/stack';
import { Command } from 'commander';
import { CliError } from '../cli-error.ts';
import { ensureReplay, step } from '../model-data.ts';
import { formatTable } from '../table.ts';
import { attackFromFlags, printOutcome, type AttackFlags } from './attack.ts';
import { startStack } from './up.ts';

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'The whole story: start the embedded stack (Kafka, Prometheus, Alertmanager, nginx, 4..6 replicas under ' +
        'the HPA twin, the stream scorer, MLflow), run the retraining DAG once if the registry has no champion, score a few real transactions ' +
        'through the gateway, then ramp the Kafka attack until the administrator is notified and write the ' +
        "report. Uses the brief's real timings (a 5-minute alert: about 12 minutes in all) unless --fast. " +
        'The stack stays up afterwards; stop it with `fraudops down`.',
    )
    .option('--fast', 'every duration / 10 (the fast profile): the alert after 30 s, the demo in 2-3 minutes')
    .option('--sample <n>', 'fraudulent and genuine transactions each to score first', '4')
    .option(
      '--max-duration <duration>',
      'give the attack up after this (default 20m; 2m in the fast profile)',
    )
    .option('--no-report', 'skip the report')
    .action(async (options: { fast?: boolean; sample: string; maxDuration?: string; report: boolean }) => {
      const config = loadProjectConfig();
      const profile = profileNamed(options.fast ? 'fast' : 'prod');
      await ensureReplay(config);
      step(`starting the embedded stack (profile ${profile.name})`);
      await startStack(config, profile);
      const gateway = `http://${config.stack.gateway.host}:${config.stack.gateway.port}`;
      await waitForHttpOk(`${gateway}${GATEWAY_HEALTH_PATH}`, { timeoutMs: 10_000 });
      const size = Number(options.sample);
      if (!Number.isInteger(size) || size < 0)
        throw new CliError(`--sample must be a whole number, got "${options.sample}"`);
      if (size > 0) {
        const sample = await sampleTransactions(config.data.replayFile, size, size);
        step(
          `scoring ${sample.length} transactions from the replay dataset with POST ${gateway}/predict/batch`,
        );
        printScores(sample, await scoreBatch(gateway, sample));
      }
      step('the attack: ramping the transactions stream in Kafka until the administrator is paged');
      const flags: AttackFlags = { poisonRatio: '0.001', report: options.report };
      if (options.maxDuration !== undefined) flags.maxDuration = options.maxDuration;
      const result = await attackFromFlags(config, flags);
      printOutcome(result);
      printUrls(config, gateway, result.report?.htmlFile ?? null);
      if (result.outcome !== 'notified') process.exitCode = 1;
    });
}

/** The first `fraud` fraudulent and `genuine` genuine transactions of the replay file, in file order. */
async function sampleTransactions(file: string, fraud: number, genuine: number): Promise<Transaction[]> {
  const picked: Transaction[] = [];
  let frauds = 0;
  let genuines = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    const transaction = JSON.parse(line) as Transaction;
    if (transaction.tx_fraud === 1 && frauds < fraud) {
      frauds++;
      picked.push(transaction);
    } else if (transaction.tx_fraud !== 1 && genuines < genuine) {
      genuines++;
      picked.push(transaction);
    }
    if (frauds >= fraud && genuines >= genuine) break;
  }
  lines.close();
  return picked;
}

async function scoreBatch(baseUrl: string, transactions: readonly Transaction[]): Promise<Score[]> {
  const response = await fetch(`${baseUrl}/predict/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ transactions: transactions.map(withoutLabels) }),
  });
  if (!response.ok) throw new CliError(`scoring failed: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { scores: Score[] }).scores;
}

const SCENARIOS = [
  'genuine',
  'fraud: amount > 220',
  'fraud: compromised terminal',
  'fraud: compromised card',
];

function printScores(transactions: readonly Transaction[], scores: readonly Score[]): void {
  const rows = transactions.map((transaction, i) => {
    const score = scores[i] as Score;
    const right = score.is_fraud === (transaction.tx_fraud === 1);
    return [
      String(transaction.transaction_id),
      transaction.tx_datetime,
      transaction.tx_amount.toFixed(2).padStart(8),
      SCENARIOS[transaction.tx_fraud_scenario ?? 0] ?? 'unknown',
      score.fraud_probability.toFixed(4),
      score.is_fraud ? 'FRAUD' : 'ok',
      right ? 'right' : 'WRONG',
    ];
  });
  const header = ['transaction', 'time', '  amount', 'actual', 'fraud probability', 'verdict', ''];
  console.log(formatTable(header, rows));
  console.log(`model version: ${scores[0]?.model_version ?? 'none'}`);
}

function printUrls(config: ProjectConfig, gateway: string, report: string | null): void {
  const url = (e: { host: string; port: number }, path = '/'): string => `http://${e.host}:${e.port}${path}`;
  const s = config.stack;
  console.log(`
The embedded stack keeps running for exploring (\`npx --no-install fraudops status\`):
  gateway (scoring)    ${gateway}/predict   API docs ${gateway}/docs
  Prometheus           ${url(s.prometheus, '/alerts')}
  Alertmanager         ${url(s.alertmanager)}
  notifications        ${url(s.receiver, '/notifications')}
  cluster (HPA twin)   ${url(s.cluster, '/status')}
  stream scorer        ${url(s.streamScorer, '/metrics')}
  MLflow (registry)    ${url(s.mlflow)}${report ? `\n  report               ${report}` : ''}
Run another attack: npx --no-install fraudops attack --help
Retrain the model:  npx --no-install fraudops retrain   (the replicas follow the champion by themselves)
Stop everything:    npx --no-install fraudops down`);
}
