export * from './dockerfile.ts';
export * from './dockerfile-policy.ts';
export * from './consistency.ts';
export * from './actionlint.ts';
export * from './image-references.ts';
export * from './rollout-gate.ts';
