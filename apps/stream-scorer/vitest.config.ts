import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'stream-scorer', include: ['test/**/*.test.ts'] } });
