// The cluster attack can page: the arithmetic over deploy/ as Argo CD applies it and the CPU per event that
// bench/stream recorded. Each planted change to a copy of deploy/ that puts the page out of reach must fail
// with a finding that names what to change; docs/deploy.md carries the same table.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PAGE_HEADROOM,
  assessCapacity,
  capacityTable,
  secondsToReach,
  usableCores,
  type CapacityFacts,
} from '../../src/cluster/capacity.ts';
import { readDeployFacts } from '../../src/cluster/deploy-facts.ts';
import { ATTACK_DEFAULTS } from '../../src/ramp.ts';

const scratch = mkdtempSync(join(tmpdir(), 'attack-capacity-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** A copy of deploy/ (without Terraform) with `edit` applied to one file's text. */
function plantedDeploy(file: string, edit: (text: string) => string): string {
  const deploy = join(mkdtempSync(join(scratch, 'deploy-')), 'deploy');
  cpSync(join(repositoryRoot, 'deploy'), deploy, {
    recursive: true,
    filter: (path) => !path.includes('/terraform'),
  });
  const path = join(deploy, file);
  const text = readFileSync(path, 'utf8');
  const edited = edit(text);
  expect(edited, `the plant must change ${file}`).not.toBe(text);
  writeFileSync(path, edited);
  return deploy;
}

const facts: CapacityFacts = {
  scoringApi: { cpuRequestCores: 0.25, maxReplicas: 6 },
  alert: { cpuThreshold: 0.8, forSeconds: 300 },
  streamScorer: { replicas: 4, cpuLimitCores: 1 },
  transactionsPartitions: 6,
  attack: {
    ramp: { startRate: 10_000, stepRate: 10_000, stepSeconds: 30, maxRate: 150_000 },
    maxDurationSeconds: 1200,
    pods: 3,
    job: { parallelism: 3, completions: 3, indexed: true },
    cpuLimitCores: 1,
  },
  cost: { scoringApi: 10, streamScorer: 20, producer: 10 },
};

describe('the capacity arithmetic', () => {
  it('needs maxReplicas x request x threshold cores of replica CPU, and the headroom on top', () => {
    const a = assessCapacity(facts);
    expect(a.pageCores).toBeCloseTo(6 * 0.25 * 0.8, 12);
    // 1.2 cores at 10 µs per event.
    expect(a.pageRate).toBeCloseTo(120_000, 6);
    expect(a.neededRate).toBeCloseTo(120_000 * PAGE_HEADROOM, 6);
    // 180k is above the ramp's 150k ceiling: never reached.
    expect(a.reachesNeededAfterSeconds).toBeNull();
    expect(a.pageExpectedBySeconds).toBeNull();
    expect(secondsToReach(facts.attack.ramp, 120_000)).toBe(Math.ceil((120_000 - 10_000) / 10_000) * 30);
    expect(a.findings).toEqual([
      'the ramp tops out at 150,000 events/s, below the 180,000 events/s the page needs (120,000 events/s put 6 replicas at 80% of 250m at 10.0 µs per event, x1.5 headroom): raise MAX_RATE',
      'the stream scorer must score 180,000 events/s, 3.60 cores at 20.0 µs per event, more than its 4 replicas can put in (3.20 cores: 80% of min(limit, one thread) each): add replicas',
    ]);
  });

  it('counts at most one thread of a Node.js process, whatever its limit', () => {
    expect(usableCores(2)).toBeCloseTo(0.8, 12);
    expect(usableCores(0.5)).toBeCloseTo(0.4, 12);
  });

  it('reaches a rate on the step that crosses it, and never above the ceiling', () => {
    const ramp = { startRate: 2000, stepRate: 2000, stepSeconds: 30, maxRate: 24_000 };
    expect(secondsToReach(ramp, 1000)).toBe(0);
    expect(secondsToReach(ramp, 5000)).toBe(60);
    expect(secondsToReach(ramp, 24_000)).toBe(330);
    expect(secondsToReach(ramp, 24_001)).toBeNull();
  });
});

describe('deploy/ as Argo CD applies it', () => {
  const deployed = readDeployFacts();

  it('reads what the manifests say', () => {
    expect(deployed.scoringApi).toEqual({ cpuRequestCores: 0.25, maxReplicas: 6 });
    expect(deployed.alert).toEqual({ cpuThreshold: 0.8, forSeconds: 300 });
    expect(deployed.attack.job).toEqual({
      parallelism: deployed.attack.pods,
      completions: deployed.attack.pods,
      indexed: true,
    });
  });

  it('pages: the ramp, the attack pods, the stream scorer and the partitions all carry the needed rate', () => {
    expect(assessCapacity(deployed).findings).toEqual([]);
  });

  it('fails the ramp and the single pod the attack had before (24k events/s, one non-indexed pod)', () => {
    const before = plantedDeploy('k8s/base/attack/cronjob.yaml', (text) =>
      text
        .replace(/ {6}completionMode: Indexed\n {6}parallelism: 3\n {6}completions: 3\n/, '')
        .replace(
          / {16}- name: (START_RATE|STEP_RATE|STEP_SECONDS|MAX_RATE|ATTACK_PODS)\n {18}value: '\d+'\n/g,
          '',
        ),
    );
    expect(assessCapacity(readDeployFacts(before)).findings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^the ramp tops out at ${ATTACK_DEFAULTS.maxRate.toLocaleString('en-US')} events/s, below the [\\d,]+ events/s the page needs`,
        ),
      ),
      'the attack Job must be Indexed with parallelism = completions = ATTACK_PODS (1), found NonIndexed with parallelism 1 and completions 1: otherwise the pods do not split the ramp between them',
    ]);
  });

  it('fails a Job whose parallelism differs from ATTACK_PODS (the pods would not split the ramp)', () => {
    const planted = plantedDeploy('k8s/base/attack/cronjob.yaml', (text) =>
      text.replace('parallelism: 3', 'parallelism: 1'),
    );
    expect(assessCapacity(readDeployFacts(planted)).findings).toEqual([
      'the attack Job must be Indexed with parallelism = completions = ATTACK_PODS (3), found Indexed with parallelism 1 and completions 3: otherwise the pods do not split the ramp between them',
    ]);
  });

  it('fails too few attack pods for the ceiling', () => {
    const planted = plantedDeploy('k8s/base/attack/cronjob.yaml', (text) =>
      text
        .replace(/parallelism: 3\n {6}completions: 3/, 'parallelism: 1\n      completions: 1')
        .replace("value: '3'", "value: '1'"),
    );
    expect(assessCapacity(readDeployFacts(planted)).findings).toEqual([
      expect.stringMatching(
        /^each of the 1 attack pods must produce 150,000 events\/s, [\d.]+ cores at [\d.]+ µs per event, more than the 0\.80 cores/,
      ),
    ]);
  });

  it('fails fewer transactions partitions than stream scorer replicas', () => {
    const planted = plantedDeploy('gitops/platform/kafka/topics.yaml', (text) =>
      text.replace(
        /topicName: transactions\n {2}partitions: \d+/,
        'topicName: transactions\n  partitions: 1',
      ),
    );
    expect(assessCapacity(readDeployFacts(planted)).findings).toEqual([
      `transactions has 1 partitions for ${deployed.streamScorer.replicas} stream scorer replicas: a consumer group member without a partition idles`,
    ]);
  });

  it('fails a stream scorer with the two replicas it had before', () => {
    const planted = plantedDeploy('k8s/base/stream-scorer/deployment.yaml', (text) =>
      text.replace(/replicas: \d+/, 'replicas: 2'),
    );
    expect(assessCapacity(readDeployFacts(planted)).findings).toEqual([
      expect.stringMatching(
        /^the stream scorer must score [\d,]+ events\/s, [\d.]+ cores at [\d.]+ µs per event, more than its 2 replicas can put in/,
      ),
    ]);
  });

  it('docs/deploy.md shows the same arithmetic', () => {
    const docs = readFileSync(join(repositoryRoot, 'docs/deploy.md'), 'utf8');
    expect(docs).toContain(capacityTable(deployed, assessCapacity(deployed)));
  });
});
