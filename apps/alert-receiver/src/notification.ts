// The Alertmanager webhook payload (version 4) and what the receiver makes of it: pure functions only.
// https://prometheus.io/docs/alerting/latest/configuration/#webhook_config

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  fingerprint?: string;
}

export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts?: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

/** One line of the JSON Lines file: the payload as received, and when. */
export type RecordedNotification = { receivedAt: string } & WebhookPayload;

export type ParseResult = { ok: true; payload: WebhookPayload } | { ok: false; message: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isStringMap = (value: unknown): value is Record<string, string> =>
  isObject(value) && Object.values(value).every((v) => typeof v === 'string');

const isStatus = (value: unknown): value is 'firing' | 'resolved' =>
  value === 'firing' || value === 'resolved';

/**
 * Parses and checks a webhook body. Only what the receiver relies on is checked (and every alert's labels,
 * so that a summary never prints "undefined"); other fields are kept as they came.
 */
export function parseWebhookBody(body: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return { ok: false, message: `the body is not JSON: ${(error as Error).message}` };
  }
  if (!isObject(value))
    return { ok: false, message: 'the body must be a JSON object (an Alertmanager notification)' };
  if (value.version !== '4')
    return {
      ok: false,
      message: `unsupported webhook payload version ${JSON.stringify(value.version)}: expected "4"`,
    };
  if (!isStatus(value.status)) return { ok: false, message: 'status must be "firing" or "resolved"' };
  if (!Array.isArray(value.alerts)) return { ok: false, message: 'alerts must be an array' };
  for (const [index, alert] of value.alerts.entries()) {
    if (
      !isObject(alert) ||
      !isStatus(alert.status) ||
      !isStringMap(alert.labels) ||
      !isStringMap(alert.annotations)
    )
      return {
        ok: false,
        message: `alerts[${index}] must have a status, string labels and string annotations`,
      };
  }
  return { ok: true, payload: value as unknown as WebhookPayload };
}

/** One human line per alert: status, alert name, where (namespace/pod when known) and the summary. */
export function summaryLines(payload: WebhookPayload): string[] {
  return payload.alerts.map((alert) => {
    const { alertname = '(no alertname)', namespace, pod, severity } = alert.labels;
    const where =
      pod === undefined ? (namespace ?? '-') : `${namespace === undefined ? '' : `${namespace}/`}${pod}`;
    const summary = alert.annotations.summary ?? alert.annotations.description ?? '';
    return `${alert.status.toUpperCase().padEnd(8)} ${alertname} ${where}${severity === undefined ? '' : ` [${severity}]`}${summary === '' ? '' : `: ${summary}`}`;
  });
}

/** The JSON line recorded for a notification (receivedAt first, so the file reads in time order). */
export function recordLine(payload: WebhookPayload, receivedAt: Date): string {
  const record: RecordedNotification = { receivedAt: receivedAt.toISOString(), ...payload };
  return `${JSON.stringify(record)}\n`;
}

/** The recorded notifications from the JSON Lines text; a torn last line (a crash mid-write) is skipped. */
export function parseRecordedLines(text: string): RecordedNotification[] {
  const out: RecordedNotification[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as RecordedNotification);
    } catch {
      // Only an interrupted append can leave a partial line; everything before it is still good.
    }
  }
  return out;
}
