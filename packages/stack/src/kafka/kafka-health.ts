// Talking to the broker through @platformatic/kafka's Admin client: the health check here, and the short-lived
// client the topic functions in kafka.ts use. Kafka has no HTTP port; the check is one Metadata request for
// no topics. A broker lists itself in the answer only once it is registered with the controller and
// unfenced, i.e. once it can take topic creation and produce requests; an ApiVersions answer would come
// earlier, while the broker is still fenced.
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin, type AdminOptions } from '@platformatic/kafka';
import type { KafkaEndpoint } from './kafka-config.ts';

export type KafkaClientOptions = Omit<AdminOptions, 'bootstrapBrokers'>;

/** Runs `work` with an Admin client of its own and always closes it (sockets, pending retry timers). */
export async function withKafkaAdmin<T>(
  endpoint: Pick<KafkaEndpoint, 'host' | 'port'>,
  options: KafkaClientOptions,
  work: (admin: Admin) => Promise<T>,
): Promise<T> {
  const admin = new Admin({ ...options, bootstrapBrokers: [{ host: endpoint.host, port: endpoint.port }] });
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

/**
 * The library's errors nest (MultipleErrors around a ResponseError around one ProtocolError per failed item)
 * and their outer messages say little ("Creating topics failed."): this lists the distinct innermost ones,
 * with the broker's own explanation when it sent one.
 */
export function kafkaErrorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    const messages = (error.errors as unknown[]).map(kafkaErrorMessage);
    return [...new Set(messages)].join('; '); // each retry of an operation adds the same error again
  }
  if (!(error instanceof Error)) return String(error);
  const server: unknown = (error as { serverErrorMessage?: unknown }).serverErrorMessage;
  return typeof server === 'string' && server !== '' ? `${error.message} (${server})` : error.message;
}

/**
 * One attempt (the library retries 3 times, 1 s apart, by default) and 1 s timeouts instead of 5 s to connect
 * and 30 s per request: a closed port answers false at once, something that accepts connections but does not
 * answer within about a second. waitForKafka does its own polling.
 */
const HEALTH_CLIENT: KafkaClientOptions = {
  clientId: 'fraudops-health',
  connectTimeout: 1000,
  requestTimeout: 1000,
  retries: 0,
};

/** The number of brokers the Metadata answer lists; rejects when there is no answer. */
const brokerCount = (host: string, port: number): Promise<number> =>
  withKafkaAdmin({ host, port }, HEALTH_CLIENT, async (admin) => {
    const metadata = await admin.metadata({ topics: [] });
    return metadata.brokers.size;
  });

/** True when the broker answers and lists itself as available. */
export async function isKafkaHealthy(host: string, port: number): Promise<boolean> {
  return brokerCount(host, port).then(
    (brokers) => brokers > 0,
    () => false,
  );
}

/**
 * Polls until the broker is available; throws after the timeout with the last answer or error.
 * `stillRunning` lets the caller stop waiting early when the broker process has died.
 */
export async function waitForKafka(
  host: string,
  port: number,
  timeoutMs: number,
  { stillRunning = () => true }: { stillRunning?: () => boolean } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!stillRunning())
      throw new Error(`the Kafka process behind ${host}:${port} exited (last answer: ${last})`);
    try {
      if ((await brokerCount(host, port)) > 0) return;
      last = 'the broker answers but is not available yet (no unfenced broker)';
    } catch (error) {
      last = kafkaErrorMessage(error);
    }
    await sleep(250);
  }
  throw new Error(
    `Kafka on ${host}:${port} was not ready after ${Math.round(timeoutMs / 1000)} s (last answer: ${last})`,
  );
}
