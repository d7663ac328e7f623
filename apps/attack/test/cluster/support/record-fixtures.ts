// Re-records the response bodies in ../fixtures from real processes (the cluster double: Prometheus with the
// project's rule file, Alertmanager, the embedded exporter's series):
//
//   node apps/attack/test/cluster/support/record-fixtures.ts
//
// Moments: `pending` (the CPU turned up, the alert pending), `firing` (Alertmanager holds one instance),
// `silenced` (one instance silenced at Alertmanager, the others firing). Each file holds the answer to every
// query of clusterQueries, the filtered /api/v2/alerts the watcher asks for, and the unfiltered list.
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { alertmanagerAlertsPath, clusterQueries } from '../../../src/cluster/cluster-watcher.ts';
import { startClusterDouble } from './cluster-double.ts';

const target = { namespace: 'fraudops', deployment: 'scoring-api', transactionsTopic: 'transactions' };
const fixtures = new URL('../fixtures/', import.meta.url);
const double = await startClusterDouble({ kafka: false });
const json = async (url: string): Promise<unknown> => (await fetch(url)).json();

async function record(moment: string, since: Date): Promise<void> {
  const prometheus: Record<string, unknown> = {};
  for (const [id, promql] of Object.entries(clusterQueries(target)))
    prometheus[id] = await json(`${double.prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = {
    recordedAt: new Date().toISOString(),
    since: since.toISOString(),
    prometheus,
    alertmanager: await json(`${double.alertmanagerUrl}${alertmanagerAlertsPath(target)}`),
    alertmanagerUnfiltered: await json(`${double.alertmanagerUrl}/api/v2/alerts`),
  };
  writeFileSync(new URL(`${moment}.json`, fixtures), `${JSON.stringify(body, null, 2)}\n`);
}

try {
  await sleep(5000);
  const since = new Date();
  double.setCpuUtilization([1.32, 0.95, 0.7, 1.1, 0.85, 0.4]);
  await sleep(16_000);
  await record('pending', since);
  const deadline = Date.now() + 60_000;
  while (((await json(`${double.alertmanagerUrl}/api/v2/alerts`)) as unknown[]).length === 0) {
    if (Date.now() > deadline) throw new Error(`the alert did not reach Alertmanager\n${double.logs()}`);
    await sleep(500);
  }
  await record('firing', since);
  const firstFiring = (
    (await json(`${double.alertmanagerUrl}/api/v2/alerts`)) as { labels: { namespace: string } }[]
  )[0];
  const now = new Date();
  await fetch(`${double.alertmanagerUrl}/api/v2/silences`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      matchers: [
        { name: 'alertname', value: 'ScoringApiSaturatedAtMaxReplicas', isRegex: false, isEqual: true },
        { name: 'namespace', value: firstFiring?.labels.namespace, isRegex: false, isEqual: true },
      ],
      startsAt: now.toISOString(),
      endsAt: new Date(now.getTime() + 3_600_000).toISOString(),
      createdBy: 'record-fixtures',
      comment: 'a silenced instance for the fixtures',
    }),
  });
  await sleep(3000);
  await record('silenced', since);
  writeFileSync(
    new URL('prometheus-error.json', fixtures),
    `${JSON.stringify(await json(`${double.prometheusUrl}/api/v1/query?query=${encodeURIComponent('sum(')}`), null, 2)}\n`,
  );
} finally {
  await double.stop();
}
