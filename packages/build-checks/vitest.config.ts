import { defineProject } from 'vitest/config';

// actionlint, kustomize and prettier run as processes: seconds each, more on a busy machine.
export default defineProject({
  test: { name: 'build-checks', include: ['test/**/*.test.ts'], testTimeout: 60_000 },
});
