import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'monitoring', include: ['test/**/*.test.ts'], testTimeout: 60_000 },
});
