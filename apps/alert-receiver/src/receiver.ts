// The receiver's HTTP side: Alertmanager posts notifications, people and tests read them back.
//   POST / and /alerts   a webhook notification -> appended to the JSON Lines file, printed, 200
//   GET  /notifications  every recorded notification, as a JSON array
//   GET  /health         200 while the process answers
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { parseRecordedLines, parseWebhookBody, recordLine, summaryLines } from './notification.ts';

export interface ReceiverOptions {
  /** The JSON Lines file notifications are appended to (created with its folder when missing). */
  notificationsFile: string;
  /** Where the one-line summaries go (stdout in the server). */
  print: (line: string) => void;
  /** Largest body accepted; Alertmanager's payloads are far smaller. */
  bodyLimitBytes?: number;
  now?: () => Date;
}

const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;
const ROUTES: Record<string, readonly string[]> = {
  '/': ['POST'],
  '/alerts': ['POST'],
  '/notifications': ['GET'],
  '/health': ['GET'],
};

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** An HTTP server (not yet listening) that receives Alertmanager notifications. */
export function createReceiverServer(options: ReceiverOptions): Server {
  const record = recorder(options);
  return createServer((request, response) => {
    handle(request, response, options, record).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) options.print(`ERROR    ${(error as Error).message}`);
      send(response, status, { message: (error as Error).message });
    });
  });
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  options: ReceiverOptions,
  record: (body: string) => Promise<number>,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://receiver').pathname;
  const methods = ROUTES[path];
  if (methods === undefined) throw new HttpError(404, `no route ${path}`);
  const method = request.method ?? 'GET';
  if (!methods.includes(method)) {
    response.setHeader('allow', methods.join(', '));
    throw new HttpError(405, `${method} is not allowed on ${path}`);
  }
  if (path === '/health') {
    send(response, 200, { status: 'ok' });
    return;
  }
  if (path === '/notifications') {
    send(response, 200, await readNotifications(options.notificationsFile));
    return;
  }
  const body = await readBody(request, options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT);
  const alerts = await record(body);
  send(response, 200, { status: 'recorded', alerts });
}

/**
 * Validates, appends and prints one notification; returns its number of alerts. Appends are chained so
 * that concurrent notifications never interleave within the file.
 */
function recorder(options: ReceiverOptions): (body: string) => Promise<number> {
  let queue: Promise<unknown> = mkdir(dirname(options.notificationsFile), { recursive: true });
  const now = options.now ?? (() => new Date());
  return async (body) => {
    const parsed = parseWebhookBody(body);
    if (!parsed.ok) throw new HttpError(400, parsed.message);
    const line = recordLine(parsed.payload, now());
    const written = queue.then(() => appendFile(options.notificationsFile, line));
    queue = written.catch(() => undefined);
    await written;
    for (const summary of summaryLines(parsed.payload)) options.print(summary);
    return parsed.payload.alerts.length;
  };
}

/** The notifications recorded so far ([] before the first). */
export async function readNotifications(file: string): Promise<unknown[]> {
  try {
    return parseRecordedLines(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `the body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
