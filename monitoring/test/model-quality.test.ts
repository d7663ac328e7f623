// The model-quality rules spell out what other places own: the tolerance, day counts and drift threshold
// (monitoring/src/alerts.ts), the days the quality component keeps (fraudops.config.json quality.finalDays), the
// label that routes the page to the model's owner. These checks keep the copies equal.
import { loadProjectConfig } from '@fraudops/config';
import { describe, expect, it } from 'vitest';
import { DRIFT_PSI_WARNING, MODEL_OWNER_LABEL, QUALITY_ALERT, RETRAIN_LABEL } from '../src/alerts.ts';
import { ruleNamed, rulesOf } from './support/rule-file.ts';

const rules = rulesOf('model-quality.rules.yaml');
// The repository's own config, whatever FRAUDOPS_CONFIG says in this shell.
const config = loadProjectConfig({});
// The namespace the rules give the quality series where the scrape gave none: the one the cluster routes on.
const namespaced = `"namespace", "${config.cloud.namespace}", "namespace", ""`;

describe('FraudModelQualityDegraded', () => {
  const alert = ruleNamed(rules, 'FraudModelQualityDegraded');

  it('counts final days below the card level minus QUALITY_ALERT.tolerance, QUALITY_ALERT.badDays of them', () => {
    expect(alert.expr).toContain(
      `(label_replace(fraudops_quality_validated{metric="card_precision_at_100"}, ${namespaced}) - ${QUALITY_ALERT.tolerance})`,
    );
    expect(alert.expr.trim()).toMatch(new RegExp(`\\) >= ${QUALITY_ALERT.badDays}$`));
    expect(alert.annotations?.summary).toContain(
      `${QUALITY_ALERT.badDays} of the last ${QUALITY_ALERT.finalDays}`,
    );
    expect(alert.annotations?.description).toContain(`more than ${QUALITY_ALERT.tolerance} below`);
  });

  it('speaks of as many days as the quality component keeps', () => {
    expect(config.quality.finalDays).toBe(QUALITY_ALERT.finalDays);
  });

  it("pages the model's owner and asks for a retraining", () => {
    expect(alert.labels).toEqual({
      severity: 'critical',
      [MODEL_OWNER_LABEL.name]: MODEL_OWNER_LABEL.value,
      [RETRAIN_LABEL.name]: RETRAIN_LABEL.value,
    });
  });
});

describe.each([
  ['FraudModelInputDrift', 'input!="score"'],
  ['FraudModelScoreDrift', 'input="score"'],
])('%s', (name, matcher) => {
  const alert = ruleNamed(rules, name);

  it('compares the PSI with DRIFT_PSI_WARNING, and says so in its text', () => {
    expect(alert.expr.trim()).toBe(
      `label_replace(fraudops_drift_psi{${matcher}}, ${namespaced}) > ${DRIFT_PSI_WARNING}`,
    );
    expect(alert.annotations?.description).toContain(`above ${DRIFT_PSI_WARNING}`);
  });

  it('warns (operations) and asks for a retraining', () => {
    expect(alert.labels).toEqual({
      severity: 'warning',
      [MODEL_OWNER_LABEL.name]: MODEL_OWNER_LABEL.value,
      [RETRAIN_LABEL.name]: RETRAIN_LABEL.value,
    });
  });
});
