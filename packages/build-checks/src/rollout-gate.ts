// Only a commit that passed CI reaches the cluster: images.yml must start when the `ci` workflow completes on
// main (never on a push of its own, which would build and roll out a red commit), build nothing unless that run
// succeeded, and build and tag exactly the commit `ci` tested.
import { parse as parseYaml } from 'yaml';
import type { Finding } from './dockerfile-policy.ts';

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  steps?: Step[];
}
interface Workflow {
  name?: string;
  on?: Record<string, unknown>;
  env?: Record<string, string>;
  jobs?: Record<string, Job>;
}

const HEAD_SHA = '${{ github.event.workflow_run.head_sha }}';

/** Findings for images.yml (`file`) given the text of the CI workflow it must wait for. */
export function checkRolloutGate(file: string, imagesText: string, ciText: string): Finding[] {
  const images = parseYaml(imagesText) as Workflow;
  const ci = parseYaml(ciText) as Workflow;
  const findings: Finding[] = [];
  const add = (rule: string, message: string): void => {
    findings.push({ file, line: 1, rule, message });
  };
  const triggers = Object.keys(images.on ?? {});
  if (triggers.join() !== 'workflow_run') {
    add(
      'rollout-after-ci',
      `starts on ${triggers.join(', ')}: it must start only on workflow_run of ${ci.name}`,
    );
  }
  const run = (images.on?.['workflow_run'] ?? {}) as {
    workflows?: string[];
    types?: string[];
    branches?: string[];
  };
  if (JSON.stringify(run.workflows) !== JSON.stringify([ci.name])) {
    add('rollout-after-ci', `workflow_run.workflows must be [${ci.name}] (the CI workflow's name)`);
  }
  if (JSON.stringify(run.types) !== '["completed"]')
    add('rollout-after-ci', 'workflow_run.types must be [completed]');
  if (JSON.stringify(run.branches) !== '["main"]')
    add('rollout-after-ci', 'workflow_run.branches must be [main]');

  const jobs = images.jobs ?? {};
  const needs = (job: Job): string[] => (job.needs === undefined ? [] : [job.needs].flat());
  for (const [name, job] of Object.entries(jobs).filter(([, job]) => needs(job).length === 0)) {
    if (!/github\.event\.workflow_run\.conclusion == 'success'/.test(job.if ?? '')) {
      add(
        'rollout-only-green',
        `job ${name} runs even when ${ci.name} failed: add if: github.event.workflow_run.conclusion == 'success'`,
      );
    }
  }
  if (images.env?.['COMMIT'] !== HEAD_SHA) {
    add('build-tested-commit', `env.COMMIT must be ${HEAD_SHA}, the commit ${ci.name} tested`);
  }
  for (const [name, job] of Object.entries(jobs)) {
    for (const step of job.steps ?? []) {
      if (step.uses?.startsWith('actions/checkout@') && step.with?.['ref'] === undefined) {
        add(
          'build-tested-commit',
          `job ${name} checks out the default ref, not the commit ${ci.name} tested`,
        );
      }
      const tags = step.with?.['tags'];
      if (typeof tags === 'string' && !tags.includes('${{ env.COMMIT }}')) {
        add('build-tested-commit', `job ${name} tags images with ${tags}, not the commit ${ci.name} tested`);
      }
    }
  }
  return findings;
}
