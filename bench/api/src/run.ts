// bench/api: one scoring-api replica against a bare node:http ceiling, same load tool, same invocation.
// Prints requests/s and p50/p99 of each and their ratios, checks the aims, and writes a JSON report.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadProjectConfig } from '@fraudops/config';
import { transactionSchema, type Transaction } from '@fraudops/contracts';
import { freePort, waitForHttpOk } from '@fraudops/stack';
import { measure, type LoadResult } from './load.ts';

const usage = `Usage: npm run bench --workspace @fraudops/bench-api -- [options]

  --duration <s>      seconds per measurement (default 10)
  --connections <n>   concurrent connections for the throughput runs (default 32)
  --batch-rows <n>    rows per /predict/batch request (default: scoringApi.batchMaxItems)
  --model <dir>       model directory (default: <models>/current; train one with \`fraudops train\`)
  -h, --help          this help`;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    'batch-rows': { type: 'string' },
    model: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(usage);
  process.exit(0);
}

const config = loadProjectConfig();
const duration = Number(args.duration);
const connections = Number(args.connections);
const batchRows = Number(args['batch-rows'] ?? config.scoringApi.batchMaxItems);
const modelDir = args.model ?? join(config.model.modelsDir, 'current');
if (!existsSync(join(modelDir, 'model.json'))) {
  console.error(`bench: no model in ${modelDir}; run \`npx --no-install fraudops train\` first`);
  process.exit(2);
}

/** Real transactions when the replay file exists, else the contract's own examples, labels removed. */
function sampleTransactions(count: number): Transaction[] {
  const source = existsSync(config.data.replayFile)
    ? readFileSync(config.data.replayFile, 'utf8')
        .split('\n', count)
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Transaction)
    : (transactionSchema.examples as unknown as Transaction[]);
  return Array.from({ length: count }, (_, i) => {
    const { tx_fraud: _f, tx_fraud_scenario: _s, ...transaction } = source[i % source.length] as Transaction;
    return transaction;
  });
}

async function startProcess(
  entry: string,
  env: NodeJS.ProcessEnv,
  readyPath: string,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: 'inherit',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttpOk(`${url}${readyPath}`, {
    timeoutMs: 30_000,
    stillRunning: () => child.exitCode === null,
  });
  return { url, child };
}

const single = JSON.stringify(sampleTransactions(1)[0]);
const batch = JSON.stringify({ transactions: sampleTransactions(batchRows) });
const ceilingEntry = fileURLToPath(new URL('./ceiling-server.ts', import.meta.url));
const apiEntry = join(config.root, 'apps/scoring-api/src/server.ts');

console.log(`bench/api: ${duration} s per run, ${connections} connections, model ${modelDir}`);
const ceiling = await startProcess(ceilingEntry, {}, '/');
const api = await startProcess(
  apiEntry,
  { HOST: '127.0.0.1', MODEL_URI: `file:${modelDir}`, LOG_LEVEL: 'warn', MAX_IN_FLIGHT: '100000' },
  '/ready',
);

const run = async (label: string, spec: Parameters<typeof measure>[0]): Promise<LoadResult> => {
  process.stdout.write(`  measuring ${label} ...`);
  const result = await measure(spec);
  console.log(` ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms`);
  return result;
};

try {
  const warmup = { connections, durationSeconds: 2 };
  await measure({ url: `${ceiling.url}/`, body: single, ...warmup });
  await measure({ url: `${api.url}/predict`, body: single, ...warmup });

  const results = {
    ceiling: await run('ceiling (node:http, constant JSON) at full load', {
      url: `${ceiling.url}/`,
      body: single,
      connections,
      durationSeconds: duration,
    }),
    predict: await run('POST /predict at full load', {
      url: `${api.url}/predict`,
      body: single,
      connections,
      durationSeconds: duration,
    }),
    halfLoad: {} as LoadResult,
    ceilingHalfLoad: {} as LoadResult,
    batch: {} as LoadResult,
  };
  const half = Math.max(1, Math.round(results.predict.requestsPerSecond / 2));
  results.halfLoad = await run(`POST /predict at ${half} req/s (half its maximum)`, {
    url: `${api.url}/predict`,
    body: single,
    connections,
    durationSeconds: duration,
    rate: half,
  });
  results.ceilingHalfLoad = await run(`ceiling at ${half} req/s`, {
    url: `${ceiling.url}/`,
    body: single,
    connections,
    durationSeconds: duration,
    rate: half,
  });
  results.batch = await run(`POST /predict/batch, ${batchRows} rows per request`, {
    url: `${api.url}/predict/batch`,
    body: batch,
    connections: 2,
    durationSeconds: duration,
  });

  const rowsPerSecond = results.batch.requestsPerSecond * batchRows;
  const throughputRatio = results.predict.requestsPerSecond / results.ceiling.requestsPerSecond;
  const rows = [
    ['ceiling, full load', results.ceiling],
    ['/predict, full load', results.predict],
    [`ceiling, ${half} req/s`, results.ceilingHalfLoad],
    [`/predict, ${half} req/s`, results.halfLoad],
    [`/predict/batch (${batchRows} rows)`, results.batch],
  ] as const;
  console.log(
    `\n${'run'.padEnd(30)}${'req/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'non-2xx'.padStart(9)}`,
  );
  for (const [label, r] of rows) {
    console.log(
      `${label.padEnd(30)}${Math.round(r.requestsPerSecond).toString().padStart(10)}${r.p50Ms.toString().padStart(9)}${r.p99Ms.toString().padStart(9)}${(r.non2xx + r.errors).toString().padStart(9)}`,
    );
  }
  const aims = [
    [
      `/predict reaches >= 50% of the ceiling's req/s`,
      throughputRatio >= 0.5,
      `${(throughputRatio * 100).toFixed(1)}%`,
    ],
    [
      '/predict p99 <= 10 ms at half its maximum',
      results.halfLoad.p99Ms <= 10,
      `${results.halfLoad.p99Ms} ms`,
    ],
    [
      '/predict/batch >= 100,000 rows/s on one core',
      rowsPerSecond >= 100_000,
      `${Math.round(rowsPerSecond)} rows/s`,
    ],
  ] as const;
  console.log(
    `\nratios: /predict/ceiling req/s ${throughputRatio.toFixed(3)}; p99 at full load ${(results.predict.p99Ms / Math.max(results.ceiling.p99Ms, 1)).toFixed(2)}x the ceiling's; p99 at ${half} req/s ${(results.halfLoad.p99Ms / Math.max(results.ceilingHalfLoad.p99Ms, 1)).toFixed(2)}x`,
  );
  for (const [aim, met, value] of aims) console.log(`  ${met ? 'met ' : 'MISS'}  ${aim}: ${value}`);

  const reportDir = join(config.stateDir, 'reports');
  mkdirSync(reportDir, { recursive: true });
  const reportFile = join(reportDir, 'bench-api.json');
  writeFileSync(
    reportFile,
    `${JSON.stringify({ at: new Date().toISOString(), duration, connections, batchRows, modelDir, results, rowsPerSecond, throughputRatio }, null, 2)}\n`,
  );
  console.log(`\nreport: ${reportFile}`);
} finally {
  ceiling.child.kill('SIGTERM');
  api.child.kill('SIGTERM');
}
