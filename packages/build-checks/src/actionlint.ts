// actionlint (pinned in tools/deploy-tools/go.mod, built by `scripts/setup --with-test-tools`) over the
// workflows. It also runs shellcheck on `run:` scripts when shellcheck is on PATH.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './consistency.ts';

export const actionlintPath = join(root, '.tools/bin/actionlint');

export interface ActionlintResult {
  ok: boolean;
  /** One line per problem: file:line:col: message [rule]. */
  output: string;
  files: string[];
}

export function runActionlint(files?: string[]): ActionlintResult {
  if (!existsSync(actionlintPath)) {
    throw new Error(
      `${actionlintPath} is missing: run scripts/setup --with-test-tools (it builds actionlint from tools/deploy-tools/go.mod)`,
    );
  }
  const targets =
    files ??
    readdirSync(join(root, '.github/workflows'))
      .filter((name) => /\.ya?ml$/.test(name))
      .map((name) => `.github/workflows/${name}`);
  const result = spawnSync(actionlintPath, ['-no-color', '-oneline', ...targets], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim(), files: targets };
}
