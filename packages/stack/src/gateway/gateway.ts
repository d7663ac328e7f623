// Writes the gateway's nginx config and asks a running nginx to reload it. nginx reloads gracefully: new
// workers take the new upstreams, old workers finish the requests they hold.
import { mkdirSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { renderNginxConfig, type GatewaySettings } from './nginx-config.ts';

export async function writeGatewayConfig(configFile: string, settings: GatewaySettings): Promise<void> {
  mkdirSync(dirname(configFile), { recursive: true });
  const temporary = `${configFile}.tmp`;
  await writeFile(temporary, renderNginxConfig(settings));
  await rename(temporary, configFile);
}

/** Sends SIGHUP to the nginx master named in its pid file; false when nginx is not running. */
export async function reloadGateway(pidFile: string): Promise<boolean> {
  let pid: number;
  try {
    pid = Number.parseInt(await readFile(pidFile, 'utf8'), 10);
  } catch {
    return false;
  }
  try {
    process.kill(pid, 'SIGHUP');
    return true;
  } catch {
    return false;
  }
}
