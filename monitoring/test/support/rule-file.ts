// Reading one rule file of monitoring/rules as a flat list of rules, for the checks that tie rules to the
// rest of the repository.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { rulesDir } from '../../src/rule-files.ts';
import { must } from './tools.ts';

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Every rule of every group of a file in monitoring/rules. */
export const rulesOf = (file: string): Rule[] =>
  (parse(readFileSync(join(rulesDir, file), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
    (g) => g.rules,
  );

/** The recording or alert of that name in the rules; fails naming it when it is missing. */
export const ruleNamed = (rules: readonly Rule[], name: string): Rule =>
  must(
    rules.find((r) => r.record === name || r.alert === name),
    `rule ${name}`,
  );
