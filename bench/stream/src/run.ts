// bench/stream: the streaming path end to end against the broker's own ceiling, same invocation, same
// events, same client library. Prints events/s of both and the ratio; writes a JSON report.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { assertStackUp, loadReplay } from '@fraudops/attack';
import { loadProjectConfig } from '@fraudops/config';
import { readStackProfile, stackLayout } from '@fraudops/stack';
import {
  countArrivals,
  produceAll,
  transactionIdOf,
  withScratchTopic,
  type Measurement,
} from './throughput.ts';

const usage = `Usage: npm run bench --workspace @fraudops/bench-stream -- [options]

Needs the embedded stack running (npx --no-install fraudops up). Measures, alternating, for --rounds rounds:
  ceiling      produce N events to a scratch topic (6 partitions) and consume them back
  end to end   produce N events to the transactions topic and wait for their N scores in the scores topic
and reports the medians and their ratio.

  --events <n>   events per measurement (default 200000)
  --rounds <n>   rounds (default 3)
  -h, --help     this help`;

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(usage);
  process.exit(0);
}
const events = Number(args.events);
const rounds = Number(args.rounds);
if (!Number.isInteger(events) || events <= 0)
  throw new Error(`--events must be a positive integer, got ${args.events}`);
if (!Number.isInteger(rounds) || rounds <= 0)
  throw new Error(`--rounds must be a positive integer, got ${args.rounds}`);

const config = loadProjectConfig();
const profile = await readStackProfile(stackLayout(config));
await assertStackUp(config, profile).catch((error: unknown) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(2);
});
const templates = await loadReplay(config.data.replayFile);
const bootstrap = `${config.stack.kafka.host}:${String(config.stack.kafka.port)}`;
const topics = config.stack.kafka.topics;
const timeoutMs = 10 * 60_000;

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const fmt = (m: Measurement): string =>
  `${Math.round(m.eventsPerSecond).toLocaleString('en-US')} events/s (${m.events.toLocaleString('en-US')} in ${m.seconds.toFixed(1)} s)`;

const ceiling: Measurement[] = [];
const endToEnd: Measurement[] = [];
for (let round = 1; round <= rounds; round++) {
  const raw = await withScratchTopic(bootstrap, 6, (topic) =>
    countArrivals(
      bootstrap,
      topic,
      events,
      transactionIdOf,
      () => produceAll(bootstrap, topic, templates, events),
      timeoutMs,
    ),
  );
  ceiling.push(raw);
  console.log(`round ${round}: ceiling     ${fmt(raw)}`);
  const e2e = await countArrivals(
    bootstrap,
    topics.scores,
    events,
    transactionIdOf,
    () => produceAll(bootstrap, topics.transactions, templates, events),
    timeoutMs,
  );
  endToEnd.push(e2e);
  console.log(
    `round ${round}: end to end  ${fmt(e2e)}  ratio ${((e2e.eventsPerSecond / raw.eventsPerSecond) * 100).toFixed(1)} %`,
  );
}
const ceilingRate = median(ceiling.map((m) => m.eventsPerSecond));
const endToEndRate = median(endToEnd.map((m) => m.eventsPerSecond));
console.log(`
median ceiling (produce + consume, same broker and client):  ${Math.round(ceilingRate).toLocaleString('en-US')} events/s
median end to end (produce -> score -> scores):              ${Math.round(endToEndRate).toLocaleString('en-US')} events/s
ratio:                                                        ${((endToEndRate / ceilingRate) * 100).toFixed(1)} %`);
const reports = join(config.stateDir, 'reports');
mkdirSync(reports, { recursive: true });
const file = join(reports, 'bench-stream.json');
writeFileSync(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), profile: profile.name, events, rounds, ceiling, endToEnd, ceilingRate, endToEndRate, ratio: endToEndRate / ceilingRate }, null, 2)}\n`,
);
console.log(`report: ${file}`);
