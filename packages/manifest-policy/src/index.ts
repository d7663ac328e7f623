export * from './policies.ts';
export * from './manifest-files.ts';
