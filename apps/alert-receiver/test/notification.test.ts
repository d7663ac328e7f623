import { describe, expect, it } from 'vitest';
import { parseRecordedLines, parseWebhookBody, recordLine, summaryLines } from '../src/notification.ts';
import { firingPayload } from './fixtures.ts';

/** The value, or a test failure saying what was missing. */
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing: ${what}`);
  return value;
}

describe('parseWebhookBody', () => {
  it('accepts an Alertmanager version 4 notification as it is', () => {
    const payload = firingPayload();
    expect(parseWebhookBody(JSON.stringify(payload))).toEqual({ ok: true, payload });
  });

  it.each([
    ['{not json', /not JSON/],
    ['[]', /JSON object/],
    [JSON.stringify({ ...firingPayload(), version: '3' }), /version "3"/],
    [JSON.stringify({ ...firingPayload(), status: 'pending' }), /status/],
    [JSON.stringify({ ...firingPayload(), alerts: {} }), /alerts must be an array/],
    [
      JSON.stringify({
        ...firingPayload(),
        alerts: [{ status: 'firing', labels: { a: 1 }, annotations: {} }],
      }),
      /alerts\[0\]/,
    ],
    [JSON.stringify({ ...firingPayload(), alerts: [{ status: 'firing', labels: {} }] }), /alerts\[0\]/],
  ])('refuses %s with a message saying why', (body, message) => {
    const result = parseWebhookBody(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe('summaryLines', () => {
  it('prints one line per alert with status, alert name, pod and summary', () => {
    const payload = firingPayload();
    payload.alerts.push({
      ...must(payload.alerts[0], 'the fixture alert'),
      status: 'resolved',
      labels: { alertname: 'Other' },
      annotations: {},
    });
    expect(summaryLines(payload)).toEqual([
      'FIRING   ScoringApiSaturatedAtMaxReplicas fraudops/scoring-api-c [critical]: The scoring API runs at its maximum replicas and a replica is above 80% of its CPU request.',
      'RESOLVED Other -',
    ]);
  });
});

describe('recorded lines', () => {
  it('records the whole payload with receivedAt, one line each, and reads them back', () => {
    const at = new Date('2026-11-26T15:05:00.000Z');
    const line = recordLine(firingPayload(), at);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.split('\n')).toHaveLength(2);
    expect(parseRecordedLines(line + line)).toEqual([
      { receivedAt: '2026-11-26T15:05:00.000Z', ...firingPayload() },
      { receivedAt: '2026-11-26T15:05:00.000Z', ...firingPayload() },
    ]);
  });

  it('skips a torn last line left by an interrupted append', () => {
    const line = recordLine(firingPayload(), new Date(0));
    expect(parseRecordedLines(`${line}{"receivedAt":"19`)).toHaveLength(1);
  });
});
