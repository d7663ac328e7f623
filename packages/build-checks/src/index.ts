export * from './dockerfile.ts';
export * from './dockerfile-policy.ts';
export * from './consistency.ts';
export * from './actionlint.ts';
