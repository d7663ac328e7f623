import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cli',
    include: ['test/**/*.test.ts'],
    globalSetup: ['../../packages/test-fixtures/src/trained-model.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
