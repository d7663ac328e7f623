// The facts of the capacity check, read from deploy/ as Argo CD would apply it (the rendered Yandex overlay and
// the gitops manifests), the alert from the PrometheusRule generated from monitoring/, the attack's ramp through
// the Job's own settings loader: the same defaults and validation as the pods. Test and docs use only; the
// Job's image never loads this file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProjectConfig, repositoryRoot } from '@fraudops/config';
import { renderManifests, type RenderedObject } from '@fraudops/manifest-schemas';
import { SATURATION_ALERT } from '../watcher.ts';
import type { CapacityFacts } from './capacity.ts';
import { COST_PER_EVENT_FILE, parseCostPerEvent } from './cost-per-event.ts';
import { loadClusterSettings } from './settings.ts';

type Obj = RenderedObject['object'] & Record<string, unknown>;
interface Container {
  name: string;
  env?: { name: string; value?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

/** Kubernetes CPU quantity ("250m", "1", "1.5") in cores. */
export function cpuCores(quantity: string | undefined, what: string): number {
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity ?? '');
  if (match === null) throw new Error(`${what}: no CPU quantity (found ${String(quantity)})`);
  return Number(match[1]) / (match[2] === 'm' ? 1000 : 1);
}

/** Prometheus duration ("5m", "30s", "1h") in seconds. */
export function durationSeconds(text: string, what: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(text);
  if (match === null) throw new Error(`${what}: not a duration: ${text}`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}

const at = (object: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], object);

function find(objects: Obj[], kind: string, name: string): Obj {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (found === undefined) throw new Error(`deploy/: no ${kind}/${name}`);
  return found;
}

function container(pod: unknown, name: string, what: string): Container {
  const found = ((at(pod, 'containers') ?? []) as Container[]).find((c) => c.name === name);
  if (found === undefined) throw new Error(`${what}: no container ${name}`);
  return found;
}

/** The alert's threshold (the `> x` on the replica's ratio) and `for`, from the generated PrometheusRules. */
function saturationAlert(objects: Obj[]): CapacityFacts['alert'] {
  const rules = objects
    .filter((o) => o.kind === 'PrometheusRule')
    .flatMap((o) =>
      (at(o, 'spec.groups') as { rules: { alert?: string; expr: string; for?: string }[] }[]).flatMap(
        (g) => g.rules,
      ),
    );
  const rule = rules.find((r) => r.alert === SATURATION_ALERT);
  // `<...ratio_rate2m> > x`, or over a window: `max_over_time(<...max_ratio_rate2m>[1m15s]) > x`.
  const threshold = /ratio_rate2m(?:\[[^\]]*\]\))?\s*>\s*(\d+(?:\.\d+)?)/.exec(rule?.expr ?? '')?.[1];
  if (rule === undefined || threshold === undefined || rule.for === undefined)
    throw new Error(
      `deploy/: no PrometheusRule alert ${SATURATION_ALERT} with a "ratio > x" expression and a for`,
    );
  return { cpuThreshold: Number(threshold), forSeconds: durationSeconds(rule.for, SATURATION_ALERT) };
}

export function readDeployFacts(
  deployDir = join(repositoryRoot, 'deploy'),
  costFile = COST_PER_EVENT_FILE,
): CapacityFacts {
  // The base is only built into the overlay; what Argo CD applies is the overlay (and the gitops manifests).
  const objects = renderManifests(deployDir)
    .filter((o) => !o.source.startsWith('deploy/k8s/base'))
    .map((o) => o.object as Obj);
  const api = find(objects, 'Deployment', 'scoring-api');
  const hpa = find(objects, 'HorizontalPodAutoscaler', 'scoring-api');
  const scorer = find(objects, 'Deployment', 'stream-scorer');
  const cronJob = find(objects, 'CronJob', 'attack');
  const topic = find(objects, 'KafkaTopic', 'transactions');
  const jobSpec = at(cronJob, 'spec.jobTemplate.spec') as {
    parallelism?: number;
    completions?: number;
    completionMode?: string;
  };
  const attack = container(at(jobSpec, 'template.spec'), 'attack', 'CronJob/attack');
  const env = Object.fromEntries((attack.env ?? []).map((e) => [e.name, e.value]));
  const settings = loadClusterSettings(env, loadProjectConfig());
  return {
    scoringApi: {
      cpuRequestCores: cpuCores(
        container(at(api, 'spec.template.spec'), 'scoring-api', 'Deployment/scoring-api').resources?.requests
          ?.cpu,
        'Deployment/scoring-api requests.cpu',
      ),
      maxReplicas: Number(at(hpa, 'spec.maxReplicas')),
    },
    alert: saturationAlert(objects),
    streamScorer: {
      replicas: Number(at(scorer, 'spec.replicas')),
      cpuLimitCores: cpuCores(
        container(at(scorer, 'spec.template.spec'), 'stream-scorer', 'Deployment/stream-scorer').resources
          ?.limits?.cpu,
        'Deployment/stream-scorer limits.cpu',
      ),
    },
    transactionsPartitions: Number(at(topic, 'spec.partitions')),
    attack: {
      ramp: settings.ramp,
      maxDurationSeconds: settings.maxDurationSeconds,
      pods: settings.pods,
      job: {
        parallelism: jobSpec.parallelism ?? 1,
        completions: jobSpec.completions ?? 1,
        indexed: jobSpec.completionMode === 'Indexed',
      },
      cpuLimitCores: cpuCores(attack.resources?.limits?.cpu, 'CronJob/attack limits.cpu'),
    },
    cost: parseCostPerEvent(readFileSync(costFile, 'utf8'), costFile).cpuMicrosecondsPerEvent,
  };
}
