// bench/api: one scoring-api replica against a bare node:http ceiling, same load tool, same invocation.
// Prints requests/s and p50/p99 of each and their ratios, checks the aims, and writes a JSON report.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadProjectConfig } from '@fraudops/config';
import { transactionSchema, withoutLabels, type Transaction } from '@fraudops/contracts';
import { freePort, scoringApiEntry, waitForHttpOk } from '@fraudops/stack';
import { measure, type LoadResult, type LoadSpec } from './load.ts';

const usage = `Usage: npm run bench --workspace @fraudops/bench-api -- [options]

  --duration <s>      seconds per measurement (default 10)
  --connections <n>   concurrent connections for the throughput runs (default 32)
  --rounds <n>        alternating ceiling / API full-load rounds; medians are reported (default 3)
  --batch-rows <n>    rows per /predict/batch request (default: scoringApi.batchMaxItems)
  --model <dir>       model directory (default: <models>/current; train one with \`fraudops train\`)
  -h, --help          this help`;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
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
const rounds = Number(args.rounds);
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
  return Array.from({ length: count }, (_, i) => withoutLabels(source[i % source.length] as Transaction));
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
const apiEntry = scoringApiEntry(config);

console.log(
  `bench/api: ${duration} s per run, ${connections} connections, ${rounds} rounds, model ${modelDir}`,
);

async function run(label: string, spec: LoadSpec): Promise<LoadResult> {
  process.stdout.write(`  ${label} ...`);
  const result = await measure(spec);
  console.log(` ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms`);
  return result;
}

/** The run with the median throughput. */
function medianRun(runs: readonly LoadResult[]): LoadResult {
  return [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[
    Math.floor(runs.length / 2)
  ] as LoadResult;
}

const pad = (value: string | number, width: number): string => String(value).padStart(width);

const started: ChildProcess[] = [];
try {
  const ceiling = await startProcess(ceilingEntry, {}, '/');
  started.push(ceiling.child);
  const api = await startProcess(
    apiEntry,
    { HOST: '127.0.0.1', MODEL_URI: `file:${modelDir}`, LOG_LEVEL: 'warn', MAX_IN_FLIGHT: '100000' },
    '/ready',
  );
  started.push(api.child);
  const ceilingLoad = { url: `${ceiling.url}/`, body: single, connections, durationSeconds: duration };
  const predictLoad = { url: `${api.url}/predict`, body: single, connections, durationSeconds: duration };
  await measure({ ...ceilingLoad, durationSeconds: 2 });
  await measure({ ...predictLoad, durationSeconds: 2 });

  // The machine's speed drifts between runs (a shared VM): alternate the two and keep the medians.
  const ceilingRuns: LoadResult[] = [];
  const predictRuns: LoadResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    ceilingRuns.push(
      await run(`round ${round}/${rounds}: ceiling (node:http, constant JSON), full load`, ceilingLoad),
    );
    predictRuns.push(await run(`round ${round}/${rounds}: POST /predict, full load`, predictLoad));
  }
  const ceilingFull = medianRun(ceilingRuns);
  const predictFull = medianRun(predictRuns);
  const roundRatios = predictRuns.map(
    (r, i) => r.requestsPerSecond / (ceilingRuns[i] as LoadResult).requestsPerSecond,
  );

  const half = Math.max(1, Math.round(predictFull.requestsPerSecond / 2));
  const predictHalf = await run(`POST /predict at ${half} req/s (half its maximum)`, {
    ...predictLoad,
    rate: half,
  });
  const ceilingHalf = await run(`ceiling at ${half} req/s`, { ...ceilingLoad, rate: half });
  const batchRun = await run(`POST /predict/batch, ${batchRows} rows per request`, {
    url: `${api.url}/predict/batch`,
    body: batch,
    connections: 2,
    durationSeconds: duration,
  });

  const rowsPerSecond = batchRun.requestsPerSecond * batchRows;
  const throughputRatio = predictFull.requestsPerSecond / ceilingFull.requestsPerSecond;
  const rows: [string, LoadResult][] = [
    ['ceiling, full load (median)', ceilingFull],
    ['/predict, full load (median)', predictFull],
    [`ceiling, ${half} req/s`, ceilingHalf],
    [`/predict, ${half} req/s`, predictHalf],
    [`/predict/batch (${batchRows} rows)`, batchRun],
  ];
  console.log(
    `\n${'run'.padEnd(30)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('non-2xx', 9)}`,
  );
  for (const [label, r] of rows) {
    console.log(
      `${label.padEnd(30)}${pad(Math.round(r.requestsPerSecond), 10)}${pad(r.p50Ms, 9)}${pad(r.p99Ms, 9)}${pad(r.non2xx + r.errors, 9)}`,
    );
  }
  console.log(`\nper-round /predict : ceiling req/s: ${roundRatios.map((r) => r.toFixed(3)).join(', ')}`);
  console.log(
    `medians: /predict reaches ${(throughputRatio * 100).toFixed(1)}% of the ceiling's req/s; ` +
      `p99 ${(predictFull.p99Ms / Math.max(ceilingFull.p99Ms, 1)).toFixed(2)}x the ceiling's at full load, ` +
      `${(predictHalf.p99Ms / Math.max(ceilingHalf.p99Ms, 1)).toFixed(2)}x at ${half} req/s`,
  );
  const aims: [string, boolean, string][] = [
    [
      `/predict reaches >= 50% of the ceiling's req/s`,
      throughputRatio >= 0.5,
      `${(throughputRatio * 100).toFixed(1)}%`,
    ],
    ['/predict p99 <= 10 ms at half its maximum', predictHalf.p99Ms <= 10, `${predictHalf.p99Ms} ms`],
    [
      '/predict/batch >= 100,000 rows/s on one core',
      rowsPerSecond >= 100_000,
      `${Math.round(rowsPerSecond)} rows/s`,
    ],
  ];
  for (const [aim, met, value] of aims) console.log(`  ${met ? 'met ' : 'MISS'}  ${aim}: ${value}`);

  const reportDir = join(config.stateDir, 'reports');
  mkdirSync(reportDir, { recursive: true });
  const reportFile = join(reportDir, 'bench-api.json');
  const report = {
    at: new Date().toISOString(),
    duration,
    connections,
    rounds,
    batchRows,
    modelDir,
    ceilingRuns,
    predictRuns,
    roundRatios,
    predictHalf,
    ceilingHalf,
    batch: batchRun,
    rowsPerSecond,
    throughputRatio,
  };
  writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nreport: ${reportFile}`);
} finally {
  for (const child of started) child.kill('SIGTERM');
}
