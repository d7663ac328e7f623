import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { alertmanagerTimings, renderAlertmanagerConfig } from '../src/alertmanager-config.ts';
import type { AlertmanagerOptions } from '../src/alertmanager-config.ts';
import { inlineTelegramToken } from '../src/secrets.ts';
import { amtoolName, must, prometheusToolsets, runTool, versionAtLeast } from './support/tools.ts';

const scratch = mkdtempSync(join(tmpdir(), 'fraudops-alertmanager-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});
const secretFile = join(scratch, 'secret');
writeFileSync(secretFile, '123456:telegram-token-for-tests\n', { mode: 0o600 });

const webhookUrl = 'http://127.0.0.1:19095/alerts';
const telegram = { chatId: -1001234567890, botToken: { value: '123456:telegram-token-for-tests' } };
const email = {
  to: 'admin@example.org',
  from: 'fraudops@example.org',
  smarthost: 'smtp.example.org:587',
  authUsername: 'fraudops',
  authPasswordFile: secretFile,
};

interface Receiver {
  name: string;
  webhook_configs?: Record<string, unknown>[];
  telegram_configs?: Record<string, unknown>[];
  email_configs?: Record<string, unknown>[];
}
interface Config {
  route: Record<string, unknown> & { routes: Record<string, unknown>[] };
  receivers: Receiver[];
}

const render = (options: AlertmanagerOptions): Config => parse(renderAlertmanagerConfig(options)) as Config;
const receiver = (config: Config, name: string): Receiver =>
  must(
    config.receivers.find((r) => r.name === name),
    `receiver ${name}`,
  );

const combinations: [string, AlertmanagerOptions][] = [
  ['webhook only, prod', { profile: 'prod', webhookUrl }],
  ['webhook only, fast', { profile: 'fast', webhookUrl }],
  [
    'webhook and the retraining trigger',
    { profile: 'fast', webhookUrl, retrainWebhookUrl: 'http://127.0.0.1:19104/alerts' },
  ],
  ['webhook and Telegram', { profile: 'fast', webhookUrl, telegram }],
  ['webhook and e-mail', { profile: 'prod', webhookUrl, email }],
  [
    'webhook, Telegram and e-mail',
    { profile: 'prod', webhookUrl, telegram, email: { ...email, requireTls: false } },
  ],
  ['no channel at all (a cluster before its secrets exist)', { profile: 'prod' }],
  [
    'Telegram token inlined from its file (Alertmanager 0.25)',
    {
      profile: 'prod',
      webhookUrl,
      telegram: inlineTelegramToken({ chatId: 42, botToken: { file: secretFile } }),
    },
  ],
];

// Alertmanager reads `bot_token_file` from 0.26 on; Debian bookworm's 0.25 cannot (the embedded stack inlines
// the token instead, see inlineTelegramToken).
const BOT_TOKEN_FILE_SINCE = '0.26.0';

// Every configuration under each Alertmanager that runs it: the embedded stack's and the cluster's.
describe.each(prometheusToolsets().map((t) => [amtoolName(t), t] as const))('%s', (_name, tools) => {
  it.each(combinations)('%s passes amtool check-config', (name, options) => {
    const path = join(scratch, `${tools.runsIn.replace(' ', '-')}-${name.replace(/\W+/g, '-')}.yml`);
    writeFileSync(path, renderAlertmanagerConfig(options));
    const result = runTool(tools.amtool, ['check-config', path]);
    expect(result.status, `amtool check-config failed:\n${result.output}`).toBe(0);
  });

  // Reported as skipped, not passed, where this Alertmanager cannot read the setting.
  const reads = versionAtLeast(tools.amtoolVersion, BOT_TOKEN_FILE_SINCE);
  it.skipIf(!reads)(
    `accepts bot_token_file${reads ? '' : ` (skipped: amtool ${tools.amtoolVersion} predates ${BOT_TOKEN_FILE_SINCE}, which added it)`}`,
    () => {
      const path = join(scratch, `${tools.runsIn.replace(' ', '-')}-token-file.yml`);
      writeFileSync(
        path,
        renderAlertmanagerConfig({
          profile: 'prod',
          telegram: { chatId: 42, botToken: { file: secretFile } },
        }),
      );
      const result = runTool(tools.amtool, ['check-config', path]);
      expect(result.status, result.output).toBe(0);
    },
  );
});

describe('renderAlertmanagerConfig', () => {
  it('writes bot_token_file when the token is a file', () => {
    const config = render({ profile: 'prod', telegram: { chatId: 42, botToken: { file: secretFile } } });
    expect(receiver(config, 'administrator').telegram_configs).toEqual([
      { bot_token_file: secretFile, chat_id: 42, parse_mode: 'HTML', send_resolved: true },
    ]);
  });

  it("routes the model's page to its owner, other critical alerts to the administrator and the rest to operations, grouped per alert and namespace, not per replica", () => {
    const config = render({ profile: 'prod', webhookUrl, telegram, email });
    expect(config.route).toMatchObject({
      receiver: 'operations',
      group_by: ['alertname', 'namespace'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { receiver: 'model-owner', matchers: ['owner="model"', 'severity="critical"'] },
        { receiver: 'administrator', matchers: ['severity="critical"'] },
      ],
    });
    expect(
      render({ profile: 'prod', webhookUrl, retrainWebhookUrl: 'http://127.0.0.1:19104/alerts' }).route
        .routes,
    ).toEqual([
      // First, and on to the next routes: a quality or drift alert also reaches its usual receiver.
      { receiver: 'retraining', matchers: ['retrain="true"'], continue: true },
      { receiver: 'model-owner', matchers: ['owner="model"', 'severity="critical"'] },
      { receiver: 'administrator', matchers: ['severity="critical"'] },
    ]);
    // The model's owner is reached like operations (no phone buzz from Telegram), but on its own receiver.
    const owner = receiver(config, 'model-owner');
    expect(owner.telegram_configs).toBeUndefined();
    expect(owner.email_configs).toEqual(receiver(config, 'operations').email_configs);
    expect(owner.webhook_configs).toEqual([{ url: webhookUrl, send_resolved: true }]);
  });

  it('pages on every enabled channel for critical alerts, never Telegram for the rest, always with resolutions', () => {
    const config = render({ profile: 'prod', webhookUrl, telegram, email });
    const admin = receiver(config, 'administrator');
    expect(admin.webhook_configs).toEqual([{ url: webhookUrl, send_resolved: true }]);
    expect(admin.telegram_configs).toEqual([
      {
        bot_token: telegram.botToken.value,
        chat_id: telegram.chatId,
        parse_mode: 'HTML',
        send_resolved: true,
      },
    ]);
    expect(admin.email_configs).toEqual([
      {
        to: email.to,
        from: email.from,
        smarthost: email.smarthost,
        auth_username: email.authUsername,
        auth_password_file: email.authPasswordFile,
        send_resolved: true,
      },
    ]);
    const operations = receiver(config, 'operations');
    expect(operations.telegram_configs).toBeUndefined();
    expect(operations.webhook_configs).toEqual(admin.webhook_configs);
    expect(operations.email_configs).toEqual(admin.email_configs);
  });

  it('has no channel that was not enabled', () => {
    const config = render({ profile: 'prod', webhookUrl });
    expect(Object.keys(receiver(config, 'administrator')).sort()).toEqual(['name', 'webhook_configs']);
  });

  it('compresses the timings by the fast factor', () => {
    expect(alertmanagerTimings('fast')).toEqual({
      groupWait: '3s',
      groupInterval: '30s',
      repeatInterval: '24m',
    });
    expect(render({ profile: 'fast', webhookUrl }).route).toMatchObject({
      group_wait: '3s',
      group_interval: '30s',
      repeat_interval: '24m',
    });
    expect(alertmanagerTimings('fast', 30)).toEqual({
      groupWait: '1s',
      groupInterval: '10s',
      repeatInterval: '8m',
    });
  });

  it.each([
    [{ profile: 'prod', webhookUrl: 'localhost:19095' }, /webhookUrl/],
    [{ profile: 'prod', retrainWebhookUrl: '127.0.0.1:19104/alerts' }, /retrainWebhookUrl/],
    [{ profile: 'prod', telegram: { chatId: 0, botToken: { value: 'x' } } }, /chatId/],
    [{ profile: 'prod', telegram: { chatId: 1, botToken: { value: ' ' } } }, /botToken/],
    [{ profile: 'prod', email: { ...email, to: 'admin' } }, /email\.to/],
    [{ profile: 'prod', email: { ...email, smarthost: 'smtp.example.org' } }, /smarthost/],
    [
      {
        profile: 'prod',
        email: { to: email.to, from: email.from, smarthost: email.smarthost, authPasswordFile: secretFile },
      },
      /authUsername/,
    ],
  ] as [AlertmanagerOptions, RegExp][])('refuses invalid options (%#)', (options, message) => {
    expect(() => renderAlertmanagerConfig(options)).toThrow(message);
  });
});

describe('inlineTelegramToken', () => {
  it('reads the token file, trims it, and leaves inline tokens alone', () => {
    expect(inlineTelegramToken({ chatId: 1, botToken: { file: secretFile } }).botToken).toEqual({
      value: '123456:telegram-token-for-tests',
    });
    expect(inlineTelegramToken(telegram)).toBe(telegram);
    expect(() => inlineTelegramToken({ chatId: 1, botToken: { file: 'x' } }, () => '\n')).toThrow(/empty/);
  });
});
