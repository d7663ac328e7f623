// The two timing profiles. `prod` keeps the brief's real timings (the 5-minute alert, Kubernetes HPA
// defaults); `fast` compresses every duration by the same factor so that tests and quick demos see the
// whole story in minutes. Rule and manifest files on disk stay the one source: they are scaled when loaded.
import { FAST_TIME_FACTOR } from '@fraudops/monitoring';

export type ProfileName = 'prod' | 'fast';

export interface Profile {
  name: ProfileName;
  /** Every duration of rules, HPA behavior and Alertmanager timings is divided by this. */
  speedup: number;
  scrapeInterval: string;
  evaluationInterval: string;
  /** How often the HPA twin evaluates (the HPA controller's --horizontal-pod-autoscaler-sync-period). */
  autoscalerSyncSeconds: number;
  /**
   * Prometheus' --rules.alert.resend-delay. Its default (1m) is as long as the whole fast alert: an alert
   * sent before Prometheus found Alertmanager would wait a minute to be sent again.
   */
  alertResendDelay: string;
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  prod: {
    name: 'prod',
    speedup: 1,
    scrapeInterval: '15s',
    evaluationInterval: '15s',
    autoscalerSyncSeconds: 15,
    alertResendDelay: '1m',
  },
  // Scrape and evaluate at least 4 times within the shortest scaled window (2m / 10 = 12 s).
  fast: {
    name: 'fast',
    speedup: FAST_TIME_FACTOR,
    scrapeInterval: '1s',
    evaluationInterval: '1s',
    autoscalerSyncSeconds: 2,
    alertResendDelay: '3s',
  },
};

export function profileNamed(name: string): Profile {
  if (name === 'prod' || name === 'fast') return PROFILES[name];
  throw new Error(`unknown timing profile "${name}": use prod or fast`);
}
