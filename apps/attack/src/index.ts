export * from './attack.ts';
export * from './events.ts';
export * from './ramp.ts';
export * from './progress.ts';
export * from './watcher.ts';
export { buildReport, type ReportOptions, type ReportSummary } from './report/index.ts';
export * from './cluster/cluster-watcher.ts';
export * from './cluster/run.ts';
export * from './cluster/settings.ts';
