// The rule files through promtool itself, once per Prometheus version they load in (the embedded stack's and the
// cluster's): the unit tests, and that every file loads as it is (prod) and as the fast profile rewrites it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyRulesProfile } from '../src/rules-profile.ts';
import { monitoringDir, ruleFiles, ruleTestFile } from '../src/rule-files.ts';
import { prometheusToolsets, promtoolName, runTool } from './support/tools.ts';

const scratch = mkdtempSync(join(tmpdir(), 'fraudops-rules-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe.each(prometheusToolsets().map((t) => [promtoolName(t), t] as const))('%s', (_name, tools) => {
  it('passes every rule unit test in monitoring/tests', () => {
    const tests = ruleFiles().map((file) => ruleTestFile(file));
    const result = runTool(tools.promtool, ['test', 'rules', ...tests], monitoringDir);
    expect(result.status, `promtool test rules failed:\n${result.output}`).toBe(0);
  });

  describe.each(ruleFiles().map((file) => [basename(file), file]))('%s', (name, file) => {
    it.each(['prod', 'fast'] as const)('loads in the %s profile (promtool check rules)', (profile) => {
      const path = join(scratch, `${tools.runsIn.replace(' ', '-')}-${profile}-${name}`);
      writeFileSync(path, applyRulesProfile(readFileSync(file, 'utf8'), profile));
      const result = runTool(tools.promtool, ['check', 'rules', path]);
      expect(result.status, `promtool check rules ${name} (${profile}) failed:\n${result.output}`).toBe(0);
    });
  });
});
