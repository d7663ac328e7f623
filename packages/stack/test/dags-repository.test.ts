import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProjectConfig, type ProjectConfig } from '@fraudops/config';
import { describe, expect, it } from 'vitest';
import { isRemoteRepository, syncDagsRepository } from '../src/airflow/dags-repository.ts';

const git = (repo: string, ...args: string[]): string =>
  execFileSync('git', ['--git-dir', repo, ...args], { encoding: 'utf8' }).trim();

async function configWithDags(): Promise<{ config: ProjectConfig; folder: string; repo: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fraudops-dags-'));
  const folder = join(dir, 'dags');
  mkdirSync(join(folder, '__pycache__'), { recursive: true });
  writeFileSync(join(folder, 'retraining.py'), 'print("v1")\n');
  writeFileSync(join(folder, '__pycache__', 'retraining.cpython-311.pyc'), 'bytecode');
  const repo = join(dir, 'dags.git');
  const base = loadProjectConfig();
  const config: ProjectConfig = {
    ...base,
    retraining: {
      ...base.retraining,
      dagsFolder: folder,
      dagsRepository: { ...base.retraining.dagsRepository, url: repo, branch: 'main', subdir: 'dags' },
    },
  };
  return { config, folder, repo };
}

describe('the local DAG repository', () => {
  it('commits the DAG folder under the subdirectory of the branch, without bytecode', async () => {
    const { config, repo } = await configWithDags();
    const first = await syncDagsRepository(config);
    expect(first.changed).toBe(true);
    expect(git(repo, 'rev-parse', 'refs/heads/main')).toBe(first.commit);
    expect(git(repo, 'ls-tree', '-r', '--name-only', 'main')).toBe('dags/retraining.py');
    expect(git(repo, 'show', 'main:dags/retraining.py')).toBe('print("v1")');
  });

  it('makes no commit when nothing changed, and a child commit when a DAG changed', async () => {
    const { config, folder, repo } = await configWithDags();
    const first = await syncDagsRepository(config);
    const again = await syncDagsRepository(config);
    expect(again).toMatchObject({ changed: false, commit: first.commit });
    writeFileSync(join(folder, 'retraining.py'), 'print("v2")\n');
    const second = await syncDagsRepository(config);
    expect(second.changed).toBe(true);
    expect(git(repo, 'rev-parse', `${second.commit}^`)).toBe(first.commit);
    expect(git(repo, 'show', 'main:dags/retraining.py')).toBe('print("v2")');
  });

  it('leaves a remote repository alone', async () => {
    const { config } = await configWithDags();
    const remote = {
      ...config,
      retraining: {
        ...config.retraining,
        dagsRepository: {
          ...config.retraining.dagsRepository,
          url: 'https://git.example.com/fraudops/dags.git',
        },
      },
    };
    expect(await syncDagsRepository(remote)).toMatchObject({ changed: false, commit: '' });
    expect(isRemoteRepository('git@github.com:org/dags.git')).toBe(true);
    expect(isRemoteRepository('/srv/git/dags.git')).toBe(false);
  });
});
