// The one place monitoring/src reads a secret: only for Alertmanager versions that cannot read it themselves.
import { readFileSync } from 'node:fs';
import type { TelegramOptions } from './alertmanager-config.ts';

/**
 * Telegram options with the bot token read from its file and inlined, for Alertmanager 0.25 (Debian
 * bookworm), which has no `bot_token_file`. The caller must write the rendered config with mode 0600.
 */
export function inlineTelegramToken(
  telegram: TelegramOptions,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): TelegramOptions {
  if (!('file' in telegram.botToken)) return telegram;
  const value = read(telegram.botToken.file).trim();
  if (value === '') throw new Error(`the Telegram bot token file ${telegram.botToken.file} is empty`);
  return { ...telegram, botToken: { value } };
}
