import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'autoscaler', include: ['test/**/*.test.ts'] } });
