// The attack Job's process (deploy/k8s/base/attack/cronjob.yaml): `node apps/attack/src/cluster/main.ts`.
// Settings from the environment (./settings.ts); exits 0 when Alertmanager holds the alert as firing, 1 when
// MAX_DURATION_SECONDS passed first, 2 on a bad setting, 143 after SIGTERM (`kubectl delete job`), 130 after
// SIGINT. Either signal stops production at once and still prints the summary.
import { loadProjectConfig } from '@fraudops/config';
import { exitCodeFor, runClusterAttack } from './run.ts';
import {
  loadClusterSettings,
  SettingsError,
  SETTINGS_VARIABLES,
  type ClusterAttackSettings,
} from './settings.ts';

const write = (text: string): void => {
  process.stdout.write(text);
};
function fail(code: number, message: string): never {
  process.stderr.write(`attack: ${message}\n`);
  process.exit(code);
}

const abort = new AbortController();
let stoppedBy: 'SIGTERM' | 'SIGINT' = 'SIGTERM';
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    stoppedBy = signal;
    write(`${signal}: stopping the attack\n`);
    abort.abort(signal);
  });

let settings: ClusterAttackSettings;
try {
  settings = loadClusterSettings(process.env, loadProjectConfig());
} catch (error) {
  fail(2, `${(error as Error).message} (settings: ${SETTINGS_VARIABLES.join(', ')})`);
}

try {
  const result = await runClusterAttack({ settings, write, signal: abort.signal });
  // Exit now: nothing is left to wait for, and a lingering handle must not keep the Job's pod running.
  process.exit(exitCodeFor(result.outcome, stoppedBy));
} catch (error) {
  // A signal during the start-up checks is still a stop by that signal, not a bad setting.
  const code = abort.signal.aborted
    ? exitCodeFor('interrupted', stoppedBy)
    : error instanceof SettingsError
      ? 2
      : 1;
  fail(code, (error as Error).message);
}
