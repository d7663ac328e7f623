import { setTimeout as sleep } from 'node:timers/promises';

/** True when the URL answers 2xx within the timeout; any error or other status is false. */
export async function httpOk(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Polls a URL until it answers 2xx; throws after the timeout with the last answer or error.
 * `stillRunning` lets the caller stop waiting early when the process it waits for has died.
 */
export async function waitForHttpOk(
  url: string,
  { timeoutMs, stillRunning = () => true }: { timeoutMs: number; stillRunning?: () => boolean },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!stillRunning()) throw new Error(`the process behind ${url} exited (last answer: ${last})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`${url} was not ready after ${Math.round(timeoutMs / 1000)} s (last answer: ${last})`);
}
