import { defineProject } from 'vitest/config';

// kustomize and kubeconform run as processes over the whole deploy/ tree: seconds each, more on a busy machine.
export default defineProject({
  test: {
    name: 'manifest-schemas',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
