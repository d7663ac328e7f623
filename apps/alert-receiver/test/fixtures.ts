// A notification as Alertmanager 0.25 sends it (webhook payload version 4).
import type { WebhookPayload } from '../src/notification.ts';

export function firingPayload(pod = 'scoring-api-c'): WebhookPayload {
  return {
    version: '4',
    groupKey: `{}/{severity="critical"}:{alertname="ScoringApiSaturatedAtMaxReplicas", namespace="fraudops", pod="${pod}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'administrator',
    groupLabels: { alertname: 'ScoringApiSaturatedAtMaxReplicas', namespace: 'fraudops', pod },
    commonLabels: {
      alertname: 'ScoringApiSaturatedAtMaxReplicas',
      namespace: 'fraudops',
      pod,
      severity: 'critical',
    },
    commonAnnotations: {
      summary: 'The scoring API runs at its maximum replicas and a replica is above 80% of its CPU request.',
    },
    externalURL: 'http://127.0.0.1:19093',
    alerts: [
      {
        status: 'firing',
        labels: {
          alertname: 'ScoringApiSaturatedAtMaxReplicas',
          namespace: 'fraudops',
          pod,
          severity: 'critical',
        },
        annotations: {
          summary:
            'The scoring API runs at its maximum replicas and a replica is above 80% of its CPU request.',
          runbook_url: 'docs/runbooks.md#scoringapisaturatedatmaxreplicas',
        },
        startsAt: '2026-11-26T15:00:00.000Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://127.0.0.1:19090/graph',
        fingerprint: '0123456789abcdef',
      },
    ],
  };
}
