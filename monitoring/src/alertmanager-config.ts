// alertmanager.yml from options. Critical alerts page the administrator (every channel that is enabled:
// the webhook receiver, Telegram, e-mail); the rest go to a quieter receiver (webhook and e-mail, never
// Telegram: a warning should not buzz a phone). Every channel also reports resolution.
import { stringify } from 'yaml';
import { MODEL_OWNER_LABEL, RETRAIN_LABEL } from './alerts.ts';
import { scaleDuration } from './durations.ts';
import { FAST_TIME_FACTOR } from './rules-profile.ts';
import type { TimingProfile } from './rules-profile.ts';

export interface TelegramOptions {
  /** The chat (or group, negative id) that receives the pages. */
  chatId: number;
  /**
   * The bot token, from a file (`bot_token_file`, read by Alertmanager >= 0.26, e.g. a mounted Kubernetes
   * Secret) or inline. Debian bookworm's Alertmanager 0.25 has no `bot_token_file`: read the secret file
   * at start-up (`inlineTelegramToken`) and write the rendered config readable by its owner only.
   */
  botToken: { file: string } | { value: string };
  /** Another Bot API endpoint (a proxy or a test double); Alertmanager's default otherwise. */
  apiUrl?: string;
}

export interface EmailOptions {
  to: string;
  from: string;
  /** host:port of the SMTP server. */
  smarthost: string;
  authUsername?: string;
  /** A file holding the SMTP password (a mounted secret); never the password itself. */
  authPasswordFile?: string;
  /** STARTTLS required (Alertmanager's default: true); false only for a local relay. */
  requireTls?: boolean;
}

export interface AlertmanagerOptions {
  profile: TimingProfile;
  /** The fast profile's factor; defaults to FAST_TIME_FACTOR. */
  timeFactor?: number;
  /** The embedded stack's webhook receiver (always on locally); optional in a cluster. */
  webhookUrl?: string;
  /** The retraining trigger's webhook (ml/src/fraudops_ml/retraining/trigger.py): alerts labelled RETRAIN_LABEL. */
  retrainWebhookUrl?: string;
  telegram?: TelegramOptions;
  email?: EmailOptions;
}

export const ADMINISTRATOR_RECEIVER = 'administrator';
export const LOW_PRIORITY_RECEIVER = 'operations';
/**
 * A critical alert about the model's answers (FraudModelQualityDegraded: MODEL_OWNER_LABEL) pages whoever owns
 * the model, not the administrator: the service runs, its answers got worse. The webhook and e-mail, no Telegram.
 * Its warnings (drift) go to operations like every other warning.
 */
export const MODEL_OWNER_RECEIVER = 'model-owner';
/**
 * Alerts labelled RETRAIN_LABEL (quality and drift) also go to the retraining trigger, which starts the retraining
 * DAG: a route of its own, first and with `continue: true`, so that they still reach their usual receiver.
 */
export const RETRAINING_RECEIVER = 'retraining';
/**
 * One notification per alert name and namespace, not per replica: an incident that touches several replicas
 * (ScoringApiReplicaDown for three of them, or any per-pod alert) reaches the administrator as one group
 * listing them, and later changes come at most every group_interval. The page itself is one alert per
 * namespace already (monitoring/rules/scoring-api.rules.yaml); this keeps "one incident pages once" for
 * every alert. The cluster's AlertmanagerConfig (deploy/gitops/platform/alerting/administrator.yaml) uses
 * the same list (packages/gitops/test/gitops.test.ts compares them).
 */
export const GROUP_BY = ['alertname', 'namespace'] as const;

/**
 * Prod timings: first notification 30s after a group appears (lets a burst of replicas group), changes
 * every 5m, a reminder every 4h. The fast profile divides them by its factor (3s, 30s, 24m).
 */
export const PROD_TIMINGS = { groupWait: '30s', groupInterval: '5m', repeatInterval: '4h' } as const;

export interface Timings {
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
}

export function alertmanagerTimings(profile: TimingProfile, factor = FAST_TIME_FACTOR): Timings {
  if (profile === 'prod') return { ...PROD_TIMINGS };
  return {
    groupWait: scaleDuration(PROD_TIMINGS.groupWait, factor),
    groupInterval: scaleDuration(PROD_TIMINGS.groupInterval, factor),
    repeatInterval: scaleDuration(PROD_TIMINGS.repeatInterval, factor),
  };
}

/** The alertmanager.yml text for these options; throws naming the first invalid option. */
export function renderAlertmanagerConfig(options: AlertmanagerOptions): string {
  validate(options);
  const timings = alertmanagerTimings(options.profile, options.timeFactor);
  const webhook = options.webhookUrl === undefined ? [] : [{ url: options.webhookUrl, send_resolved: true }];
  const email = options.email === undefined ? [] : [emailConfig(options.email)];
  const telegram = options.telegram === undefined ? [] : [telegramConfig(options.telegram)];
  const retrain = options.retrainWebhookUrl;
  const retrainRoute =
    retrain === undefined
      ? []
      : [
          {
            receiver: RETRAINING_RECEIVER,
            matchers: [`${RETRAIN_LABEL.name}="${RETRAIN_LABEL.value}"`],
            continue: true,
          },
        ];
  // Resolutions start nothing: the trigger only needs firing alerts.
  const retrainReceiver =
    retrain === undefined
      ? []
      : [{ name: RETRAINING_RECEIVER, webhook_configs: [{ url: retrain, send_resolved: false }] }];
  const config = {
    route: {
      receiver: LOW_PRIORITY_RECEIVER,
      group_by: [...GROUP_BY],
      group_wait: timings.groupWait,
      group_interval: timings.groupInterval,
      repeat_interval: timings.repeatInterval,
      // First match wins: the model's page before the administrator's.
      routes: [
        ...retrainRoute,
        {
          receiver: MODEL_OWNER_RECEIVER,
          matchers: [`${MODEL_OWNER_LABEL.name}="${MODEL_OWNER_LABEL.value}"`, 'severity="critical"'],
        },
        { receiver: ADMINISTRATOR_RECEIVER, matchers: ['severity="critical"'] },
      ],
    },
    // A receiver with no channel is valid: it drops what reaches it (a cluster without any channel yet).
    receivers: [
      { name: ADMINISTRATOR_RECEIVER, ...channels(webhook, telegram, email) },
      { name: LOW_PRIORITY_RECEIVER, ...channels(webhook, [], email) },
      { name: MODEL_OWNER_RECEIVER, ...channels(webhook, [], email) },
      ...retrainReceiver,
    ],
  };
  return `# Rendered by fraudops (monitoring/src/alertmanager-config.ts), ${options.profile} profile; edits are overwritten.\n${stringify(config)}`;
}

function channels(
  webhook: readonly object[],
  telegram: readonly object[],
  email: readonly object[],
): Record<string, readonly object[]> {
  const out: Record<string, readonly object[]> = {};
  if (webhook.length > 0) out.webhook_configs = webhook;
  if (telegram.length > 0) out.telegram_configs = telegram;
  if (email.length > 0) out.email_configs = email;
  return out;
}

function telegramConfig(t: TelegramOptions): Record<string, unknown> {
  return {
    ...('file' in t.botToken ? { bot_token_file: t.botToken.file } : { bot_token: t.botToken.value }),
    chat_id: t.chatId,
    ...(t.apiUrl === undefined ? {} : { api_url: t.apiUrl }),
    parse_mode: 'HTML',
    send_resolved: true,
  };
}

function emailConfig(e: EmailOptions): Record<string, unknown> {
  return {
    to: e.to,
    from: e.from,
    smarthost: e.smarthost,
    ...(e.authUsername === undefined ? {} : { auth_username: e.authUsername }),
    ...(e.authPasswordFile === undefined ? {} : { auth_password_file: e.authPasswordFile }),
    ...(e.requireTls === undefined ? {} : { require_tls: e.requireTls }),
    send_resolved: true,
  };
}

function validate(options: AlertmanagerOptions): void {
  for (const key of ['webhookUrl', 'retrainWebhookUrl'] as const) {
    const url = options[key];
    if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url))
      throw new Error(`${key} must be an http(s) URL, not "${url}"`);
  }
  const { telegram, email } = options;
  if (telegram !== undefined) {
    if (!Number.isSafeInteger(telegram.chatId) || telegram.chatId === 0)
      throw new Error(`telegram.chatId must be a non-zero integer, not ${telegram.chatId}`);
    const token = 'file' in telegram.botToken ? telegram.botToken.file : telegram.botToken.value;
    if (token.trim() === '') throw new Error('telegram.botToken must not be empty');
  }
  if (email !== undefined) {
    for (const key of ['to', 'from'] as const)
      if (!/^[^\s@]+@[^\s@]+$/.test(email[key]))
        throw new Error(`email.${key} must be an address, not "${email[key]}"`);
    if (!/^[^\s:]+:\d+$/.test(email.smarthost))
      throw new Error(`email.smarthost must be host:port, not "${email.smarthost}"`);
    if (email.authPasswordFile !== undefined && email.authUsername === undefined)
      throw new Error('email.authPasswordFile needs email.authUsername');
  }
}
