/**
 * The package as a user gets it: `npm pack`, then installed from the tarball
 * into a fresh project (offline, from the npm cache that installing this repo filled).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../..', import.meta.url))

export const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 })

export interface Packed {
  filename: string
  size: number
  unpackedSize: number
  files: Array<{ path: string; size: number }>
}

export interface Installed {
  /** The temporary folder holding the tarball and the app: remove it when done. */
  tmp: string
  /** The app's folder, with `node_modules/horn-logger` installed from the tarball. */
  app: string
  packed: Packed
}

/** Packs the package (built if stale) and installs it into a new project. */
export function packAndInstall(): Installed {
  // `npm test` has just built; build-if-stale rebuilds only when it has not, so pack can skip prepack.
  execFileSync(process.execPath, [join(root, 'scripts/build-if-stale.mjs')], { cwd: root, stdio: 'ignore' })
  const tmp = mkdtempSync(join(tmpdir(), 'horn-pack-'))
  const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], root)) as Packed[]
  const app = join(tmp, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-test-app', private: true, type: 'module' }))
  const install = ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', join(tmp, packed.filename)]
  try {
    // idb-keyval and p-retry come from the npm cache that installing this repo filled: no network.
    npm([...install, '--offline'], app)
  } catch {
    npm([...install, '--prefer-offline'], app)
  }
  return { tmp, app, packed }
}
