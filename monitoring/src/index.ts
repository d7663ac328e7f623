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
  PROD_TIMINGS,
  renderAlertmanagerConfig,
} from './alertmanager-config.ts';
export type { AlertmanagerOptions, EmailOptions, TelegramOptions, Timings } from './alertmanager-config.ts';
export { inlineTelegramToken } from './secrets.ts';
export { monitoringDir, ruleFiles, rulesDir, ruleTestFile, ruleTestsDir, runbookUrl } from './rule-files.ts';
export { ALERT_PREFIXES, STREAM_LAG_WARNING_EVENTS } from './alerts.ts';
export { dashboards, panelQueries, QUERY_VARIABLES } from '../dashboards/src/index.ts';
export type { PanelQuery } from '../dashboards/src/index.ts';
