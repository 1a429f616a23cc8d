import { defineConfig } from 'vitest/config';

// Every test file runs in its own forked process: embedded ClickHouse allows one data
// directory per process, and each process maps the ~570 MB engine, so workers stay few.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    pool: 'forks',
    isolate: true,
    maxWorkers: 2,
    fileParallelism: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
