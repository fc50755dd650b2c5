import { defineConfig } from 'vitest/config';

// One root run over every package. Tests import sibling packages through their built `dist` (the package exports),
// so `npm test` builds first. Integration tests (`*.integ.test.ts`) start the emulator on 127.0.0.1 port 0 themselves.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'tools/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globals: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
