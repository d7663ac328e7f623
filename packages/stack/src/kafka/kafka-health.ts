// Kafka's health check. Kafka has no HTTP port, and a JVM-based check (the topics tool) costs seconds of
// CPU per poll on a 2-core machine, so this speaks just enough of the Kafka protocol itself: one Metadata
// request (API key 3, version 12) asking for no topics. A broker lists itself in the answer only once it is
// registered with the controller and unfenced, i.e. once it can take topic creation and produce requests;
// an ApiVersions answer would come earlier, while the broker is still fenced.
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const METADATA_API_KEY = 3;
const METADATA_VERSION = 12;

function unsignedVarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value >>> 0;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** A size-prefixed Metadata v12 request for no topics (request header v2, flexible encoding). */
export function encodeMetadataRequest(correlationId: number, clientId: string): Buffer {
  const client = Buffer.from(clientId, 'utf8');
  const header = Buffer.alloc(2 + 2 + 4 + 2);
  header.writeInt16BE(METADATA_API_KEY, 0);
  header.writeInt16BE(METADATA_VERSION, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(client.length, 8); // client_id is a classic (not compact) nullable string
  const body = Buffer.from([
    1, // topics: compact array of 0 elements (length + 1); 0 would mean null, i.e. every topic
    0, // allow_auto_topic_creation
    0, // include_topic_authorized_operations
    0, // no tagged fields
  ]);
  const message = Buffer.concat([header, client, unsignedVarint(0), body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(message.length);
  return Buffer.concat([size, message]);
}

class Reader {
  offset = 0;
  readonly buffer: Buffer;
  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }
  int32(): number {
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  unsignedVarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.buffer.readUInt8(this.offset++);
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
    }
    throw new Error('malformed varint');
  }
  skipTaggedFields(): void {
    for (let count = this.unsignedVarint(); count > 0; count--) {
      this.unsignedVarint(); // tag
      const size = this.unsignedVarint(); // read before `this.offset +=` reads the offset
      this.offset += size;
    }
  }
}

/**
 * Reads the start of a Metadata v12 response (the frame after its size prefix): the correlation id and how
 * many brokers it lists. The rest (the brokers themselves, cluster id, controller, topics) is not needed.
 */
export function decodeMetadataBrokerCount(frame: Buffer): { correlationId: number; brokers: number } {
  const reader = new Reader(frame);
  const correlationId = reader.int32();
  reader.skipTaggedFields(); // response header v1
  reader.int32(); // throttle_time_ms
  const brokers = reader.unsignedVarint() - 1;
  if (brokers < 0) throw new Error('the Metadata response has no broker list');
  return { correlationId, brokers };
}

/** Sends one Metadata request; resolves with the number of brokers the answer lists. */
export function queryBrokerCount(host: string, port: number, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve, reject) => {
    const correlationId = Math.floor(Math.random() * 0x7fffffff);
    const socket = new Socket();
    let received = Buffer.alloc(0);
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => {
      fail(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    });
    socket.once('error', fail);
    // After an answer this is a no-op: a promise settles once.
    socket.once('close', () => {
      reject(new Error(`${host}:${port} closed the connection`));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      socket.destroy();
      try {
        const answer = decodeMetadataBrokerCount(received.subarray(4, 4 + received.readInt32BE(0)));
        if (answer.correlationId !== correlationId) throw new Error('the answer is not to this request');
        resolve(answer.brokers);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.connect(port, host, () => {
      socket.write(encodeMetadataRequest(correlationId, 'fraudops-health'));
    });
  });
}

/** True when the broker answers and lists itself as available. */
export async function isKafkaHealthy(host: string, port: number): Promise<boolean> {
  return queryBrokerCount(host, port).then(
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
      const brokers = await queryBrokerCount(host, port);
      if (brokers > 0) return;
      last = 'the broker answers but is not available yet (no unfenced broker)';
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  throw new Error(
    `Kafka on ${host}:${port} was not ready after ${Math.round(timeoutMs / 1000)} s (last answer: ${last})`,
  );
}
