// What the attack watches in a cluster, from Prometheus and Alertmanager alone: the replicas (kube-state-metrics'
// HPA series, the ones the alert rule reads), each replica's CPU over its request (the alert's own recording
// rule), the consumer lag (kafka_consumergroup_lag: Strimzi's Kafka Exporter here, the stream scorer locally),
// the alert's state (ALERTS) and the alert at Alertmanager. Every name is one the embedded stack's exporter
// (packages/stack/src/cluster/kube-metrics.ts) serves too, so this watcher also runs against `fraudops up`.
//
// There is no receiver to ask in a cluster: Alertmanager delivers to Telegram and e-mail itself. The attack
// counts the administrator as notified once Alertmanager holds the alert active (neither silenced nor
// inhibited) and firing, fired since the attack started.
//
// The pure parts (queries, response bodies -> snapshot) are apart from the I/O so that tests can feed them
// recorded bodies.
import { CPU_OVER_REQUEST_RULE } from '../report/report-queries.ts';
import {
  alertState,
  SATURATION_ALERT,
  type Notification,
  type PodLoad,
  type WatchSnapshot,
} from '../watcher.ts';

/** What the watcher selects on. */
export interface WatchTarget {
  namespace: string;
  /** The Deployment; its HPA has the same name, its pods are named `<deployment>-…`. */
  deployment: string;
  transactionsTopic: string;
}

export type ClusterQueryId =
  'currentReplicas' | 'desiredReplicas' | 'maxReplicas' | 'cpu' | 'ready' | 'lag' | 'alerts';

export const CLUSTER_QUERY_IDS: readonly ClusterQueryId[] = [
  'currentReplicas',
  'desiredReplicas',
  'maxReplicas',
  'cpu',
  'ready',
  'lag',
  'alerts',
];

/** The PromQL of every reading. Label values come from checked settings (RFC 1123 names, Kafka topic names). */
export function clusterQueries(target: WatchTarget): Readonly<Record<ClusterQueryId, string>> {
  const ns = `namespace="${target.namespace}"`;
  const hpa = `${ns}, horizontalpodautoscaler="${target.deployment}"`;
  // max (not sum): two kube-state-metrics replicas give two identical series per object.
  return {
    currentReplicas: `max(kube_horizontalpodautoscaler_status_current_replicas{${hpa}})`,
    desiredReplicas: `max(kube_horizontalpodautoscaler_status_desired_replicas{${hpa}})`,
    maxReplicas: `max(kube_horizontalpodautoscaler_spec_max_replicas{${hpa}})`,
    // The very series the alert compares with 0.8.
    cpu: `max by (pod) (${CPU_OVER_REQUEST_RULE}{${ns}})`,
    ready: `max by (pod) (kube_pod_status_ready{${ns}, condition="true", pod=~"${podPattern(target.deployment)}"})`,
    lag: `sum(max by (consumergroup, partition) (kafka_consumergroup_lag{topic="${target.transactionsTopic}"}))`,
    alerts: `ALERTS{alertname="${SATURATION_ALERT}", ${ns}}`,
  };
}

/** Pods of a Deployment: `<deployment>-<replicaset hash>-<suffix>` (`<deployment>-<suffix>` locally). */
function podPattern(deployment: string): string {
  return `${deployment.replaceAll('.', '\\\\.')}-.+`;
}

/** One sample of an instant vector. */
export interface InstantSample {
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** The samples of a /api/v1/query answer; throws on an error answer or anything but a vector. */
export function parseInstantVector(body: unknown): InstantSample[] {
  const b = body as {
    status?: string;
    error?: string;
    errorType?: string;
    data?: { resultType?: string; result?: { metric?: Record<string, string>; value?: [number, string] }[] };
  } | null;
  if (b?.status !== 'success')
    throw new Error(`Prometheus refused the query (${b?.errorType ?? 'error'}): ${b?.error ?? 'no status'}`);
  if (b.data?.resultType !== 'vector')
    throw new Error(`Prometheus answered with a ${b.data?.resultType ?? 'missing'} result, not a vector`);
  return (b.data.result ?? []).map((r) => ({ labels: r.metric ?? {}, value: Number(r.value?.[1]) }));
}

/** An alert as Alertmanager's API v2 lists it (GET /api/v2/alerts), the fields the watcher reads. */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt?: string;
  receivers: { name: string }[];
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
}

/** GET path of the alert's instances at Alertmanager that it will deliver: active, not silenced or inhibited. */
export function alertmanagerAlertsPath(target: WatchTarget): string {
  const query = new URLSearchParams([
    ['filter', `alertname="${SATURATION_ALERT}"`],
    ['filter', `namespace="${target.namespace}"`],
    ['active', 'true'],
    ['silenced', 'false'],
    ['inhibited', 'false'],
  ]);
  return `/api/v2/alerts?${query.toString()}`;
}

/**
 * The alert's instances Alertmanager holds as active and firing: state active (so not silenced, inhibited
 * or unprocessed), and not resolved (endsAt is when Prometheus' last word expires, or its resolution time).
 * Filtered here again, whatever the query asked, so that a proxy or an older Alertmanager cannot widen it.
 */
export function deliverableAlerts(
  alerts: readonly AlertmanagerAlert[],
  target: WatchTarget,
  now: Date,
): AlertmanagerAlert[] {
  return alerts.filter(
    (a) =>
      a.labels.alertname === SATURATION_ALERT &&
      a.labels.namespace === target.namespace &&
      a.status.state === 'active' &&
      a.status.silencedBy.length === 0 &&
      a.status.inhibitedBy.length === 0 &&
      !(Date.parse(a.endsAt) <= now.getTime()),
  );
}

/**
 * The notification, cluster style: the deliverable instances that fired (startsAt: when Prometheus saw the
 * alert fire) since the attack started; null when none did. `seenAt` is when the watcher saw Alertmanager
 * hold them, which is what `receivedAt` means here (no receiver reports back).
 */
export function clusterNotification(
  deliverable: readonly AlertmanagerAlert[],
  since: Date,
  seenAt: Date,
): Notification | null {
  const fresh = deliverable.filter((a) => Date.parse(a.startsAt) >= since.getTime());
  if (fresh.length === 0) return null;
  const receivers = [...new Set(fresh.flatMap((a) => a.receivers.map((r) => r.name)))];
  return {
    receivedAt: seenAt.toISOString(),
    receiver: receivers.length > 0 ? receivers.join(', ') : '?',
    status: 'firing',
    alerts: fresh.map((a) => ({ status: 'firing', labels: a.labels, annotations: a.annotations })),
  };
}

/** What one round of reading gave: null where a source did not answer. */
export type ClusterReadings = Readonly<Record<ClusterQueryId, InstantSample[] | null>> & {
  alertmanager: AlertmanagerAlert[] | null;
};

const scalar = (samples: InstantSample[] | null): number | null => {
  const value = samples?.[0]?.value;
  return value === undefined || !Number.isFinite(value) ? null : value;
};

/**
 * One WatchSnapshot from the readings. `notified` is the notification an earlier snapshot found, kept: once
 * Alertmanager has delivered, a later resolution does not undo it.
 */
export function clusterSnapshot(
  readings: ClusterReadings,
  target: WatchTarget,
  context: { since: Date; now: Date; notified: Notification | null },
): WatchSnapshot {
  const current = scalar(readings.currentReplicas);
  const desired = scalar(readings.desiredReplicas);
  const max = scalar(readings.maxReplicas);
  const cpu = new Map<string, number>();
  for (const s of readings.cpu ?? [])
    if (s.labels.pod !== undefined && Number.isFinite(s.value)) cpu.set(s.labels.pod, s.value);
  const ready = new Map<string, boolean>();
  for (const s of readings.ready ?? [])
    if (s.labels.pod !== undefined) ready.set(s.labels.pod, s.value === 1);
  // A pod with a readiness series but no CPU ratio yet has just started (the ratio needs two scrapes).
  const pods: PodLoad[] = [...new Set([...cpu.keys(), ...ready.keys()])]
    .sort()
    .map((name) => ({ name, ready: ready.get(name) ?? true, cpuUtilization: cpu.get(name) ?? 0 }));
  const deliverable =
    readings.alertmanager === null ? null : deliverableAlerts(readings.alertmanager, target, context.now);
  return {
    at: context.now,
    replicas: current === null || desired === null || max === null ? null : { current, desired, max },
    pods,
    lag: scalar(readings.lag),
    alert:
      readings.alerts === null ? null : alertState(readings.alerts.map((s) => s.labels.alertstate ?? '')),
    atAlertmanager: deliverable === null ? null : deliverable.length > 0,
    notification:
      context.notified ??
      (deliverable === null ? null : clusterNotification(deliverable, context.since, context.now)),
  };
}

export interface ClusterWatcherOptions {
  prometheusUrl: string;
  alertmanagerUrl: string;
  target: WatchTarget;
  /** When the attack started: an alert that fired before does not count as its notification. */
  since: Date;
  timeoutMs?: number;
}

/** Reads Prometheus and Alertmanager; each source on its own, one that does not answer leaves its part unknown. */
export class ClusterWatcher {
  readonly queries: Readonly<Record<ClusterQueryId, string>>;
  private readonly options: ClusterWatcherOptions;
  private notified: Notification | null = null;

  constructor(options: ClusterWatcherOptions) {
    this.options = options;
    this.queries = clusterQueries(options.target);
  }

  private async get(base: string, path: string): Promise<unknown> {
    const url = `${base}${path}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000) });
    if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
    return response.json();
  }

  private async query(promql: string): Promise<InstantSample[]> {
    return parseInstantVector(
      await this.get(this.options.prometheusUrl, `/api/v1/query?query=${encodeURIComponent(promql)}`),
    );
  }

  /** The alert's instances at Alertmanager, as listed (unfiltered beyond the query). */
  async alertmanagerAlerts(): Promise<AlertmanagerAlert[]> {
    const body = await this.get(this.options.alertmanagerUrl, alertmanagerAlertsPath(this.options.target));
    if (!Array.isArray(body)) throw new Error('Alertmanager did not answer /api/v2/alerts with a list');
    return body as AlertmanagerAlert[];
  }

  /** Problems that make watching pointless (a source that does not answer at all), as sentences. */
  async problems(): Promise<string[]> {
    const found: string[] = [];
    await this.query('vector(1)').catch((error: unknown) => {
      found.push(`Prometheus at ${this.options.prometheusUrl} (PROMETHEUS_URL): ${(error as Error).message}`);
    });
    await this.get(this.options.alertmanagerUrl, '/api/v2/status').catch((error: unknown) => {
      found.push(
        `Alertmanager at ${this.options.alertmanagerUrl} (ALERTMANAGER_URL): ${(error as Error).message}`,
      );
    });
    return found;
  }

  async snapshot(): Promise<WatchSnapshot> {
    const orNull = async <T>(promise: Promise<T>): Promise<T | null> => promise.catch(() => null);
    const [alertmanager, ...vectors] = await Promise.all([
      orNull(this.alertmanagerAlerts()),
      ...CLUSTER_QUERY_IDS.map(async (id) => orNull(this.query(this.queries[id]))),
    ]);
    const readings = Object.fromEntries(CLUSTER_QUERY_IDS.map((id, i) => [id, vectors[i] ?? null])) as Record<
      ClusterQueryId,
      InstantSample[] | null
    >;
    const snapshot = clusterSnapshot({ ...readings, alertmanager }, this.options.target, {
      since: this.options.since,
      now: new Date(),
      notified: this.notified,
    });
    this.notified = snapshot.notification;
    return snapshot;
  }
}
