// What the attack watches while it runs: the replicas and their CPU (the cluster controller), the consumer
// lag and the alert's state (Prometheus), the alert at Alertmanager, and the notification at the receiver.
// Each source is read on its own: one that does not answer leaves its part of the picture unknown.
import type { ProjectConfig } from '@fraudops/config';

export const SATURATION_ALERT = 'ScoringApiSaturatedAtMaxReplicas';

export type AlertState = 'inactive' | 'pending' | 'firing';

export interface PodLoad {
  name: string;
  ready: boolean;
  /** CPU used over CPU requested, 1 = 100 %. */
  cpuUtilization: number;
}

export interface Notification {
  receivedAt: string;
  receiver: string;
  status: string;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

export interface WatchSnapshot {
  at: Date;
  replicas: { current: number; desired: number; max: number } | null;
  pods: PodLoad[];
  lag: number | null;
  /** The alert's state in Prometheus (pending before its `for` has passed). */
  alert: AlertState | null;
  /** Whether Alertmanager holds the alert as active. */
  atAlertmanager: boolean | null;
  /** The first firing notification of the alert received since the attack started. */
  notification: Notification | null;
}

const get = async <T>(url: string): Promise<T> => {
  const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return (await response.json()) as T;
};

const orNull = async <T>(promise: Promise<T>): Promise<T | null> => promise.catch(() => null);

export class StackWatcher {
  private readonly config: ProjectConfig;
  private readonly since: Date;

  constructor(config: ProjectConfig, since: Date) {
    this.config = config;
    this.since = since;
  }

  private url(endpoint: { host: string; port: number }, path: string): string {
    return `http://${endpoint.host}:${endpoint.port}${path}`;
  }

  async snapshot(): Promise<WatchSnapshot> {
    const s = this.config.stack;
    const prometheus = async (
      query: string,
    ): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
      const body = await get<{
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      }>(this.url(s.prometheus, `/api/v1/query?query=${encodeURIComponent(query)}`));
      return body.data.result;
    };
    const [status, lag, alerts, atAlertmanager, notification] = await Promise.all([
      orNull(
        get<{
          hpa: { currentReplicas: number; desiredReplicas: number; maxReplicas: number };
          pods: { name: string; ready: boolean; terminating: boolean; cpuUtilization: number }[];
        }>(this.url(s.cluster, '/status')),
      ),
      orNull(
        prometheus(
          `sum(max by (consumergroup, partition) (kafka_consumergroup_lag{topic="${s.kafka.topics.transactions}"}))`,
        ).then((r) => (r[0] === undefined ? null : Number(r[0].value[1]))),
      ),
      orNull(prometheus(`ALERTS{alertname="${SATURATION_ALERT}"}`)),
      orNull(
        get<{ labels: Record<string, string>; status: { state: string } }[]>(
          this.url(
            s.alertmanager,
            `/api/v2/alerts?filter=${encodeURIComponent(`alertname="${SATURATION_ALERT}"`)}`,
          ),
        ).then((list) => list.some((a) => a.status.state === 'active')),
      ),
      orNull(
        get<Notification[]>(this.url(s.receiver, '/notifications')).then((list) => this.firstFiring(list)),
      ),
    ]);
    return {
      at: new Date(),
      replicas: status && {
        current: status.hpa.currentReplicas,
        desired: status.hpa.desiredReplicas,
        max: status.hpa.maxReplicas,
      },
      pods: (status?.pods ?? [])
        .filter((p) => !p.terminating)
        .map((p) => ({ name: p.name, ready: p.ready, cpuUtilization: p.cpuUtilization })),
      lag,
      alert: alerts === null ? null : alertState(alerts.map((a) => a.metric.alertstate ?? '')),
      atAlertmanager,
      notification,
    };
  }

  private firstFiring(list: Notification[]): Notification | null {
    return (
      list.find(
        (n) =>
          new Date(n.receivedAt) >= this.since &&
          n.alerts.some((a) => a.status === 'firing' && a.labels.alertname === SATURATION_ALERT),
      ) ?? null
    );
  }
}

/** The alert's overall state from the alertstate labels of its ALERTS series (one per replica). */
export function alertState(states: readonly string[]): AlertState {
  if (states.includes('firing')) return 'firing';
  if (states.includes('pending')) return 'pending';
  return 'inactive';
}
