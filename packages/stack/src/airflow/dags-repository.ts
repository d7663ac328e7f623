// The git repository Airflow reads the DAGs from. In production it is a remote (configuration); on one
// machine fraudops keeps a local bare repository and commits the project's DAG folder into it, so Airflow
// reads exactly what it would read from a remote: a commit on a branch, never the working tree.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ProjectConfig } from '@fraudops/config';

const execFileAsync = promisify(execFile);

export interface DagsRepositorySync {
  /** The repository URL or path Airflow clones. */
  url: string;
  branch: string;
  /** The branch's head after the sync. */
  commit: string;
  /** Whether this sync made a new commit (the DAG folder changed since the last one). */
  changed: boolean;
}

/** True when the URL names a remote repository (fraudops never writes to those). */
export function isRemoteRepository(url: string): boolean {
  return /^[a-z+]+:\/\//.test(url) || /^[^/@:]+@[^/:]+:/.test(url);
}

async function git(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', args, { env, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`git ${args.join(' ')} failed: ${(stderr ?? '').trim() || message}`, { cause: error });
  }
}

/**
 * Commits the DAG folder (without bytecode caches) under the configured subdirectory of the local bare
 * repository's branch, creating the repository on first use. A folder that did not change makes no commit.
 * A remote repository is left alone: it is published by its own CI, and Airflow reads it as it is.
 */
export async function syncDagsRepository(config: ProjectConfig): Promise<DagsRepositorySync> {
  const { url, branch, subdir } = config.retraining.dagsRepository;
  if (isRemoteRepository(url)) return { url, branch, commit: '', changed: false };
  if (!existsSync(join(url, 'HEAD'))) {
    await mkdir(url, { recursive: true });
    await git(['init', '--quiet', '--bare', `--initial-branch=${branch}`, url]);
  }
  const scratch = await mkdtemp(join(tmpdir(), 'fraudops-dags-index-'));
  try {
    // A private index: the folder's tree is staged without a work tree checkout or touching any other index.
    const env = { ...process.env, GIT_INDEX_FILE: join(scratch, 'index') };
    // The folder as the work tree: read-tree needs one, and without -u it never writes to it.
    const repo = ['--git-dir', url, '--work-tree', config.retraining.dagsFolder];
    await git([...repo, 'add', '--all', '--', '.', ':(exclude,glob)**/__pycache__/**'], env);
    const folderTree = await git([...repo, 'write-tree'], env);
    await git([...repo, 'read-tree', '--empty'], env);
    await git([...repo, 'read-tree', `--prefix=${subdir}/`, folderTree], env);
    const tree = await git([...repo, 'write-tree'], env);
    const head = await git([...repo, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).catch(
      () => '',
    );
    if (head !== '' && (await git([...repo, 'rev-parse', `${head}^{tree}`])) === tree) {
      return { url, branch, commit: head, changed: false };
    }
    const identity = {
      ...env,
      GIT_AUTHOR_NAME: 'fraudops',
      GIT_AUTHOR_EMAIL: 'fraudops@localhost',
      GIT_COMMITTER_NAME: 'fraudops',
      GIT_COMMITTER_EMAIL: 'fraudops@localhost',
    };
    const parent = head === '' ? [] : ['-p', head];
    const commit = await git(
      [...repo, 'commit-tree', tree, ...parent, '-m', `DAGs from ${config.retraining.dagsFolder}`],
      identity,
    );
    await git([...repo, 'update-ref', `refs/heads/${branch}`, commit]);
    return { url, branch, commit, changed: true };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
