export * from './generated-manifests.ts';
export * from './gitops-files.ts';
export * from './applications.ts';
export * from './apps-chart.ts';
export * from './lake-sink.ts';
