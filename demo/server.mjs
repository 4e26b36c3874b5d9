// @ts-check
/**
 * The reference Horn server behind `npm run demo`: every call of the Horn REST API
 * (App Sessions and Sessions) at its paths, on Node's own `http` module,
 * with SQLite storage (a 2xx only once the write is committed), bounds on what
 * a client may send or store, the Horn access rules, fault injection for trying
 * the agent (only when asked for), and the demo's static files.
 *
 *   node demo/server.mjs [--data FILE] [--fault-controls] [--fail-rate 0.3] [--latency 200] [--cors-origin URL] [--source-maps DIR]
 *
 * Tests import `createHornServer` and listen on port 0.
 *
 * This file wires the pieces and holds the command line:
 *   server/http.mjs     CORS, routing, the JSON rule, body limits, refusals as JSON errors
 *   server/input.mjs    checks of bodies and query parameters
 *   server/access.mjs   bearer tokens to fixture users; who reads which app session
 *   server/static.mjs   demo/public, dist/ and /vendor/uplot/, the pages' CSP
 *   server/stacks.mjs   the viewer's stack frames mapped back (`--source-maps`)
 *   server/faults.mjs   fail rate, latency, logs down, reset (`horn.controls`)
 *   server/state.mjs    `horn.state`
 *   server/routes/      one module per resource, listed in routes/index.mjs
 * A new route goes in its resource's module: `on('GET /path/:param', ({ req, res, params, query, body }) => ...)`.
 * A new option: a `@property` in HornServerOptions below; route modules read it from `deps.options`.
 */
import http from 'node:http'
import { promises as fsp, realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createStore, loadFixture, DEFAULT_APP_SESSION_QUOTA, DEFAULT_TOTAL_QUOTA } from './store.mjs'
import { createAccess } from './server/access.mjs'
import { createFaults } from './server/faults.mjs'
import { createHandler, createRouter, originMatcher, sendJson, DEFAULT_BODY_LIMIT, REQUEST_LOG_SIZE } from './server/http.mjs'
import { ROUTE_MODULES } from './server/routes/index.mjs'
import { createStateView } from './server/state.mjs'
import { createStackService } from './server/stacks.mjs'
import { createStatic, DEMO_CSP } from './server/static.mjs'

export { DEMO_CSP }

const DEMO_DIR = path.dirname(fileURLToPath(import.meta.url))

/**
 * What a test's `onLogs` hook may answer for one `POST /app_sessions/{id}/logs`:
 * `undefined` to store the batch as usual; `{ delayMs }` to wait first and then
 * store it; `{ status }` (with optional `headers`, `body`, `delayMs`) to answer
 * that instead, storing nothing.
 * @typedef {{ status?: number, headers?: Record<string, string>, delayMs?: number, body?: unknown } | undefined | void} LogsVerdict
 * @typedef {(req: http.IncomingMessage, info: { appSessionId: string, index: number | undefined, time: number, data: string, body: string }) =>
 *   LogsVerdict | Promise<LogsVerdict>} OnLogs
 *
 * @typedef {object} HornServerOptions
 * @property {string} [dataFile] Keep app sessions, logs, links, conflicts and ended sessions in this SQLite
 *   database (WAL mode; created if missing, refused if it is not ours); opened by `listen()`. Every write is
 *   committed before its 2xx. Default: an in-memory SQLite database (same code, nothing kept).
 * @property {boolean} [syncFull] `synchronous = FULL`: a committed write also survives a power cut (an fsync per
 *   commit). Default false (`NORMAL`: survives the process being killed).
 * @property {number} [appSessionQuota] Bytes one app session may hold (its bodies, its registration); past it
 *   507. Default 32 MiB.
 * @property {number} [totalQuota] Bytes the whole store may hold; past it 507. Default 512 MiB.
 * @property {boolean} [faultControls] Serve `/_control/*` (fault injection and reset over HTTP). The in-process
 *   `controls` are there either way. Default false.
 * @property {string | import('./store.mjs').Fixture} [fixture] A fixture path or object. Default: `demo/fixture.json`.
 * @property {number} [failRate] 0..1: the share of `POST /app_sessions/...` calls answered 503 at random. Default 0.
 * @property {number} [latencyMs] Delay before every API answer (not control, demo or static routes). Default 0.
 * @property {string | string[] | ((origin: string) => boolean)} [corsOrigin] Origins allowed by CORS (with
 *   credentials, so the origin is echoed); `'*'` answers a literal `*` without credentials. The `null` origin
 *   (sandboxed frames, `file:`) is never allowed. Default: any loopback origin (http://127.0.0.1:*,
 *   http://localhost:*, http://[::1]:*), which covers the demo's own.
 * @property {string[]} [corsAllowHeaders] Default `['Content-Type', 'Authorization']`.
 * @property {number} [bodyLimit] Request bodies over this many bytes get 413, without being buffered. Default 64 KiB.
 * @property {string} [publicDir] Served at `/`. Default `demo/public`.
 * @property {string | false} [contentSecurityPolicy] Sent with every HTML file of `publicDir`. Default: the demo
 *   pages' strict policy ({@link DEMO_CSP}) when `publicDir` is the default, none for a test's own folder (whose
 *   pages may use inline scripts).
 * @property {string} [distDir] Served under `/dist/`. Default: the repo's `dist/`.
 * @property {string} [sourceMapsDir] Source maps the viewer's stack frames are mapped back with (`POST
 *   /_demo/stacks`, by `dist/read.mjs`), matched by file name: `app.min.js` -> `app.min.js.map`, anywhere
 *   under the directory. Default: none (frames as written).
 * @property {OnLogs} [onLogs] Fault injection on the logs endpoint: called after validation, before storing.
 * @property {() => number} [now] The clock (logs-down windows, `linked`, `ended`). Default `Date.now`.
 * @property {() => number} [random] Draws for `failRate`. Default `Math.random`.
 * @property {(message: string) => void} [log] Where conflicts and errors go. Default: stderr.
 */

/**
 * Creates the server; nothing listens until `listen()`.
 * @param {HornServerOptions} [options]
 */
export function createHornServer(options = {}) {
  const now = options.now ?? Date.now
  const log = options.log ?? ((msg) => process.stderr.write(`${msg}\n`))
  const allowOrigin = originMatcher(options.corsOrigin)
  const fixture = typeof options.fixture === 'object' ? options.fixture : loadFixture(options.fixture ?? path.join(DEMO_DIR, 'fixture.json'))
  let baseUrl = ''
  const store = createStore({
    fixture,
    dataFile: options.dataFile,
    syncFull: options.syncFull,
    quotas: { appSession: options.appSessionQuota ?? DEFAULT_APP_SESSION_QUOTA, total: options.totalQuota ?? DEFAULT_TOTAL_QUOTA },
    now,
    log,
    imageUrl: (kind, id, size) => `${baseUrl}/_demo/image/${kind}/${encodeURIComponent(String(id))}.svg?size=${size}`,
  })
  /** @type {{ method: string, path: string, status: number, time: number, ms: number, headers: http.IncomingHttpHeaders }[]} */
  const requests = []
  const faults = createFaults({ failRate: options.failRate ?? 0, latencyMs: options.latencyMs ?? 0, now, store, requests })
  const access = createAccess({ store, allowOrigin })
  const router = createRouter()
  const distDir = path.resolve(options.distDir ?? path.join(DEMO_DIR, '..', 'dist'))
  const stacks = createStackService({ sourceMapsDir: options.sourceMapsDir && path.resolve(options.sourceMapsDir), distDir })
  for (const addRoutes of ROUTE_MODULES) addRoutes(router.on, { store, access, faults, options, onLogs: options.onLogs, stacks })
  const handle = createHandler({
    router,
    serveStatic: createStatic({
      publicDir: path.resolve(options.publicDir ?? path.join(DEMO_DIR, 'public')),
      distDir,
      csp: options.contentSecurityPolicy ?? (options.publicDir === undefined ? DEMO_CSP : false),
    }),
    corsOrigin: options.corsOrigin,
    allowOrigin,
    corsAllowHeaders: options.corsAllowHeaders,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    faults,
    random: options.random ?? Math.random,
    onAnswered(req, res, ms) {
      requests.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0], status: res.statusCode, time: now(), ms, headers: req.headers })
      if (requests.length > REQUEST_LOG_SIZE) requests.splice(0, requests.length - REQUEST_LOG_SIZE)
    },
  })
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      log(`horn-demo: ${req.method} ${req.url} failed: ${err?.stack ?? err}`)
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error (see the server log)' })
      else res.destroy()
    })
  })
  server.on('clientError', (_err, socket) => {
    // Malformed HTTP (bad request line or headers): answer if the socket still can, never throw.
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    else socket.destroy()
  })

  const state = createStateView({ store, faults, requests, url: () => baseUrl })

  return {
    state,
    /** Fault injection and housekeeping (see server/faults.mjs). */
    controls: faults.controls,
    /** The underlying `http.Server`. */
    server,
    /**
     * Opens the database (`dataFile`, or one in memory), then listens.
     * @param {number} [port] @default 0 (any free port)
     * @param {string} [host] @default '127.0.0.1'
     * @returns {Promise<{ url: string, port: number }>}
     */
    async listen(port = 0, host = '127.0.0.1') {
      await store.load()
      await new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          resolve(undefined)
        })
      })
      const address = /** @type {import('node:net').AddressInfo} */ (server.address())
      baseUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
      return { url: baseUrl, port: address.port }
    },
    /** Stops listening, drops open connections, and closes the database. */
    async close() {
      await new Promise((resolve) => {
        server.close(() => resolve(undefined))
        server.closeAllConnections()
      })
      store.close()
    },
  }
}

// ---- command line ------------------------------------------------------------

const USAGE = `usage: node demo/server.mjs [--data FILE] [--fault-controls] [--fail-rate 0..1] [--latency MS] [--cors-origin ORIGIN]...
  PORT (env)              port on 127.0.0.1, default 8787
  --data FILE             keep app sessions and logs in the SQLite database FILE across restarts
                          (every 2xx is committed first; survives kill -9)
  --sync-full             also survive a power cut (an fsync per write)
  --body-limit BYTES      413 for bodies over this, default 64k (k, m, g suffixes)
  --app-session-quota B   507 past this many bytes in one app session, default 32m
  --total-quota BYTES     507 past this many bytes in the store, default 512m
  --fault-controls        serve /_control/* (take logs down, fail rate, latency, reset)
  --fail-rate R           answer this share of POST /app_sessions/... with 503
  --latency MS            delay every API answer
  --cors-origin O         allowed CORS origin (repeatable; '*' for any, without credentials); default: any loopback origin
  --source-maps DIR       the viewer shows stack frames of minified files at their original file, line and
                          function, with the maps in DIR (app.min.js -> app.min.js.map)`

/**
 * The flags, checked: a bad one prints the usage and exits 2.
 * @param {string[]} argv
 */
function parseCli(argv) {
  let values
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: 'string' },
        'sync-full': { type: 'boolean' },
        'body-limit': { type: 'string' },
        'app-session-quota': { type: 'string' },
        'total-quota': { type: 'string' },
        'fault-controls': { type: 'boolean' },
        'fail-rate': { type: 'string' },
        latency: { type: 'string' },
        'cors-origin': { type: 'string', multiple: true },
        'source-maps': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (err) {
    console.error(`${/** @type {Error} */ (err).message}\n${USAGE}`)
    process.exit(2)
  }
  if (values.help) return { help: true, port: 0, options: {} }
  /** @param {string | undefined} raw @param {string} name @param {number} max */
  const num = (raw, name, max) => {
    if (raw === undefined) return undefined
    const n = Number(raw)
    if (raw.trim() === '' || !(n >= 0 && n <= max)) {
      console.error(`${name} must be a number within 0..${max}, got "${raw}"\n${USAGE}`)
      process.exit(2)
    }
    return n
  }
  /** @param {string | undefined} raw @param {string} name bytes, with an optional k, m or g */
  const bytes = (raw, name) => {
    if (raw === undefined) return undefined
    const m = /^(\d+)([kmg]?)$/i.exec(raw.trim())
    const n = m ? Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase()) : NaN
    if (!(n >= 1 && Number.isSafeInteger(n))) {
      console.error(`${name} must be a byte count such as 65536, 64k or 32m, got "${raw}"\n${USAGE}`)
      process.exit(2)
    }
    return n
  }
  const sourceMaps = values['source-maps']
  if (sourceMaps !== undefined && !statSync(sourceMaps, { throwIfNoEntry: false })?.isDirectory()) {
    console.error(`--source-maps ${sourceMaps}: not a directory\n${USAGE}`)
    process.exit(2)
  }
  return {
    help: false,
    port: num(process.env.PORT, 'PORT', 65535) ?? 8787,
    /** @type {HornServerOptions} */
    options: {
      dataFile: values.data && path.resolve(values.data),
      syncFull: values['sync-full'],
      bodyLimit: bytes(values['body-limit'], '--body-limit'),
      appSessionQuota: bytes(values['app-session-quota'], '--app-session-quota'),
      totalQuota: bytes(values['total-quota'], '--total-quota'),
      faultControls: values['fault-controls'],
      failRate: num(values['fail-rate'], '--fail-rate', 1),
      latencyMs: num(values.latency, '--latency', 60_000),
      corsOrigin: values['cors-origin'],
      sourceMapsDir: values['source-maps'] && path.resolve(values['source-maps']),
    },
  }
}

/** @param {string} url @param {HornServerOptions} options @param {ReturnType<typeof createHornServer>} horn */
async function printBanner(url, options, horn) {
  const distFile = path.join(DEMO_DIR, '..', 'dist', 'horn-logger.min.js')
  const built = await fsp.stat(distFile).then(() => true, () => false)
  console.log(`Horn reference server listening on ${url}

  demo page      ${url}/
  log viewer     ${url}/viewer.html
  API (apiUrl)   ${url}
  demo users     ${url}/_demo/users
${options.faultControls ? `  take logs down curl -X POST '${url}/_control/logs-down?seconds=30'\n` : ''}${options.dataFile ? `  database       ${options.dataFile}\n` : '  database       in memory (--data FILE keeps it)\n'}${options.sourceMapsDir ? `  source maps    ${options.sourceMapsDir}\n` : ''}${horn.state.settings.failRate || horn.state.settings.latencyMs ? `  faults         fail rate ${horn.state.settings.failRate}, latency ${horn.state.settings.latencyMs} ms\n` : ''}${built ? '' : '\n  note: dist/horn-logger.min.js is missing; run `npm run build` so the demo page can load the agent\n'}
Ctrl+C to stop.`)
}

/** @param {ReturnType<typeof createHornServer>} horn */
function stopOnSignals(horn) {
  let stopping = false
  const stop = async () => {
    if (stopping) process.exit(1) // a second Ctrl+C does not wait
    stopping = true
    await horn.close().catch((err) => console.error(err.message))
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  // Exit with the parent (e.g. `npm run demo` stopped by its pid), so no orphan keeps the port.
  const parent = process.ppid
  setInterval(() => {
    try {
      process.kill(parent, 0)
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ESRCH') void stop()
    }
  }, 500).unref()
}

/** @param {string[]} argv */
async function main(argv) {
  const { help, port, options } = parseCli(argv)
  if (help) {
    console.log(USAGE)
    return
  }
  const horn = createHornServer(options)
  let url
  try {
    ({ url } = await horn.listen(port))
  } catch (err) {
    const e = /** @type {NodeJS.ErrnoException} */ (err)
    console.error(e.code === 'EADDRINUSE' ? `port ${port} is in use; try PORT=8788 npm run demo` : e.message)
    process.exit(1)
  }
  await printBanner(url, options, horn)
  stopOnSignals(horn)
}

const isMain = (() => {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
})()
if (isMain) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err.message ?? err)
    process.exit(1)
  })
}
