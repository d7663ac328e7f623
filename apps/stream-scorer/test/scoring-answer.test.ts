import { describe, expect, it } from 'vitest';
import { attributeRejection, readAnswer } from '../src/scoring-answer.ts';

const score = (id: number) => ({
  transaction_id: id,
  fraud_probability: 0.25,
  is_fraud: false,
  model_version: 'v1',
});
const body = (value: unknown): string => JSON.stringify(value);

describe('attributeRejection', () => {
  it('blames the items the 400 points at, with the pointer made relative to the item', () => {
    const reasons = attributeRejection(
      {
        message: 'body/transactions/1/tx_amount must be number (and 2 more problems)',
        errors: [
          { field: '/transactions/1/tx_amount', message: 'must be number' },
          { field: '/transactions/4/merchant', message: 'is not an allowed field' },
          { field: '/transactions/1/customer_id', message: 'is required' },
        ],
      },
      5,
    );
    expect(reasons).toEqual(
      new Map([
        [1, '/tx_amount must be number; /customer_id is required'],
        [4, '/merchant is not an allowed field'],
      ]),
    );
  });

  it('blames a whole item when the pointer is the item itself', () => {
    expect(
      attributeRejection({ errors: [{ field: '/transactions/0', message: 'must be object' }] }, 1),
    ).toEqual(new Map([[0, '/ must be object']]));
  });

  it.each([
    ['no errors list', { message: 'bad' }],
    ['an empty errors list', { errors: [] }],
    [
      'a problem with the envelope',
      { errors: [{ field: '/transactions', message: 'must NOT have more than 1000 items' }] },
    ],
    ['a problem with the body itself', { errors: [{ field: '', message: 'must be object' }] }],
    [
      'one unattributable problem among item problems',
      {
        errors: [
          { field: '/transactions/0/x', message: 'y' },
          { field: '/foo', message: 'is not an allowed field' },
        ],
      },
    ],
    [
      'an index past the batch',
      { errors: [{ field: '/transactions/3/tx_amount', message: 'must be number' }] },
    ],
    ['a field that is not a string', { errors: [{ field: 3, message: 'x' }] }],
    ['not an object', 'Bad Request'],
  ])('blames no item for %s', (_name, answer) => {
    expect(attributeRejection(answer, 3)).toBeNull();
  });
});

describe('readAnswer', () => {
  it('takes a 200 with one score per transaction, in order', () => {
    expect(readAnswer(200, body({ model_version: 'v1', scores: [score(7), score(8)] }), [7, 8])).toEqual({
      kind: 'scored',
      scores: [score(7), score(8)],
    });
  });

  it.each([
    ['too few scores', { scores: [score(7)] }],
    ['scores in another order', { scores: [score(8), score(7)] }],
    ['a score without a probability', { scores: [score(7), { ...score(8), fraud_probability: null }] }],
    ['no scores', { model_version: 'v1' }],
  ])('retries a 200 with %s as the server’s fault, never writing a wrong score', (_name, answer) => {
    expect(readAnswer(200, body(answer), [7, 8])).toMatchObject({ kind: 'retry', cause: 'server_error' });
  });

  it('turns an attributable 400 into rejected items and any other 400 into a rejection of all', () => {
    expect(
      readAnswer(
        400,
        body({ message: 'm', errors: [{ field: '/transactions/1/tx_amount', message: 'must be number' }] }),
        [1, 2],
      ),
    ).toEqual({ kind: 'rejected_items', reasons: new Map([[1, '/tx_amount must be number']]) });
    expect(readAnswer(400, body({ statusCode: 400, message: 'body is not valid JSON' }), [1, 2])).toEqual({
      kind: 'rejected_all',
      reason: 'body is not valid JSON',
    });
    expect(readAnswer(400, '', [1])).toEqual({ kind: 'rejected_all', reason: 'HTTP 400 without a message' });
  });

  it('retries 429 as rate_limited and 5xx, unexpected statuses and proxy pages as server_error', () => {
    expect(readAnswer(429, body({ message: 'at its limit' }), [1])).toEqual({
      kind: 'retry',
      cause: 'rate_limited',
      detail: 'HTTP 429: at its limit',
    });
    expect(readAnswer(503, body({ message: 'no valid model is loaded yet' }), [1])).toEqual({
      kind: 'retry',
      cause: 'server_error',
      detail: 'HTTP 503: no valid model is loaded yet',
    });
    expect(readAnswer(502, '<html>Bad Gateway</html>', [1])).toEqual({
      kind: 'retry',
      cause: 'server_error',
      detail: 'HTTP 502: <html>Bad Gateway</html>',
    });
    // A wrong URL must not dead-letter valid events: they wait for the fix.
    expect(readAnswer(404, body({ message: 'no route' }), [1])).toMatchObject({
      kind: 'retry',
      cause: 'server_error',
    });
  });
});
