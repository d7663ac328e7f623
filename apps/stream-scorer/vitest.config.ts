import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'stream-scorer',
    include: ['test/**/*.test.ts'],
    // The trained test model and the replay file (real transactions) for the scoring-api the tests run.
    globalSetup: ['../../packages/test-fixtures/src/trained-model.ts'],
    // A real Kafka broker and scoring-api processes: generous, but a hang still fails.
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
