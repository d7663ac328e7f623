// The rule files on disk are the prod profile, loaded as they are. The fast profile (tests, quick demos)
// loads the same rules with time compressed: every `for:`, group `interval:` and PromQL range, subquery
// step and offset divided by one factor, so "5 minutes above 80%" becomes 30 seconds and every window
// keeps its proportion to the others. Comments and layout survive, so the output reads like the source.
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { YAMLMap } from 'yaml';
import { parseDuration, scaleDuration } from './durations.ts';

export type TimingProfile = 'prod' | 'fast';

/**
 * How much faster the fast profile runs: 5m becomes 30s, a 2m rate window 12s. The stack's fast profile
 * must scrape and evaluate at least 4 times per shortest scaled window (here 12s: every 3s or less).
 */
export const FAST_TIME_FACTOR = 10;

// Rule keys holding a duration (keep_firing_for exists from Prometheus 2.42.0 on, Debian's version included).
const RULE_DURATION_KEYS = ['for', 'keep_firing_for'] as const;

/** The rule file text to load for a profile: prod is the file itself; fast is scaled by `factor`. */
export function applyRulesProfile(
  ruleText: string,
  profile: TimingProfile,
  factor = FAST_TIME_FACTOR,
): string {
  if (profile === 'prod') return ruleText;
  return scaleRuleFile(ruleText, factor);
}

/** Divides every duration of a Prometheus rule file by `factor`. */
export function scaleRuleFile(ruleText: string, factor: number): string {
  const doc = parseDocument(ruleText);
  if (doc.errors.length > 0) throw new Error(`not a YAML rule file: ${doc.errors[0]?.message ?? ''}`);
  const groups = doc.get('groups');
  if (!isSeq(groups)) throw new Error('not a Prometheus rule file: no `groups:` list');
  for (const group of groups.items) {
    if (!isMap(group)) continue;
    scaleDurationAt(group, 'interval', factor);
    const rules = group.get('rules');
    if (!isSeq(rules)) continue;
    for (const rule of rules.items) {
      if (!isMap(rule)) continue;
      for (const key of RULE_DURATION_KEYS) scaleDurationAt(rule, key, factor);
      const expr = rule.get('expr', true);
      if (isScalar(expr) && typeof expr.value === 'string')
        expr.value = scalePromqlDurations(expr.value, factor);
    }
  }
  const header = `# fast timing profile: every duration below divided by ${factor} (monitoring/src/rules-profile.ts).\n`;
  return header + doc.toString({ lineWidth: 0 });
}

function scaleDurationAt(map: YAMLMap, key: string, factor: number): void {
  const node = map.get(key, true);
  if (isScalar(node) && typeof node.value === 'string') node.value = scaleDuration(node.value, factor);
}

// String literals in PromQL: "…", '…' (with backslash escapes) and `…` (raw). Durations inside them, as in a
// regex matcher "5[0-9]{2}", are label values, not time.
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;
// [range], [range:step], [range:]; and `offset 5m` / `offset -5m`.
const RANGE = /\[\s*([0-9a-z]+)\s*(?::\s*([0-9a-z]*)\s*)?\]/g;
const OFFSET = /\boffset(\s+)(-?)([0-9a-z]+)/g;

/** Divides the range selectors, subquery ranges and steps, and offsets of a PromQL expression. */
export function scalePromqlDurations(expr: string, factor: number): string {
  let out = '';
  let last = 0;
  for (const literal of expr.matchAll(STRING_LITERAL)) {
    out += scaleCode(expr.slice(last, literal.index), factor) + literal[0];
    last = literal.index + literal[0].length;
  }
  return out + scaleCode(expr.slice(last), factor);
}

function scaleCode(code: string, factor: number): string {
  const scaled = (text: string): string =>
    parseDuration(text) === null ? text : scaleDuration(text, factor);
  return code
    .replace(RANGE, (whole, range: string, step: string | undefined) => {
      if (parseDuration(range) === null) return whole;
      if (step === undefined) return `[${scaled(range)}]`;
      return `[${scaled(range)}:${step === '' ? '' : scaled(step)}]`;
    })
    .replace(
      OFFSET,
      (_whole, space: string, sign: string, duration: string) => `offset${space}${sign}${scaled(duration)}`,
    );
}
