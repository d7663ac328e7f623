import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'scoring-api',
    include: ['test/**/*.test.ts'],
    globalSetup: ['../../packages/test-fixtures/src/trained-model.ts'],
    // Real ONNX sessions and child processes: generous, but a hang still fails.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
