// `npm run demo` as a user runs it: no rebuild when dist/ is current, and
// stopping it by the pid of `npm run demo` frees the port (the server exits with its parent).
import { execFileSync, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { waitFor } from '../support/harness'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('npm run demo', () => {
  it('starts without rebuilding a current dist/, and stops with the npm process', async () => {
    // `npm test` has just built; if not, this builds, so the run below has nothing to rebuild.
    execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root, stdio: 'ignore' })
    const npm = spawn('npm', ['run', 'demo'], { cwd: root, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let out = ''
    npm.stdout.on('data', (chunk) => (out += chunk))
    npm.stderr.on('data', (chunk) => (out += chunk))
    try {
      const url = await waitFor('the server to print its URL', () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], 60_000)
      expect(out).toContain('dist/ is up to date')
      expect(out).not.toContain('rollup -c')
      expect((await fetch(`${url}/_demo/users`)).status).toBe(200)

      npm.kill('SIGTERM')
      await waitFor(
        'the port to be free',
        () => fetch(`${url}/_demo/users`).then(() => false, () => true),
        10_000,
      )
    } finally {
      // Its own process group (detached): whatever is left of it, should the test fail, goes too.
      try {
        process.kill(-npm.pid!, 'SIGKILL')
      } catch {}
    }
  }, 90_000)
})
