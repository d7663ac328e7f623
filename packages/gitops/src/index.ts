export * from './generated-manifests.ts';
export * from './gitops-files.ts';
export * from './applications.ts';
