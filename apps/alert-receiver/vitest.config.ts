import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'alert-receiver', include: ['test/**/*.test.ts'] } });
