// The notification the administrator got: the alert receiver's JSON Lines file (one Alertmanager webhook
// payload per line, with the time it arrived), and the first firing notification of the saturation alert.
import { readFile } from 'node:fs/promises';
import { SATURATION_ALERT } from '../watcher.ts';

export interface ReceivedAlert {
  status: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  startsAt?: string;
}

/** One line of the receiver's file (apps/alert-receiver/src/notification.ts, RecordedNotification). */
export interface ReceivedNotification {
  receivedAt: string;
  receiver: string;
  status: string;
  alerts: readonly ReceivedAlert[];
}

/** The notifications of a JSON Lines text; lines that are not a notification (a torn append) are skipped. */
export function parseNotifications(text: string): ReceivedNotification[] {
  const out: ReceivedNotification[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // Only an interrupted append leaves a partial line; everything else in the file is still good.
      continue;
    }
    if (isNotification(value)) out.push(value);
  }
  return out;
}

function isNotification(value: unknown): value is ReceivedNotification {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.receivedAt === 'string' &&
    !Number.isNaN(Date.parse(v.receivedAt)) &&
    Array.isArray(v.alerts) &&
    v.alerts.every(
      (a: unknown) =>
        typeof a === 'object' &&
        a !== null &&
        typeof (a as Record<string, unknown>).labels === 'object' &&
        typeof (a as Record<string, unknown>).annotations === 'object',
    )
  );
}

/** The first notification received in [from, to] that carries the saturation alert as firing. */
export function firstFiringNotification(
  notifications: readonly ReceivedNotification[],
  from: Date,
  to: Date,
  alertname = SATURATION_ALERT,
): ReceivedNotification | null {
  const inWindow = notifications
    .filter((n) => {
      const at = Date.parse(n.receivedAt);
      return at >= from.getTime() && at <= to.getTime();
    })
    .filter((n) => n.alerts.some((a) => a.status === 'firing' && a.labels.alertname === alertname))
    .sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt));
  return inWindow[0] ?? null;
}

/** The receiver's notifications, or why there are none to read (the file is missing: nothing was received). */
export async function readNotifications(
  file: string,
): Promise<{ notifications: ReceivedNotification[] } | { notifications: null; why: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      notifications: null,
      why:
        code === 'ENOENT'
          ? `the receiver has recorded no notification (${file} does not exist)`
          : `cannot read the receiver's file ${file}: ${(error as Error).message}`,
    };
  }
  return { notifications: parseNotifications(text) };
}
