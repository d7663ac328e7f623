// Where the rule files and their promtool tests live, and the one pattern of runbook links.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const monitoringDir = fileURLToPath(new URL('../', import.meta.url));
export const rulesDir = join(monitoringDir, 'rules');
export const ruleTestsDir = join(monitoringDir, 'tests');

/** Absolute paths of the rule files, sorted (one file per area: `<area>.rules.yaml`). */
export function ruleFiles(): string[] {
  return readdirSync(rulesDir)
    .filter((name) => name.endsWith('.rules.yaml'))
    .sort()
    .map((name) => join(rulesDir, name));
}

/** The promtool test file of a rule file: tests/<area>.rules.test.yaml. */
export function ruleTestFile(ruleFile: string): string {
  const name = ruleFile.slice(ruleFile.lastIndexOf('/') + 1).replace(/\.rules\.yaml$/, '.rules.test.yaml');
  return join(ruleTestsDir, name);
}

/**
 * Every alert's runbook_url: the alert's section of docs/runbooks.md, by GitHub's anchor for a heading
 * (lower case). Relative to the repository root because the repository's public URL is not fixed yet; the
 * rule files spell it out (they must load as they are) and a test holds them to this function.
 */
export function runbookUrl(alertname: string): string {
  return `docs/runbooks.md#${alertname.toLowerCase()}`;
}
