// @ts-check
/**
 * `npm run build`, but only when dist/ is older than what it is built from
 * (src/, the build config, the locked dependencies), so `npm run demo`
 * starts at once when nothing changed. dist/integrity.json is written last by
 * a build that succeeded, so its time is the build's.
 *
 *   node scripts/build-if-stale.mjs
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const INPUTS = ['src', 'rollup.config.mjs', 'tsconfig.json', 'package-lock.json']

/** Newest modification time under `path` (a file or a folder), 0 when it does not exist. */
function newest(path) {
  let stat
  try {
    stat = statSync(path)
  } catch {
    return 0
  }
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs)
}

const built = newest(join(root, 'dist', 'integrity.json'))
const changed = Math.max(...INPUTS.map((input) => newest(join(root, input))))
if (built > changed) {
  console.log('dist/ is up to date with src/; not rebuilding (npm run build forces it)')
} else {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const { status } = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  process.exit(status ?? 1)
}
