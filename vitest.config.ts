import { defineConfig } from 'vitest/config'

// Unit specs opt into happy-dom with a `// @vitest-environment happy-dom` line;
// browser, demo and API specs run in Node and drive real Chromium or real servers.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: real-browser files would starve each other if run all at once.
    maxWorkers: 2,
  },
})
