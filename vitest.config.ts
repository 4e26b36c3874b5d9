import { configDefaults, defineConfig } from 'vitest/config'

/**
 * The real-browser suite of test/engines/ runs in every engine named in
 * HORN_ENGINES (comma-separated: chromium, firefox, webkit); all three by default.
 */
const ENGINES = ['chromium', 'firefox', 'webkit']
const wanted = (process.env.HORN_ENGINES ?? '').split(',').map((name) => name.trim().toLowerCase()).filter(Boolean)
const unknown = wanted.filter((name) => !ENGINES.includes(name))
if (unknown.length) throw new Error(`HORN_ENGINES: unknown engine ${unknown.join(', ')} (known: ${ENGINES.join(', ')})`)
const skippedEngines = wanted.length ? ENGINES.filter((name) => !wanted.includes(name)) : []

// Unit specs opt into happy-dom with a `// @vitest-environment happy-dom` line;
// browser, demo and API specs run in Node and drive real browsers or real servers.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...skippedEngines.map((name) => `test/engines/${name}.test.ts`)],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: real-browser files would starve each other if run all at once.
    maxWorkers: 2,
  },
})
