/**
 * The package as a user gets it: `npm pack`, installed into a fresh project
 * from the tarball, then used four ways, each delivering an entry to the
 * reference server: (1) bundled by rollup, (2) the browser ES module in a plain
 * <script type="module">, (3) the script-tag build found through its `exports`
 * path and loaded with its SRI `integrity`, (4) `horn-logger/api` from Node.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import { rollup } from 'rollup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launch, startServer, waitFor, type HornServer } from '../support/harness'
import { packAndInstall, root, type Packed } from '../support/pack'

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const run = promisify(execFile)

/** No favicon request: every 404 a page sees is a failure. */
const HEAD = '<!doctype html><link rel="icon" href="data:,">'

let tmp: string
let app: string
let packed: Packed
let server: HornServer

beforeAll(() => {
  ;({ tmp, app, packed } = packAndInstall())
}, 120_000)

afterAll(async () => {
  await server?.close()
  if (tmp) rmSync(tmp, { recursive: true, force: true })
})

describe('the packed tarball', () => {
  it('holds dist/, the docs and the licence, and not the sources or tests', () => {
    const paths = packed.files.map((f) => f.path)
    for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'docs/protocol.md', 'dist/integrity.json']) {
      expect(paths).toContain(file)
    }
    expect(paths.filter((p) => /^(src|test|demo|bench|scripts|node_modules)\//.test(p))).toEqual([])
    // Every exports target ships.
    const targets = (value: unknown): string[] =>
      typeof value == 'string' ? [value] : Object.values(value as Record<string, unknown>).flatMap(targets)
    for (const target of targets(pkg.exports).filter((t) => !t.includes('*'))) expect(paths).toContain(target.replace(/^\.\//, ''))
    expect(pkg.scripts.prepack).toMatch(/npm run build/)
    console.log(`${packed.filename}: ${packed.files.length} files, ${packed.size} B packed, ${packed.unpackedSize} B unpacked`)
  })

  it('carries the right SRI value for every script', () => {
    const dist = join(app, 'node_modules/horn-logger/dist')
    const integrity = JSON.parse(readFileSync(join(dist, 'integrity.json'), 'utf8')) as Record<string, string>
    expect(Object.keys(integrity)).toEqual(expect.arrayContaining(['horn-logger.min.js', 'horn-logger.browser.mjs', 'horn-logger.mjs']))
    for (const [name, value] of Object.entries(integrity)) {
      expect(value).toBe('sha384-' + createHash('sha384').update(readFileSync(join(dist, name))).digest('base64'))
    }
  })
})

describe('installed from the tarball', () => {
  it('works bundled, as a plain module, as a script tag, and from Node', async () => {
    server = await startServer()
    const messages = {
      'pack-bundled': 'hello from a bundle',
      'pack-module': 'hello from a plain module',
      'pack-script': 'hello from the script tag',
      'pack-node': 'hello from node',
    }

    // (4) Node: `horn-logger/api` registers and sends; the same child resolves the other entry points as Node does.
    const child = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createHornApi } from 'horn-logger/api'
         const api = createHornApi({ apiUrl: process.env.API_URL })
         const { id } = await api.appSessions.register('pack-node', { started: Date.now(), url: 'node:pack-test' })
         await api.appSessions.sendLog(id, { index: 0, time: Date.now(), data: ${JSON.stringify(messages['pack-node'] + '\n')} })
         const resolve = (s) => new URL(import.meta.resolve(s)).pathname
         console.log(JSON.stringify({ node: process.versions.node, browser: resolve('horn-logger/browser'), script: resolve('horn-logger/script'), byPath: resolve('horn-logger/dist/horn-logger.min.js') }))`,
      ],
      { cwd: app, env: { ...process.env, API_URL: server.url }, timeout: 30_000 },
    )
    const resolved = JSON.parse(child.stdout) as { node: string; browser: string; script: string; byPath: string }
    expect(Number(resolved.node.split('.')[0])).toBeGreaterThanOrEqual(20)
    expect(resolved.script).toBe(join(app, 'node_modules/horn-logger/dist/horn-logger.min.js'))
    expect(resolved.byPath).toBe(resolved.script)
    expect(resolved.browser).toBe(join(app, 'node_modules/horn-logger/dist/horn-logger.browser.mjs'))

    // (1) A bundler: rollup resolves `horn-logger` and its dependencies from the app's node_modules only.
    writeFileSync(
      join(app, 'entry.mjs'),
      `import { createLogger } from 'horn-logger'
       createLogger({ clientId: 'pack-bundled', apiUrl: location.origin }).info(${JSON.stringify(messages['pack-bundled'])})`,
    )
    const bundle = await rollup({ input: join(app, 'entry.mjs'), plugins: [nodeResolve({ browser: true })], logLevel: 'silent' })
    expect(bundle.watchFiles.filter((file) => !file.startsWith(app + '/'))).toEqual([])
    expect(bundle.watchFiles.some((file) => file.includes('/node_modules/idb-keyval/'))).toBe(true)
    const { output } = await bundle.generate({ format: 'iife' })
    await bundle.close()
    server.page('bundle.js', output[0].code)
    const bundled = server.page('bundled.html', `${HEAD}<script src="bundle.js"></script>`)

    // (2) No bundler: the browser build imports nothing bare.
    server.page('horn-logger.browser.mjs', readFileSync(resolved.browser, 'utf8'))
    const plainModule = server.page(
      'module.html',
      `${HEAD}<script type="module">
         import { createLogger } from './horn-logger.browser.mjs'
         createLogger({ clientId: 'pack-module', apiUrl: location.origin }).info(${JSON.stringify(messages['pack-module'])})
       </script>`,
    )

    // (3) The script tag, pinned by the integrity value the package ships.
    const integrity = JSON.parse(readFileSync(join(resolved.script, '../integrity.json'), 'utf8'))['horn-logger.min.js']
    server.page('horn-logger.min.js', readFileSync(resolved.script, 'utf8'))
    const scriptTag = server.page(
      'script.html',
      `${HEAD}<script src="horn-logger.min.js" integrity="${integrity}" crossorigin="anonymous" data-client-id="pack-script"></script>
       <script>hornLogger.info(${JSON.stringify(messages['pack-script'])})</script>`,
    )

    const browser = await launch()
    const errors: string[] = []
    try {
      await Promise.all(
        [bundled, plainModule, scriptTag].map(async (url) => {
          const page = await browser.context.newPage()
          page.on('pageerror', (error) => errors.push(`${url}: ${error.message}`))
          page.on('console', (msg) => void (msg.type() === 'error' && errors.push(`${url}: ${msg.text()}`)))
          await page.goto(url)
        }),
      )
      for (const [clientId, message] of Object.entries(messages)) {
        await waitFor(`"${message}" in the log of a ${clientId} app session`, () => {
          // A page that failed to load will never deliver: say why at once.
          if (errors.length) throw new Error(errors.join('\n'))
          return server.state.appSessions().some((s) => s.clientId === clientId && server.state.logs(s.id)?.includes(message))
        })
      }
    } finally {
      await browser.close()
    }
    expect(errors).toEqual([])
  })
})
