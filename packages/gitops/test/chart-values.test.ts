import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProjectConfig, repositoryRoot } from '@fraudops/config';
import { airflowEnvironment } from '@fraudops/stack';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  AIRFLOW_ARGOCD_SETTINGS,
  checkDagsPausedAtCreation,
  checkMlflowServerFitsLimit,
  checkRequiredSettings,
  formatValuesProblem,
  memoryMiB,
  mlflowServerMemory,
} from '../src/chart-values.ts';

const AIRFLOW = 'deploy/gitops/values/airflow.yaml';
const MLFLOW = 'deploy/gitops/values/mlflow.yaml';
const valuesOf = (file: string): Record<string, unknown> =>
  parse(readFileSync(join(repositoryRoot, file), 'utf8')) as Record<string, unknown>;

/** The embedded stack's setting, the one owner of the value the cluster must repeat. */
const embeddedDagsPaused = (): string => {
  const value = airflowEnvironment(loadProjectConfig(), 'unused')[
    'AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION'
  ];
  if (value === undefined)
    throw new Error('the embedded stack sets no AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION');
  return value;
};

describe('the Airflow values', () => {
  it("carry the chart's settings for Argo CD (no Helm hook that Argo CD would turn into a waiting PostSync)", () => {
    expect(
      checkRequiredSettings(AIRFLOW, valuesOf(AIRFLOW), AIRFLOW_ARGOCD_SETTINGS).map(formatValuesProblem),
    ).toEqual([]);
  });

  it('create the DAG unpaused, as the embedded stack does', () => {
    expect(embeddedDagsPaused()).toBe('False');
    expect(
      checkDagsPausedAtCreation(AIRFLOW, valuesOf(AIRFLOW), embeddedDagsPaused()).map(formatValuesProblem),
    ).toEqual([]);
  });
});

describe('the MLflow values', () => {
  it('give the server no more processes than its memory limit holds', () => {
    const memory = mlflowServerMemory(valuesOf(MLFLOW));
    expect(memory).toMatchObject({ workers: 2, jobRunner: false, limitMiB: 1024 });
    expect(checkMlflowServerFitsLimit(MLFLOW, valuesOf(MLFLOW)).map(formatValuesProblem)).toEqual([]);
  });
});

describe('the values checks fail on planted mistakes', () => {
  it('names every Argo CD setting that is missing (the values before this check)', () => {
    const planted = structuredClone(valuesOf(AIRFLOW));
    delete planted['migrateDatabaseJob'];
    delete planted['createUserJob'];
    const problems = checkRequiredSettings(AIRFLOW, planted, AIRFLOW_ARGOCD_SETTINGS).map((p) => p.setting);
    expect(problems).toEqual([
      'migrateDatabaseJob.useHelmHooks',
      'migrateDatabaseJob.applyCustomEnv',
      'createUserJob.useHelmHooks',
      'createUserJob.applyCustomEnv',
      'migrateDatabaseJob.jobAnnotations.argocd.argoproj.io/hook',
      'createUserJob.jobAnnotations.argocd.argoproj.io/hook',
      'createUserJob.jobAnnotations.argocd.argoproj.io/sync-wave',
    ]);
  });

  it('a Helm hook left on (the message says what it is and why)', () => {
    const planted = structuredClone(valuesOf(AIRFLOW));
    (planted['migrateDatabaseJob'] as Record<string, unknown>)['useHelmHooks'] = true;
    expect(checkRequiredSettings(AIRFLOW, planted, AIRFLOW_ARGOCD_SETTINGS).map(formatValuesProblem)).toEqual(
      [
        expect.stringMatching(
          /^deploy\/gitops\/values\/airflow\.yaml: migrateDatabaseJob\.useHelmHooks: must be false, is true \(.*PostSync hook/,
        ),
      ],
    );
  });

  it('DAGs paused at creation, or the setting left to the chart', () => {
    const paused = structuredClone(valuesOf(AIRFLOW));
    ((paused['config'] as Record<string, unknown>)['core'] as Record<string, unknown>)[
      'dags_are_paused_at_creation'
    ] = 'True';
    expect(checkDagsPausedAtCreation(AIRFLOW, paused, 'False').map(formatValuesProblem)).toEqual([
      `${AIRFLOW}: config.core.dags_are_paused_at_creation: must be 'False' as in the embedded stack, is "True"`,
    ]);
    const unset = structuredClone(valuesOf(AIRFLOW));
    delete ((unset['config'] as Record<string, unknown>)['core'] as Record<string, unknown>)[
      'dags_are_paused_at_creation'
    ];
    expect(checkDagsPausedAtCreation(AIRFLOW, unset, 'False')).toHaveLength(1);
  });

  it("MLflow's default workers and job runner under a 1 GiB limit (the values before this check)", () => {
    const planted = structuredClone(valuesOf(MLFLOW));
    delete planted['extraArgs'];
    delete (planted['extraEnvVars'] as Record<string, unknown>)['MLFLOW_SERVER_ENABLE_JOB_EXECUTION'];
    expect(checkMlflowServerFitsLimit(MLFLOW, planted).map(formatValuesProblem)).toEqual([
      `${MLFLOW}: resources.limits.memory: 4 workers and the job runner need about 1924 MiB, over the 1024 MiB limit: set extraArgs.workers and extraEnvVars.MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false', or raise the limit`,
    ]);
  });
});

describe('memory quantities', () => {
  it.each([
    ['1Gi', 1024],
    ['512Mi', 512],
    ['2048Ki', 2],
    ['1G', 1e9 / 1048576],
  ])('%s is %d MiB', (quantity, mib) => {
    expect(memoryMiB(quantity)).toBeCloseTo(mib);
  });

  it('rejects what is not a quantity', () => {
    expect(memoryMiB('1 GB')).toBeUndefined();
  });
});
