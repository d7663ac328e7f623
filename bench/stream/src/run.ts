// bench/stream: the streaming path end to end against the broker's own ceiling, same invocation, same
// events, same client library. Prints events/s of both and the ratio; writes a JSON report.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { COST_PER_EVENT_FILE, assertStackUp, loadReplay, type CostPerEvent } from '@fraudops/attack';
import { loadProjectConfig } from '@fraudops/config';
import { pidFile, readStackProfile, stackLayout } from '@fraudops/stack';
import { cpuSpent, pidsOf, snapshot } from './cpu.ts';
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
and reports the medians and their ratio. It also measures the CPU time each part of the path spends per event
(the replicas and the stream scorer during end to end, this process while it only produces), and with
--record writes those medians to ${COST_PER_EVENT_FILE}, which the cluster attack's capacity check reads.

  --events <n>   events per measurement (default 200000)
  --rounds <n>   rounds (default 3)
  --record       write the CPU cost per event to ${COST_PER_EVENT_FILE}
  -h, --help     this help`;

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    record: { type: 'boolean', default: false },
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

const layout = stackLayout(config);
const pathPids = (): { replicas: number[]; streamScorer: number[] } => ({
  replicas: pidsOf(layout.podPidsDir),
  streamScorer: pidsOf(pidFile(config.run, 'stream-scorer')),
});
const micros = (cpuSeconds: number, count: number): number => (cpuSeconds / count) * 1e6;
const round2 = (x: number): number => Math.round(x * 100) / 100;

const ceiling: Measurement[] = [];
const endToEnd: Measurement[] = [];
const cost = { scoringApi: [] as number[], streamScorer: [] as number[], producer: [] as number[] };
for (let round = 1; round <= rounds; round++) {
  // The producer alone, as the attack runs it (same events, same client, same settings), in this process.
  const producerCpu = process.cpuUsage();
  await withScratchTopic(bootstrap, 6, (topic) => produceAll(bootstrap, topic, templates, events));
  const spent = process.cpuUsage(producerCpu);
  cost.producer.push((spent.user + spent.system) / events);

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
  const before = pathPids();
  const [replicasBefore, scorerBefore] = await Promise.all([
    snapshot(before.replicas),
    snapshot(before.streamScorer),
  ]);
  const e2e = await countArrivals(
    bootstrap,
    topics.scores,
    events,
    transactionIdOf,
    () => produceAll(bootstrap, topics.transactions, templates, events),
    timeoutMs,
  );
  const after = pathPids();
  cost.scoringApi.push(micros(cpuSpent(replicasBefore, await snapshot(after.replicas)), events));
  cost.streamScorer.push(micros(cpuSpent(scorerBefore, await snapshot(after.streamScorer)), events));
  endToEnd.push(e2e);
  console.log(
    `round ${round}: end to end  ${fmt(e2e)}  ratio ${((e2e.eventsPerSecond / raw.eventsPerSecond) * 100).toFixed(1)} %`,
  );
  console.log(
    `round ${round}: CPU per event: replicas ${(cost.scoringApi.at(-1) ?? 0).toFixed(1)} µs, stream scorer ` +
      `${(cost.streamScorer.at(-1) ?? 0).toFixed(1)} µs, producer ${(cost.producer.at(-1) ?? 0).toFixed(1)} µs`,
  );
}
const ceilingRate = median(ceiling.map((m) => m.eventsPerSecond));
const endToEndRate = median(endToEnd.map((m) => m.eventsPerSecond));
console.log(`
median ceiling (produce + consume, same broker and client):  ${Math.round(ceilingRate).toLocaleString('en-US')} events/s
median end to end (produce -> score -> scores):              ${Math.round(endToEndRate).toLocaleString('en-US')} events/s
ratio:                                                        ${((endToEndRate / ceilingRate) * 100).toFixed(1)} %`);
const costPerEvent: CostPerEvent = {
  measuredAt: new Date().toISOString(),
  command: `npm run bench --workspace @fraudops/bench-stream -- --events ${String(events)} --rounds ${String(rounds)} --record`,
  profile: profile.name,
  events,
  rounds,
  cpuMicrosecondsPerEvent: {
    scoringApi: round2(median(cost.scoringApi)),
    streamScorer: round2(median(cost.streamScorer)),
    producer: round2(median(cost.producer)),
  },
  perRound: {
    scoringApi: cost.scoringApi.map(round2),
    streamScorer: cost.streamScorer.map(round2),
    producer: cost.producer.map(round2),
  },
};
const { scoringApi, streamScorer, producer } = costPerEvent.cpuMicrosecondsPerEvent;
console.log(
  `median CPU per event: replicas ${scoringApi.toFixed(1)} µs, stream scorer ${streamScorer.toFixed(1)} µs, producer ${producer.toFixed(1)} µs`,
);
if (args.record) {
  writeFileSync(COST_PER_EVENT_FILE, `${JSON.stringify(costPerEvent, null, 2)}\n`);
  console.log(`recorded: ${relative(process.cwd(), COST_PER_EVENT_FILE)}`);
}
const reports = join(config.stateDir, 'reports');
mkdirSync(reports, { recursive: true });
const file = join(reports, 'bench-stream.json');
writeFileSync(
  file,
  `${JSON.stringify({ at: new Date().toISOString(), profile: profile.name, events, rounds, ceiling, endToEnd, ceilingRate, endToEndRate, ratio: endToEndRate / ceilingRate, costPerEvent }, null, 2)}\n`,
);
console.log(`report: ${file}`);
