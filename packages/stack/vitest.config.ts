import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'stack',
    include: ['test/**/*.test.ts'],
    // The scale-down test runs replicas on a real model, trained once per checkout.
    globalSetup: ['../test-fixtures/src/trained-model.ts'],
    testTimeout: 60_000,
  },
});
