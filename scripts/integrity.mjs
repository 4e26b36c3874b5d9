// @ts-check
/**
 * Writes dist/integrity.json after `rollup -c`: the Subresource Integrity
 * value (sha384, what browsers and CDNs use) of every script in dist/, so a
 * page loading one from a CDN can pin its exact bytes:
 *
 *   <script src="…/horn-logger.min.js" integrity="sha384-…" crossorigin="anonymous"></script>
 *
 *   node scripts/integrity.mjs   # also prints them
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
/** @type {Record<string, string>} */
const integrity = {}
for (const name of readdirSync(dist).sort()) {
  if (!/\.m?js$/.test(name)) continue
  integrity[name] = 'sha384-' + createHash('sha384').update(readFileSync(join(dist, name))).digest('base64')
  console.log(`${integrity[name]}  dist/${name}`)
}
writeFileSync(join(dist, 'integrity.json'), JSON.stringify(integrity, null, 2) + '\n')
