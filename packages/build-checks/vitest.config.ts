import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'build-checks', include: ['test/**/*.test.ts'] } });
