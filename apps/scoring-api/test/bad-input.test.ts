// Every class of bad input gets a 4xx whose message names the field, never a 5xx, and never an error log.
import { Writable } from 'node:stream';
import type { Transaction } from '@fraudops/contracts';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { replayTransactions, testConfig, trainedModelDir, unlabelled } from './support/fixtures.ts';

const BATCH_MAX_ITEMS = 20;
const BODY_LIMIT_BYTES = 64 * 1024;

let app: FastifyInstance;
let valid: Transaction;
const logLevels: number[] = [];

beforeAll(async () => {
  const logSink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        logLevels.push((JSON.parse(line) as { level: number }).level);
      done();
    },
  });
  app = await buildApp(
    testConfig(`file:${trainedModelDir()}`, { BATCH_MAX_ITEMS, BODY_LIMIT_BYTES, LOG_LEVEL: 'info' }),
    { level: 'info', stream: logSink },
  );
  await app.ready();
  await app.models.refresh();
  valid = unlabelled((await replayTransactions(1))[0] as Transaction);
});
afterAll(() => app.close());

const json = (body: unknown): string => JSON.stringify(body);
const withField = (field: string, value: unknown): string => json({ ...valid, [field]: value });
const without = (field: string): string =>
  json(Object.fromEntries(Object.entries(valid).filter(([name]) => name !== field)));

interface Case {
  name: string;
  url?: string;
  contentType?: string;
  body: () => string;
  status: number;
  /** What the message must contain: the field, or the nature of the problem. */
  mentions: string[];
}

const cases: Case[] = [
  { name: 'malformed JSON', body: () => '{"transaction_id": 1,', status: 400, mentions: ['JSON'] },
  {
    name: 'NaN literal',
    body: () => json(valid).replace(/"tx_amount":[^,]+/, '"tx_amount":NaN'),
    status: 400,
    mentions: ['JSON'],
  },
  {
    name: 'Infinity literal',
    body: () => json(valid).replace(/"tx_amount":[^,]+/, '"tx_amount":Infinity'),
    status: 400,
    mentions: ['JSON'],
  },
  {
    name: 'a number too large to be finite (1e999)',
    body: () => json(valid).replace(/"tx_amount":[^,]+/, '"tx_amount":1e999'),
    status: 400,
    mentions: ['/tx_amount'],
  },
  {
    name: 'missing field',
    body: () => without('tx_amount'),
    status: 400,
    mentions: ['/tx_amount', 'required'],
  },
  {
    name: 'missing feature',
    body: () => without('terminal_id_risk_30day_window'),
    status: 400,
    mentions: ['/terminal_id_risk_30day_window', 'required'],
  },
  {
    name: 'extra field',
    body: () => withField('card_pin', 1234),
    status: 400,
    mentions: ['/card_pin', 'not an allowed field'],
  },
  {
    name: 'amount as a string',
    body: () => withField('tx_amount', '12.50'),
    status: 400,
    mentions: ['/tx_amount', 'number'],
  },
  {
    name: 'count as a float',
    body: () => withField('customer_id_nb_tx_7day_window', 2.5),
    status: 400,
    mentions: ['/customer_id_nb_tx_7day_window', 'integer'],
  },
  {
    name: 'id as null',
    body: () => withField('transaction_id', null),
    status: 400,
    mentions: ['/transaction_id'],
  },
  {
    name: 'negative amount',
    body: () => withField('tx_amount', -5),
    status: 400,
    mentions: ['/tx_amount', '>= 0'],
  },
  {
    name: 'absurd amount',
    body: () => withField('tx_amount', 5e9),
    status: 400,
    mentions: ['/tx_amount', '<= 1000000'],
  },
  {
    name: 'risk above 1',
    body: () => withField('terminal_id_risk_7day_window', 1.5),
    status: 400,
    mentions: ['/terminal_id_risk_7day_window'],
  },
  {
    name: 'flag outside 0/1',
    body: () => withField('tx_during_night', 2),
    status: 400,
    mentions: ['/tx_during_night', 'one of 0, 1'],
  },
  {
    name: 'unparseable datetime',
    body: () => withField('tx_datetime', 'yesterday'),
    status: 400,
    mentions: ['/tx_datetime'],
  },
  {
    name: 'datetime out of range (month 99)',
    body: () => withField('tx_datetime', '2018-99-99 99:99:99'),
    status: 400,
    mentions: ['/tx_datetime'],
  },
  { name: 'body is an array', body: () => json([valid]), status: 400, mentions: ['body', 'object'] },
  {
    name: 'prototype pollution',
    body: () => json(valid).replace('{', '{"__proto__":{"polluted":true},'),
    status: 400,
    mentions: ['prototype'],
  },
  { name: 'empty body', body: () => '', status: 400, mentions: ['empty'] },
  {
    name: 'wrong content type',
    contentType: 'text/plain',
    body: () => json(valid),
    status: 415,
    mentions: ['text/plain'],
  },
  {
    name: 'form content type',
    contentType: 'application/x-www-form-urlencoded',
    body: () => 'tx_amount=5',
    status: 415,
    mentions: ['application/x-www-form-urlencoded'],
  },
  {
    name: 'oversize body',
    body: () => json({ ...valid, padding: 'x'.repeat(BODY_LIMIT_BYTES) }),
    status: 413,
    mentions: ['too large'],
  },
  {
    name: 'batch over the limit',
    url: '/predict/batch',
    body: () => json({ transactions: Array.from({ length: BATCH_MAX_ITEMS + 1 }, () => valid) }),
    status: 400,
    mentions: ['/transactions', `${BATCH_MAX_ITEMS} items`],
  },
  {
    name: 'empty batch',
    url: '/predict/batch',
    body: () => json({ transactions: [] }),
    status: 400,
    mentions: ['/transactions', 'fewer than 1'],
  },
  {
    name: 'batch without its list',
    url: '/predict/batch',
    body: () => json(valid),
    status: 400,
    mentions: ['/transactions', 'required'],
  },
  {
    name: 'one bad item in a batch',
    url: '/predict/batch',
    body: () => json({ transactions: [valid, valid, valid, { ...valid, tx_amount: -1 }] }),
    status: 400,
    mentions: ['/transactions/3/tx_amount'],
  },
];

describe('bad input', () => {
  it.each(cases)(
    '$name → $status naming the problem',
    async ({ url = '/predict', contentType = 'application/json', body, status, mentions }) => {
      const response = await app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': contentType },
        payload: body(),
      });
      expect(response.statusCode).toBe(status);
      const { message } = response.json<{ message: string }>();
      for (const mention of mentions) expect(message).toContain(mention);
    },
  );

  it('lists every problem of a request, one per field', async () => {
    const body = json({ ...valid, tx_amount: -1, tx_during_weekend: 3, extra: true });
    const response = await app.inject({
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    const fields = response.json<{ errors: { field: string }[] }>().errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['/tx_amount', '/tx_during_weekend', '/extra']));
  });

  it('lists at most 20 problems, however many a batch has, and counts them all in the message', async () => {
    const bad = json({
      transactions: Array.from({ length: BATCH_MAX_ITEMS }, () => ({ ...valid, tx_amount: -1, extra: 1 })),
    });
    const response = await app.inject({
      method: 'POST',
      url: '/predict/batch',
      headers: { 'content-type': 'application/json' },
      payload: bad,
    });
    const body = response.json<{ message: string; errors: unknown[] }>();
    expect(body.errors).toHaveLength(20);
    expect(body.message).toContain(`(and ${2 * BATCH_MAX_ITEMS - 1} more problems)`);
  });

  it('never logs a client error at error level (pino level >= 50)', () => {
    expect(logLevels.length).toBeGreaterThan(0);
    expect(logLevels.filter((level) => level >= 50)).toEqual([]);
  });
});
