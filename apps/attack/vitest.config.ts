import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'attack', include: ['test/**/*.test.ts'] } });
