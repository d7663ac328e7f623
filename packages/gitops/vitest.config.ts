import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'gitops', include: ['test/**/*.test.ts'] } });
