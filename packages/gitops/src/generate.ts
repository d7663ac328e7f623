// Writes the generated files of deploy/gitops. Run after editing fraudops.config.json or the Kafka topics;
// test/generated-manifests.test.ts fails while they differ.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import { generatedGitopsFiles } from './gitops-files.ts';

for (const [path, content] of generatedGitopsFiles()) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  console.log(`wrote ${relative(repositoryRoot, path)}`);
}
