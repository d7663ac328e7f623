import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'manifest-schemas', include: ['test/**/*.test.ts'] } });
