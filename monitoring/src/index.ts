// What the embedded stack (and Kubernetes tooling) uses from monitoring/: the rule files and how to load
// them for a timing profile, and the Alertmanager configuration.
export { applyRulesProfile, FAST_TIME_FACTOR, scalePromqlDurations, scaleRuleFile } from './rules-profile.ts';
export type { TimingProfile } from './rules-profile.ts';
export { formatDuration, parseDuration, scaleDuration } from './durations.ts';
export {
  ADMINISTRATOR_RECEIVER,
  alertmanagerTimings,
  GROUP_BY,
  LOW_PRIORITY_RECEIVER,
  MODEL_OWNER_RECEIVER,
  PROD_TIMINGS,
  RETRAINING_RECEIVER,
  renderAlertmanagerConfig,
} from './alertmanager-config.ts';
export type { AlertmanagerOptions, EmailOptions, TelegramOptions, Timings } from './alertmanager-config.ts';
export { inlineTelegramToken } from './secrets.ts';
export { monitoringDir, ruleFiles, rulesDir, ruleTestFile, ruleTestsDir, runbookUrl } from './rule-files.ts';
export {
  ALERT_PREFIXES,
  DRIFT_PSI_WARNING,
  MODEL_OWNER_LABEL,
  QUALITY_ALERT,
  RETRAIN_LABEL,
  STREAM_LAG_WARNING_EVENTS,
} from './alerts.ts';
export { dashboards, panelQueries, QUALITY_SERIES, QUERY_VARIABLES } from '../dashboards/src/index.ts';
export type { PanelQuery } from '../dashboards/src/index.ts';
