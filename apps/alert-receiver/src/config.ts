// The receiver's settings: environment variables with defaults from fraudops.config.json (`stack.receiver`).
import { resolve } from 'node:path';
import { loadProjectConfig } from '@fraudops/config';

export interface ReceiverConfig {
  host: string;
  port: number;
  notificationsFile: string;
}

/** HOST, PORT and NOTIFICATIONS_FILE override the config file's `stack.receiver`. */
export function loadReceiverConfig(env: NodeJS.ProcessEnv = process.env): ReceiverConfig {
  const defaults = loadProjectConfig(env).stack.receiver;
  const port = env.PORT === undefined ? defaults.port : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be an integer from 0 to 65535, not "${env.PORT ?? ''}"`);
  if (env.NOTIFICATIONS_FILE === '') throw new Error('NOTIFICATIONS_FILE must not be empty');
  return {
    host: env.HOST ?? defaults.host,
    port,
    // The config's path is already absolute (resolved against the repository root); an override is taken
    // relative to the working directory, as a shell user would expect.
    notificationsFile:
      env.NOTIFICATIONS_FILE === undefined ? defaults.notificationsFile : resolve(env.NOTIFICATIONS_FILE),
  };
}
