import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'manifest-policy', include: ['test/**/*.test.ts'] } });
