// The attack's events: the simulator's replay dataset, looped, each event with a fresh transaction_id and
// the current time, so that every event is new to the stream while its features stay real. A small share
// is deliberately broken, so that the dead-letter path runs under load too.
import { readFile } from 'node:fs/promises';
import { withoutLabels, type Transaction } from '@fraudops/contracts';

/** Ways one event is broken: each must end in the dead-letter topic with its reason. */
export const POISON_KINDS = ['not-json', 'missing-field', 'wrong-type', 'unknown-field'] as const;
export type PoisonKind = (typeof POISON_KINDS)[number];

export async function loadReplay(file: string): Promise<Transaction[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the replay dataset ${file}: ${(error as Error).message}`, { cause: error });
  }
  const rows = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => withoutLabels(JSON.parse(line) as Transaction));
  if (rows.length === 0) throw new Error(`the replay dataset ${file} is empty`);
  return rows;
}

/** "YYYY-MM-DD HH:MM:SS" in UTC: the dataset's tx_datetime format. */
export function txDatetime(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

/** One event as Kafka key and value. The key is the customer: one customer's events stay in order. */
export interface OutgoingEvent {
  key: string;
  value: string;
  transactionId: number;
  poison: PoisonKind | null;
}

export function renderEvent(
  template: Transaction,
  transactionId: number,
  at: Date,
  poison: PoisonKind | null,
): OutgoingEvent {
  const event: Record<string, unknown> = {
    ...template,
    transaction_id: transactionId,
    tx_datetime: txDatetime(at),
  };
  const key = String(template.customer_id);
  switch (poison) {
    case null:
      return { key, value: JSON.stringify(event), transactionId, poison };
    case 'not-json':
      return { key, value: `${JSON.stringify(event).slice(0, 40)}<truncated`, transactionId, poison };
    case 'missing-field':
      delete event.tx_amount;
      break;
    case 'wrong-type':
      event.tx_amount = String(template.tx_amount);
      break;
    case 'unknown-field':
      event.card_pan = '4111111111111111';
      break;
  }
  return { key, value: JSON.stringify(event), transactionId, poison };
}

/**
 * Ids that no earlier attack used: milliseconds since the epoch x 1,000 leaves room for a thousand events
 * per millisecond of wall time, and stays below 2^53 until the year 2255.
 */
export function firstTransactionId(now: Date): number {
  return now.getTime() * 1000;
}

/** Whether the n-th event (0-based) is poisoned, spreading one in every `1 / ratio` evenly. */
export function poisonFor(n: number, ratio: number): PoisonKind | null {
  if (ratio <= 0) return null;
  const every = Math.max(1, Math.round(1 / ratio));
  if (n % every !== every - 1) return null;
  return POISON_KINDS[Math.floor(n / every) % POISON_KINDS.length] ?? null;
}
