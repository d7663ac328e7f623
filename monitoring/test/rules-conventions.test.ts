// The house rules for alerts, checked on the YAML on disk (the single source): every alert has `for:`, a
// severity, a one-line summary, a description that locates the problem and shows the value, and the
// runbook_url of the one pattern (runbookUrl) whose section exists in docs/runbooks.md; every rule file has
// its promtool test file, which tests every alert; recording rules are named level:metric:operations.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ALERT_PREFIXES } from '../src/alerts.ts';
import { monitoringDir, ruleFiles, ruleTestFile, runbookUrl } from '../src/rule-files.ts';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const runbook = readFileSync(join(monitoringDir, '..', 'docs', 'runbooks.md'), 'utf8');
const runbookSections = new Set([...runbook.matchAll(/^## (\S+)\s*$/gm)].map((m) => m[1]));

function rulesOf(file: string): Rule[] {
  const doc = parse(readFileSync(file, 'utf8')) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((group) => group.rules);
}

const alerts = ruleFiles().flatMap((file) =>
  rulesOf(file)
    .filter((rule): rule is Rule & { alert: string } => rule.alert !== undefined)
    .map((rule) => ({ file: basename(file), testFile: ruleTestFile(file), rule })),
);

describe('rule conventions', () => {
  it('finds the rule files and their alerts', () => {
    expect(ruleFiles().map((f) => basename(f))).toEqual([
      'gateway.rules.yaml',
      'model-quality.rules.yaml',
      'scoring-api.rules.yaml',
      'stream-scorer.rules.yaml',
    ]);
    expect(alerts.map((a) => a.rule.alert)).toEqual(
      expect.arrayContaining(['ScoringApiSaturatedAtMaxReplicas', 'StreamScorerConsumerLagHigh']),
    );
  });

  it.each(alerts.map((a) => [a.rule.alert, a]))(
    '%s follows the alert conventions',
    (_name, { rule, testFile }) => {
      expect(rule.alert).toMatch(new RegExp(`^(${ALERT_PREFIXES.join('|')})[A-Z][A-Za-z0-9]+$`));
      expect(rule.for, 'every alert has for:').toMatch(/^\d+[smhdwy]/);
      expect(['critical', 'warning']).toContain(rule.labels?.severity);
      const annotations = rule.annotations ?? {};
      expect(annotations.summary, 'a one-line summary').toMatch(/^[^\n]+$/);
      // humanize, or printf for a unitless fraction such as a PSI (humanize would write 0.4 as "400m").
      expect(annotations.description, 'the description shows the value').toMatch(
        /\{\{ \$value \| (humanize\w*|printf "%\.\d+f")/,
      );
      expect(annotations.description, 'the description locates the problem').toMatch(
        /\{\{ \$labels\.namespace \}\}/,
      );
      expect(annotations.runbook_url).toBe(runbookUrl(rule.alert));
      expect(runbookSections.has(rule.alert), `docs/runbooks.md has a "## ${rule.alert}" section`).toBe(true);
      expect(existsSync(testFile), `${testFile} exists`).toBe(true);
      expect(readFileSync(testFile, 'utf8'), `${basename(testFile)} tests ${rule.alert}`).toContain(
        `alertname: ${rule.alert}`,
      );
    },
  );

  it('names recording rules level:metric:operations', () => {
    const records = ruleFiles().flatMap((file) => rulesOf(file).flatMap((rule) => rule.record ?? []));
    expect(records.length).toBeGreaterThan(0);
    for (const name of records) expect(name).toMatch(/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/);
  });

  it('has no runbook section without an alert', () => {
    expect([...runbookSections].sort()).toEqual(alerts.map((a) => a.rule.alert).sort());
  });
});
