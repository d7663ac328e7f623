import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, scaleDuration } from '../src/durations.ts';
import {
  applyRulesProfile,
  FAST_TIME_FACTOR,
  scalePromqlDurations,
  scaleRuleFile,
} from '../src/rules-profile.ts';
import { ruleFiles } from '../src/rule-files.ts';
import { must } from './support/tools.ts';

describe('durations', () => {
  it.each([
    ['5m', 300_000],
    ['30s', 30_000],
    ['250ms', 250],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['0s', 0],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 'm5', '5 m', '1.5m', '5s1m', 'abc'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it.each([
    [0, '0s'],
    [1, '1ms'],
    [12_000, '12s'],
    [90_000, '1m30s'],
    [4_500, '4s500ms'],
    [86_400_000 + 3_600_000, '1d1h'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('scales by the factor: 5m becomes 30s, 2m 12s, 4h 24m; zero stays zero; never below 1ms', () => {
    expect(scaleDuration('5m', 10)).toBe('30s');
    expect(scaleDuration('2m', 10)).toBe('12s');
    expect(scaleDuration('4h', 10)).toBe('24m');
    expect(scaleDuration('45s', 10)).toBe('4s500ms');
    expect(scaleDuration('0s', 10)).toBe('0s');
    expect(scaleDuration('1ms', 10)).toBe('1ms');
    expect(() => scaleDuration('5m', 0)).toThrow(/positive/);
    expect(() => scaleDuration('soon', 10)).toThrow(/not a Prometheus duration/);
  });
});

describe('scalePromqlDurations', () => {
  it('scales range selectors, subqueries and offsets', () => {
    expect(scalePromqlDurations('rate(x[5m])', 10)).toBe('rate(x[30s])');
    expect(scalePromqlDurations('max_over_time(rate(x[2m])[1h:1m])', 10)).toBe(
      'max_over_time(rate(x[12s])[6m:6s])',
    );
    expect(scalePromqlDurations('max_over_time(x[10m:])', 10)).toBe('max_over_time(x[1m:])');
    expect(scalePromqlDurations('x offset 1h', 10)).toBe('x offset 6m');
    expect(scalePromqlDurations('rate(x[5m] offset -10m)', 10)).toBe('rate(x[30s] offset -1m)');
  });

  it('leaves string literals alone, even when they look like ranges', () => {
    const expr = 'rate(x{code=~"5[0-9][0-9]", a=\'[5m]\', b=`offset 5m`}[5m])';
    expect(scalePromqlDurations(expr, 10)).toBe(
      'rate(x{code=~"5[0-9][0-9]", a=\'[5m]\', b=`offset 5m`}[30s])',
    );
  });

  it('leaves the rest of the expression as it was', () => {
    const expr = 'histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))) > 0.5';
    expect(scalePromqlDurations(expr, 10)).toBe(
      'histogram_quantile(0.99, sum by (le) (rate(x_bucket[30s]))) > 0.5',
    );
  });
});

describe('applyRulesProfile', () => {
  const source = `# a comment that stays
groups:
  - name: g
    interval: 1m
    rules:
      # kept too
      - record: a:b:rate5m
        expr: sum(rate(x[5m]))
      - alert: A
        expr: |
          a:b:rate5m > 1
          and max_over_time(y[10m]) > 0
        for: 5m
        labels: { severity: warning }
        annotations: { summary: 'for 5m, [5m] in text stays' }
`;

  it('returns the file itself for prod', () => {
    expect(applyRulesProfile(source, 'prod')).toBe(source);
  });

  it('divides for, interval and PromQL ranges by the factor for fast, keeping comments and text', () => {
    const fast = applyRulesProfile(source, 'fast');
    expect(fast).toContain('# a comment that stays');
    expect(fast).toContain('# kept too');
    const parsed = parse(fast) as {
      groups: {
        interval: string;
        rules: { expr: string; for?: string; annotations?: Record<string, string> }[];
      }[];
    };
    const group = must(parsed.groups[0], 'group 0');
    expect(group.interval).toBe('6s');
    expect(must(group.rules[0], 'rule 0').expr).toBe('sum(rate(x[30s]))');
    expect(must(group.rules[1], 'rule 1').expr).toBe('a:b:rate5m > 1\nand max_over_time(y[1m]) > 0\n');
    expect(must(group.rules[1], 'rule 1').for).toBe('30s');
    expect(must(group.rules[1], 'rule 1').annotations).toEqual({ summary: 'for 5m, [5m] in text stays' });
  });

  it('uses FAST_TIME_FACTOR unless told otherwise', () => {
    expect(FAST_TIME_FACTOR).toBe(10);
    expect(applyRulesProfile(source, 'fast', 5)).toContain('for: 1m');
  });

  it('refuses text that is not a rule file', () => {
    expect(() => scaleRuleFile('a: [', 10)).toThrow(/not a YAML rule file/);
    expect(() => scaleRuleFile('rules: []', 10)).toThrow(/groups/);
  });

  it('turns the saturation alert of the real rule file into 30 seconds (held 30 seconds) over a 12-second rate', () => {
    const file = must(
      ruleFiles().find((path) => path.endsWith('scoring-api.rules.yaml')),
      'scoring-api.rules.yaml',
    );
    const fast = applyRulesProfile(readFileSync(file, 'utf8'), 'fast');
    const rules = (
      parse(fast) as { groups: { rules: Record<string, string | undefined>[] }[] }
    ).groups.flatMap((g) => g.rules);
    const rule = (key: string, name: string): Record<string, string | undefined> =>
      must(
        rules.find((r) => r[key] === name),
        name,
      );
    expect(rule('alert', 'ScoringApiSaturatedAtMaxReplicas').for).toBe('30s');
    // The anti-flap hold and the 75-second bridge shrink with it.
    expect(rule('alert', 'ScoringApiSaturatedAtMaxReplicas').keep_firing_for).toBe('30s');
    expect(rule('alert', 'ScoringApiSaturatedAtMaxReplicas').expr).toContain('[7s500ms]');
    expect(
      rule('record', 'namespace_pod_container:container_cpu_usage_seconds_total:sum_rate2m').expr,
    ).toContain('[12s]');
  });
});
