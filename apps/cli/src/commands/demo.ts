// The README's demo: a trained model behind a running scoring API, proven by scoring real transactions.
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadProjectConfig, type ProjectConfig } from '@fraudops/config';
import { withoutLabels, type Score, type Transaction } from '@fraudops/contracts';
import {
  GATEWAY_HEALTH_PATH,
  assertPortFree,
  logFile,
  runningPid,
  scoringApiEntry,
  startDaemon,
  waitForHttpOk,
} from '@fraudops/stack';
import { Command } from 'commander';
import { CliError } from '../cli-error.ts';
import { runMl } from '../python.ts';
import { formatTable } from '../table.ts';
import { defaultModelUri, replicaEnv } from '../scoring-api-process.ts';

export const DEMO_DAEMONS = ['scoring-api'] as const;

function step(message: string): void {
  console.log(`\u001b[1m==>\u001b[0m ${message}`);
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'Train the model if there is none, start a scoring API on it in the background, score a handful of real ' +
        'transactions from the replay dataset, and print the results and the URLs. Stop it with `fraudops down`.',
    )
    .option('--fraud <n>', 'fraudulent transactions to include in the sample', '4')
    .option('--genuine <n>', 'genuine transactions to include in the sample', '4')
    .action(async (options: { fraud: string; genuine: string }) => {
      const config = loadProjectConfig();
      await ensureModel(config);
      await ensureReplay(config);
      const baseUrl = await ensureScoringApi(config);
      const sample = await sampleTransactions(
        config.data.replayFile,
        Number(options.fraud),
        Number(options.genuine),
      );
      step(
        `scoring ${sample.length} transactions from the replay dataset with POST ${baseUrl}/predict/batch`,
      );
      const scores = await scoreBatch(baseUrl, sample);
      printScores(sample, scores);
      printUrls(config, baseUrl, sample[0]);
    });
}

async function ensureModel(config: ProjectConfig): Promise<void> {
  if (existsSync(join(config.model.modelsDir, 'current', 'model.json'))) {
    step(`model found in ${join(config.model.modelsDir, 'current')} (retrain with \`fraudops train\`)`);
    return;
  }
  step("no model yet: simulating the handbook's dataset and training (a few minutes the first time)");
  await runMl(config, ['train', '--data-dir', config.data.dir, '--models-dir', config.model.modelsDir]);
}

async function ensureReplay(config: ProjectConfig): Promise<void> {
  if (existsSync(config.data.replayFile)) return;
  step('writing the replay dataset (the test week, with features and labels)');
  await runMl(config, ['replay', '--data-dir', config.data.dir, '--out', config.data.replayFile]);
}

/**
 * The embedded stack's gateway when the stack is up; otherwise the demo's own scoring API, started unless it
 * already runs, once ready. Returns the base URL to score with.
 */
async function ensureScoringApi(config: ProjectConfig): Promise<string> {
  if (runningPid(config.run, 'gateway') !== null) {
    const gateway = `http://${config.stack.gateway.host}:${config.stack.gateway.port}`;
    step(`the embedded stack is up: scoring through its gateway ${gateway}`);
    await waitForHttpOk(`${gateway}${GATEWAY_HEALTH_PATH}`, { timeoutMs: 10_000 });
    return gateway;
  }
  const { host, port } = config.scoringApi;
  const baseUrl = `http://${host}:${port}`;
  const name = DEMO_DAEMONS[0];
  let pid = runningPid(config.run, name);
  if (pid === null) {
    await assertPortFree(host, port, 'free it or change scoringApi.port in fraudops.config.json').catch(
      (error: unknown) => {
        throw new CliError((error as Error).message);
      },
    );
    step(`starting the scoring API on ${baseUrl} (log: ${logFile(config.run, name)})`);
    pid = startDaemon(config.run, {
      name,
      command: process.execPath,
      args: [scoringApiEntry(config)],
      cwd: config.root,
      env: replicaEnv({ host, port, modelUri: defaultModelUri(config) }),
    });
  } else {
    step(`the scoring API already runs (pid ${pid}) on ${baseUrl}`);
  }
  const daemonPid = pid;
  await waitForHttpOk(`${baseUrl}/ready`, {
    timeoutMs: 60_000,
    stillRunning: () => runningPid(config.run, name) === daemonPid,
  }).catch((error: unknown) => {
    throw new CliError(`${(error as Error).message}; see ${logFile(config.run, name)}`);
  });
  return baseUrl;
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

function printUrls(config: ProjectConfig, baseUrl: string, example: Transaction | undefined): void {
  console.log(`
${
  runningPid(config.run, DEMO_DAEMONS[0]) === null
    ? `The embedded stack keeps running (see \`npx --no-install fraudops status\`):
  gateway             ${baseUrl}/  (one of the replicas answers)
  API docs (Swagger)  ${baseUrl}/docs`
    : `The scoring API keeps running in the background:
  service and model   ${baseUrl}/
  API docs (Swagger)  ${baseUrl}/docs
  readiness           ${baseUrl}/ready
  metrics             ${baseUrl}/metrics
  logs                ${logFile(config.run, DEMO_DAEMONS[0])}`
}
Try it:
  curl -s ${baseUrl}/predict -H 'content-type: application/json' -d '${JSON.stringify(example ? withoutLabels(example) : {})}'
Stop it:
  npx --no-install fraudops down`);
}
