// Reading and writing the test topics with the same library the scorer uses.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { withoutLabels, type Transaction } from '@fraudops/contracts';
import { Admin, Consumer, Producer, type Message } from '@platformatic/kafka';
import { inject } from 'vitest';

export type RawMessage = Message;

/** Real transactions from the replay file, labels removed, with fresh unique ids from `firstId` on. */
export async function freshTransactions(count: number, firstId: number): Promise<Transaction[]> {
  const text = await readFile(inject('replayFile'), 'utf8');
  const rows: Transaction[] = [];
  for (const line of text.split('\n')) {
    if (rows.length >= count) break;
    if (line.trim() !== '') rows.push(JSON.parse(line) as Transaction);
  }
  if (rows.length < count) throw new Error(`the replay file has only ${rows.length} transactions`);
  return rows.map((row, i) => ({ ...withoutLabels(row), transaction_id: firstId + i }));
}

export interface RawRecord {
  key?: Buffer;
  value?: Buffer;
  headers?: Map<Buffer, Buffer>;
  /** Default: the producer's partitioner (murmur2 of the key). */
  partition?: number;
}

export async function produce(
  bootstrap: string,
  topic: string,
  records: readonly RawRecord[],
): Promise<void> {
  const producer = new Producer({ clientId: 'stream-scorer-test', bootstrapBrokers: [bootstrap] });
  try {
    for (let i = 0; i < records.length; i += 500)
      await producer.send({ messages: records.slice(i, i + 500).map((record) => ({ topic, ...record })) });
  } finally {
    await producer.close();
  }
}

export const transactionRecord = (transaction: Transaction): RawRecord => ({
  key: Buffer.from(String(transaction.transaction_id)),
  value: Buffer.from(JSON.stringify(transaction)),
});

/** Reads a topic from the beginning until `done` says enough (or the timeout passes). */
export async function readTopic(
  bootstrap: string,
  topic: string,
  done: (messages: readonly RawMessage[]) => boolean,
  timeoutMs = 20_000,
): Promise<RawMessage[]> {
  const consumer = new Consumer({
    clientId: 'stream-scorer-test-reader',
    groupId: `reader-${topic}-${process.hrtime.bigint()}`,
    bootstrapBrokers: [bootstrap],
    maxWaitTime: 200,
  });
  const messages: RawMessage[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    const deadline = Date.now() + timeoutMs;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (done(messages) || Date.now() > deadline) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
      stream.on('data', (message: RawMessage) => messages.push(message));
    });
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  return messages;
}

/** Per partition of `topic`: the log-end offset and the group's committed offset (-1 when none). */
export async function groupProgress(
  bootstrap: string,
  groupId: string,
  topic: string,
  partitions: number,
): Promise<{ partition: number; end: bigint; committed: bigint }[]> {
  const admin = new Admin({ clientId: 'stream-scorer-test', bootstrapBrokers: [bootstrap] });
  try {
    const indexes = Array.from({ length: partitions }, (_, i) => i);
    const [listed] = await admin.listOffsets({
      topics: [
        { name: topic, partitions: indexes.map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) },
      ],
    });
    const [group] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
    const committed = group?.topics.find((t) => t.name === topic)?.partitions ?? [];
    return indexes.map((partition) => ({
      partition,
      end: listed?.partitions.find((p) => p.partitionIndex === partition)?.offset ?? -1n,
      committed: committed.find((p) => p.partitionIndex === partition)?.committedOffset ?? -1n,
    }));
  } finally {
    await admin.close();
  }
}

/** Waits until the group has committed the end of every partition. */
export async function waitForCommittedToEnd(
  bootstrap: string,
  groupId: string,
  topic: string,
  partitions: number,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Awaited<ReturnType<typeof groupProgress>> = [];
  while (Date.now() < deadline) {
    last = await groupProgress(bootstrap, groupId, topic, partitions);
    if (last.every((p) => p.committed === p.end)) return;
    await sleep(200);
  }
  throw new Error(
    `group ${groupId} did not commit to the end of ${topic}: ${last.map((p) => `${p.partition}: ${p.committed}/${p.end}`).join(', ')}`,
  );
}

export const headerText = (message: RawMessage, name: string): string | undefined => {
  for (const [key, value] of message.headerEntries) if (key.toString() === name) return value.toString();
  return undefined;
};
