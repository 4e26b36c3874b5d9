// @ts-check
/**
 * The reference Horn server behind `npm run demo`: every call of the Horn REST API
 * (App Sessions and Sessions) at its paths, on Node's own `http` module,
 * with SQLite storage (a 2xx only once the write is committed), bounds on what
 * a client may send or store, the Horn access rules, fault injection for trying
 * the agent (only when asked for), and the demo's static files.
 *
 *   node demo/server.mjs [--data FILE] [--fault-controls] [--fail-rate 0.3] [--latency 200] [--cors-origin URL]
 *
 * Tests import `createHornServer` and listen on port 0.
 */
import http from 'node:http'
import { createReadStream, promises as fsp, realpathSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createStore, loadFixture, HttpError, DEFAULT_APP_SESSION_QUOTA, DEFAULT_TOTAL_QUOTA } from './store.mjs'

const DEMO_DIR = path.dirname(fileURLToPath(import.meta.url))
const ONE_KIB = 1024
const ONE_MIB = 1024 * ONE_KIB
/** The agent's batches stay under 60 KiB (a keepalive request's budget): more is a bug or abuse. */
const DEFAULT_BODY_LIMIT = 64 * ONE_KIB
/** The agent's bodies are flat objects; deep nesting is only ever an attack on the parser. */
const MAX_JSON_DEPTH = 8
/** `GET .../logs` reads and writes this many batches at a time, waiting for the socket between pages. */
const LOG_PAGE_BATCHES = 64
/** Past this much discarded body we stop draining an oversized request and drop the connection. */
const DRAIN_LIMIT = 64 * ONE_MIB
const DEFAULT_PAGE_SIZE = 50
const MAX_PAGE_SIZE = 1000
const MAX_ID_CHARS = 200
const MAX_URL_CHARS = 8192
const MAX_IMG_SIZE = 4096
/** Long enough for a browser test to look back at a whole run, short enough to stay small. */
const REQUEST_LOG_SIZE = 2000
/** First path segments that belong to the API; everything else is a static file. */
const API_ROOTS = new Set(['app_sessions', 'sessions', 'channels', '_control', '_demo'])
/** Methods whose body, if any, must be declared JSON: a cross-site form or `no-cors` request cannot send that type. */
const BODY_METHODS = new Set(['POST', 'DELETE', 'PUT', 'PATCH'])
const LOOPBACK_ORIGIN = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/
const DEFAULT_ALLOW_HEADERS = ['Content-Type', 'Authorization']
const EXPOSE_HEADERS = 'Retry-After, X-Horn-Batch-Count, X-Horn-Duplicate'
const utf8 = new TextDecoder('utf-8', { fatal: true })
/** The demo pages run under this, to show that the agent and the pages need no inline script, eval or inline style. */
export const DEMO_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'"

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
  const random = options.random ?? Math.random
  const log = options.log ?? ((msg) => process.stderr.write(`${msg}\n`))
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
  const publicDir = path.resolve(options.publicDir ?? path.join(DEMO_DIR, 'public'))
  const distDir = path.resolve(options.distDir ?? path.join(DEMO_DIR, '..', 'dist'))
  const csp = options.contentSecurityPolicy ?? (options.publicDir === undefined ? DEMO_CSP : false)
  const allowOrigin = originMatcher(options.corsOrigin)
  /** `--cors-origin '*'`: a literal `*`, which browsers accept only without credentials. */
  const anyOrigin = options.corsOrigin === '*' || (Array.isArray(options.corsOrigin) && options.corsOrigin.includes('*'))
  const allowHeaders = (options.corsAllowHeaders ?? DEFAULT_ALLOW_HEADERS).join(', ')
  const fixture = typeof options.fixture === 'object' ? options.fixture : loadFixture(options.fixture ?? path.join(DEMO_DIR, 'fixture.json'))

  const settings = {
    failRate: checkRate(options.failRate ?? 0),
    latencyMs: checkMs(options.latencyMs ?? 0),
    /** ms since the epoch until which `POST .../logs` answers 503 */
    logsDownUntil: 0,
  }
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
  const routes = defineRoutes()
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

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async function handle(req, res) {
    const t0 = performance.now()
    res.on('finish', () => {
      requests.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0], status: res.statusCode, time: now(), ms: performance.now() - t0, headers: req.headers })
      if (requests.length > REQUEST_LOG_SIZE) requests.splice(0, requests.length - REQUEST_LOG_SIZE)
    })
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Vary', 'Origin')
    const origin = req.headers.origin
    const corsOk = typeof origin === 'string' && origin !== 'null' && allowOrigin(origin)
    if (corsOk) {
      if (anyOrigin) {
        res.setHeader('Access-Control-Allow-Origin', '*')
      } else {
        res.setHeader('Access-Control-Allow-Origin', origin)
        res.setHeader('Access-Control-Allow-Credentials', 'true')
      }
      res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS)
    }
    if (req.method === 'OPTIONS') {
      // A refused origin gets no Allow-* headers: the browser then blocks the real request.
      if (corsOk) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS')
        res.setHeader('Access-Control-Allow-Headers', allowHeaders)
        res.setHeader('Access-Control-Max-Age', '600')
        // Chrome's Private Network Access: a page on a public origin allowed by --cors-origin may call 127.0.0.1.
        if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('Access-Control-Allow-Private-Network', 'true')
      }
      res.writeHead(204).end()
      return
    }

    let segments
    let url
    try {
      // Prefixing keeps `//host/x` a path here, not a protocol-relative URL.
      if (!req.url?.startsWith('/')) throw new Error('not origin-form')
      url = new URL(`http://horn.invalid${req.url}`)
      segments = url.pathname.split('/').slice(1).map((s) => decodeURIComponent(s))
    } catch {
      return sendJson(res, 400, { error: 'malformed request path' })
    }
    if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop()

    if (!API_ROOTS.has(segments[0])) return serveStatic(req, res, segments)

    const matches = routes.filter((r) => matchPath(r.segments, segments))
    const route = matches.find((r) => r.method === req.method)
    if (!route) {
      if (matches.length === 0) return sendJson(res, 404, { error: `no such API path: ${url.pathname}` })
      res.setHeader('Allow', [...new Set(matches.map((r) => r.method)), 'OPTIONS'].join(', '))
      return sendJson(res, 405, { error: `${req.method} is not allowed on ${url.pathname}` })
    }

    try {
      const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined
      if (BODY_METHODS.has(route.method) && (route.body || hasBody) && !isJson(req.headers['content-type'])) {
        req.resume() // discard what was sent, unread
        throw new HttpError(415, `${route.method} ${url.pathname} takes a body of Content-Type: application/json`)
      }
      const body = route.method === 'GET' || !(route.body || hasBody) ? '' : await readBody(req, res)
      if (body === undefined) return // already answered 413
      if (route.api && settings.latencyMs > 0) await sleep(settings.latencyMs)
      if (route.api && route.method === 'POST' && segments[0] === 'app_sessions' && settings.failRate > 0 && random() < settings.failRate) {
        throw new HttpError(503, `injected failure (fail rate ${settings.failRate})`)
      }
      const params = /** @type {Record<string, string>} */ ({})
      route.segments.forEach((s, i) => { if (s.startsWith(':')) params[s.slice(1)] = segments[i] })
      await route.handler({ req, res, params, query: queryReader(url.searchParams), body })
    } catch (err) {
      if (!(err instanceof HttpError)) throw err
      for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v)
      sendJson(res, err.status, { error: err.message })
    }
  }

  /**
   * Reads the whole body (as strict UTF-8) or answers 413. An oversized body is
   * drained rather than cut off, so the client reads the 413 instead of a reset.
   * @param {http.IncomingMessage} req @param {http.ServerResponse} res
   * @returns {Promise<string | undefined>}
   */
  function readBody(req, res) {
    return new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length'] ?? 0)
      /** @type {Buffer[]} */
      const chunks = []
      let size = 0
      let over = declared > bodyLimit
      const tooLarge = () => {
        res.setHeader('Connection', 'close')
        sendJson(res, 413, { error: `request body over the limit of ${bodyLimit} bytes` })
        resolve(undefined)
      }
      if (declared > DRAIN_LIMIT) {
        tooLarge()
        req.resume()
        return
      }
      req.on('data', (/** @type {Buffer} */ chunk) => {
        size += chunk.length
        if (size > bodyLimit) over = true
        if (size > DRAIN_LIMIT) {
          req.destroy()
          resolve(undefined) // nobody is left to answer
        }
        if (!over) chunks.push(chunk)
      })
      req.on('end', () => {
        if (over) return tooLarge()
        try {
          resolve(utf8.decode(Buffer.concat(chunks)))
        } catch {
          reject(new HttpError(400, 'request body is not valid UTF-8'))
        }
      })
      req.on('error', reject)
    })
  }

  function defineRoutes() {
    /** @typedef {{ req: http.IncomingMessage, res: http.ServerResponse, params: Record<string, string>, query: ReturnType<typeof queryReader>, body: string }} Ctx */
    /** @type {{ method: string, segments: string[], api: boolean, body: boolean, handler: (ctx: Ctx) => unknown }[]} */
    const table = []
    /**
     * @param {string} spec "METHOD /path/:param", with " json" at the end when it takes a JSON body
     * @param {(ctx: Ctx) => unknown} handler
     */
    const on = (spec, handler) => {
      const [method, p, takes] = spec.split(' ')
      const segments = p.split('/').slice(1)
      table.push({ method, segments, api: !segments[0].startsWith('_'), body: takes === 'json', handler })
    }

    // ---- App Sessions ----
    // The agent's three calls need no user token (the seed's protocol); reads need one.
    on('POST /app_sessions/new/:clientId json', ({ res, params, body }) => {
      const clientId = checkId(params.clientId, 'clientId')
      const input = parseJsonObject(body)
      const started = checkLong(input.started, 'started')
      const url = checkString(input.url, 'url', MAX_URL_CHARS)
      const channel = input.channel === undefined ? undefined : checkString(input.channel, 'channel', MAX_ID_CHARS)
      const appSession = store.registerAppSession({ clientId, started, url, channel })
      sendJson(res, 200, { id: appSession.id })
    })
    on('POST /app_sessions/:id/logs json', async ({ req, res, params, body }) => {
      const left = settings.logsDownUntil - now()
      if (left > 0) {
        throw new HttpError(503, `logs endpoint is down for ${Math.ceil(left / 1000)} more s (control)`, { 'Retry-After': String(Math.ceil(left / 1000)) })
      }
      const input = parseJsonObject(body)
      const time = checkLong(input.time, 'time')
      const data = checkString(input.data, 'data', Infinity, true)
      const index = input.index === undefined ? undefined : checkLong(input.index, 'index')
      if (!store.hasAppSession(params.id)) throw new HttpError(404, `unknown app session "${params.id}"`)
      if (options.onLogs) {
        const verdict = await options.onLogs(req, { appSessionId: params.id, index, time, data, body })
        if (verdict?.delayMs) await sleep(verdict.delayMs)
        if (verdict?.status) {
          for (const [k, v] of Object.entries(verdict.headers ?? {})) res.setHeader(k, v)
          return sendJson(res, verdict.status, verdict.body ?? { error: `answered ${verdict.status} by the onLogs hook` })
        }
      }
      // Committed when addBatch returns: only then the 2xx.
      const stored = store.addBatch(params.id, { time, data, index }, body)
      res.setHeader('X-Horn-Duplicate', String(stored.duplicate))
      sendJson(res, 200, stored)
    })
    on('GET /app_sessions/:id/logs', async ({ req, res, params }) => {
      const appSession = readableAppSession(req, params.id)
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Horn-Batch-Count': String(appSession.batchCount) })
      // Streamed a page of batches at a time: a large log is never held whole, and a slow reader holds back the reads.
      for (const page of store.logPages(params.id, LOG_PAGE_BATCHES)) {
        if (!res.write(page.join(''))) await new Promise((resolve) => { res.once('drain', resolve); res.once('close', resolve) })
        if (res.destroyed) return
      }
      res.end()
    })
    on('POST /app_sessions/:id/link/user', ({ req, res, params }) => {
      const user = authenticate(req)
      sendJson(res, 200, store.linkUser(params.id, user))
    })
    on('GET /app_sessions/:id', ({ req, res, params }) => sendJson(res, 200, readableAppSession(req, params.id)))
    on('GET /app_sessions', ({ req, res, query }) => {
      const caller = authenticate(req)
      sendJson(res, 200, store.listAppSessions(caller, {
        ...query.page(),
        user: query.string('user'),
        channelSession: query.string('channelSession'),
        channel: query.string('channel'),
        url: query.string('url'),
        startedBefore: query.int('startedBefore'),
        startedAfter: query.int('startedAfter'),
      }))
    })

    // ---- Sessions ----
    /** @param {Ctx} ctx */
    const endSession = ({ req, res, params }) => sendJson(res, 200, store.endActiveSession(authenticate(req), params.uuid, params.sessionId))
    on('DELETE /channels/:uuid/session', endSession)
    on('DELETE /channels/:uuid/session/:sessionId', endSession)
    // Every Sessions call: at least operator of the channel (401 without a token, 403 for another's channel).
    on('GET /sessions/:id', ({ req, res, params, query }) => sendJson(res, 200, store.getSession(authenticate(req), params.id, query.imgSize())))
    on('GET /sessions/:id/participants', ({ req, res, params, query }) => sendJson(res, 200, store.sessionParticipants(authenticate(req), params.id, query.imgSize())))
    on('GET /sessions/:id/recordings', ({ req, res, params }) => sendJson(res, 200, store.sessionRecordings(authenticate(req), params.id)))
    on('GET /channels/:uuid/participants', ({ req, res, params, query }) => {
      const caller = authenticate(req)
      sendJson(res, 200, store.channelParticipants(caller, params.uuid, { ...query.page(), search: query.string('search'), imgSize: query.imgSize() }))
    })
    on('GET /sessions', ({ req, res, query }) => {
      const caller = authenticate(req)
      const hasRecording = query.oneOf('hasRecording', ['true', 'false'])
      sendJson(res, 200, store.listSessions(caller, {
        ...query.page(),
        channel: query.string('channel'),
        search: query.string('search'),
        imgSize: query.imgSize(),
        sort: /** @type {'started' | 'ended' | 'name' | 'presence'} */ (query.oneOf('sort', ['started', 'ended', 'name', 'presence']) ?? 'started'),
        order: /** @type {'asc' | 'desc'} */ (query.oneOf('order', ['asc', 'desc']) ?? 'desc'),
        from: query.int('from'),
        to: query.int('to'),
        hasRecording: hasRecording === undefined ? undefined : hasRecording === 'true',
      }))
    })

    // ---- control (fault injection) and demo helpers: not part of the Horn API ----
    // Only with `faultControls` (`--fault-controls`): anyone who reaches the port could otherwise wipe the store.
    if (options.faultControls) {
      on('GET /_control', ({ res }) => sendJson(res, 200, settingsView()))
      on('POST /_control/logs-down', ({ req, res, query }) => {
        sameSiteOnly(req)
        const seconds = query.number('seconds', 0, 86_400)
        if (seconds === undefined) throw new HttpError(400, 'seconds is required, e.g. ?seconds=30')
        controls.logsDown(seconds)
        sendJson(res, 200, settingsView())
      })
      on('POST /_control/config', ({ req, res, query }) => {
        sameSiteOnly(req)
        const failRate = query.number('failRate', 0, 1)
        const latencyMs = query.number('latencyMs', 0, 60_000)
        if (failRate !== undefined) settings.failRate = failRate
        if (latencyMs !== undefined) settings.latencyMs = latencyMs
        sendJson(res, 200, settingsView())
      })
      on('POST /_control/reset', ({ req, res }) => {
        sameSiteOnly(req)
        controls.reset()
        sendJson(res, 200, settingsView())
      })
    }
    // The demo page joined a channel: Horn's backend learns that from its own signalling; the demo page says so.
    on('POST /_demo/app_sessions/:id/channel json', ({ res, params, body }) => {
      const channel = checkString(parseJsonObject(body).channel, 'channel', MAX_ID_CHARS)
      const a = store.joinChannel(params.id, channel)
      sendJson(res, 200, { channels: a.channels, channelsSessions: a.channelsSessions })
    })
    on('GET /_demo/users', ({ res }) => sendJson(res, 200, store.users()))
    on('GET /_demo/channels', ({ res }) => sendJson(res, 200, store.channels()))
    on('GET /_demo/image/:kind/:file', ({ res, params, query }) => {
      const size = query.imgSize('size') ?? 64
      const id = params.file.replace(/\.svg$/, '')
      let label
      if (params.kind === 'person' && /^\d+$/.test(id)) label = store.people(Number(id)).handle
      else if (params.kind === 'session') label = store.sessionName(id)
      else throw new HttpError(404, `no image ${params.kind}/${params.file}`)
      res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
      send(res, 200, 'image/svg+xml', avatarSvg(label, size))
    })
    return table
  }

  /**
   * The app session, if the caller may read it (support staff: all; others: linked to them, or of a channel
   * they operate). Another's app session is a 404, as an unknown one: ids are not confirmed to strangers.
   * @param {http.IncomingMessage} req @param {string} id
   */
  function readableAppSession(req, id) {
    const caller = authenticate(req)
    if (!store.canRead(caller, id)) throw new HttpError(404, `unknown app session "${id}"`)
    return store.getAppSession(id)
  }

  /**
   * A control call from a page on another origin that CORS does not allow (a `no-cors` form post) is refused;
   * the server's own pages (same origin) and tools that send no Origin (curl) pass.
   * @param {http.IncomingMessage} req
   */
  function sameSiteOnly(req) {
    const origin = req.headers.origin
    if (origin === undefined || origin === `http://${req.headers.host}`) return
    if (origin === 'null' || !allowOrigin(origin)) throw new HttpError(403, `origin ${origin} may not call the control routes`)
  }

  /** @param {http.IncomingMessage} req */
  function authenticate(req) {
    const header = req.headers.authorization ?? ''
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
    const user = store.userByToken(m?.[1])
    if (!user) {
      throw new HttpError(401, header ? 'the bearer token is not a known demo user (GET /_demo/users lists them)' : 'needs Authorization: Bearer <token>',
        { 'WWW-Authenticate': 'Bearer realm="horn-demo"' })
    }
    return user
  }

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {string[]} segments */
  async function serveStatic(req, res, segments) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD, OPTIONS')
      return sendJson(res, 405, { error: `${req.method} is not allowed on static files` })
    }
    const inDist = segments[0] === 'dist'
    const root = inDist ? distDir : publicDir
    const rel = inDist ? segments.slice(1) : segments
    // Decoded segments may hide `..`, `/` or NUL (%2e%2e, %2f, %00): refuse rather than resolve them.
    if (rel.some((s) => s === '..' || s === '.' || /[\\/\0]/.test(s))) return notFound()
    let file = path.join(root, ...rel)
    let stat = await fsp.stat(file).catch(() => undefined)
    if (stat?.isDirectory()) {
      file = path.join(file, 'index.html')
      stat = await fsp.stat(file).catch(() => undefined)
    }
    if (!stat?.isFile()) return notFound()
    if (csp && !inDist && path.extname(file).toLowerCase() === '.html') res.setHeader('Content-Security-Policy', csp)
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': stat.size,
      // The demo is edited and rebuilt while it runs: always revalidate.
      'Cache-Control': 'no-cache',
    })
    if (req.method === 'HEAD') return res.end()
    createReadStream(file).on('error', () => res.destroy()).pipe(res)

    function notFound() {
      // Browsers ask for it on their own; the demo has none, and a 404 in every console is noise.
      if (segments.length === 1 && segments[0] === 'favicon.ico') return res.writeHead(204, { 'Cache-Control': 'max-age=86400' }).end()
      const hint = inDist ? ' (run `npm run build` to make dist/)' : segments.join('/') === '' ? ' (the demo pages are not in demo/public/ yet)' : ''
      send(res, 404, 'text/plain; charset=utf-8', `not found: /${segments.join('/')}${hint}\n`)
    }
  }

  function settingsView() {
    const left = Math.max(0, settings.logsDownUntil - now())
    return { failRate: settings.failRate, latencyMs: settings.latencyMs, logsDown: left > 0, logsDownUntil: left > 0 ? settings.logsDownUntil : null }
  }

  /** Fault injection and housekeeping, for tests and the demo's control routes. */
  const controls = {
    /** Answer `POST .../logs` with 503 (and `Retry-After`) for `seconds` from now; 0 brings it back. @param {number} seconds @returns {number} until (ms) */
    logsDown(seconds) {
      settings.logsDownUntil = seconds > 0 ? now() + seconds * 1000 : 0
      return settings.logsDownUntil
    },
    logsUp() {
      settings.logsDownUntil = 0
    },
    /** @param {number} rate 0..1 */
    setFailRate(rate) {
      settings.failRate = checkRate(rate)
    },
    /** @param {number} ms */
    setLatency(ms) {
      settings.latencyMs = checkMs(ms)
    },
    /** Forget app sessions, logs, requests and conflicts; un-end the fixture's sessions; clear faults. */
    reset() {
      store.reset()
      requests.length = 0
      settings.failRate = 0
      settings.latencyMs = 0
      settings.logsDownUntil = 0
    },
    /** Nothing to do: every write is committed before it is answered. Kept for callers of the JSON-file store. */
    flush: () => store.flush(),
  }

  /** Read-only views of what the server holds; each call returns fresh copies. */
  const state = {
    /** `http://127.0.0.1:PORT` once listening: the agent's apiUrl. */
    get url() {
      return baseUrl
    },
    get settings() {
      return settingsView()
    },
    /** Every app session, in registration order. */
    appSessions: () => store.appSessions(),
    /** @param {string} id */
    appSession: (id) => (store.hasAppSession(id) ? store.getAppSession(id) : undefined),
    /** Stored batches in index order, each `{ index, time, data, body, received }`. @param {string} id */
    batches: (id) => (store.hasAppSession(id) ? store.batches(id) : []),
    /** What `GET /app_sessions/{id}/logs` answers, or undefined for an unknown id. @param {string} id */
    logs: (id) => (store.hasAppSession(id) ? store.logText(id) : undefined),
    /** The fixture's channel sessions, with `ended` as it is now. */
    sessions: () => store.sessions(),
    /** The last 2000 answered requests, oldest first: `{ method, path, status, time, ms, headers }`. */
    requests,
    /** The latest 409s (a different body for an already stored index), oldest first: `{ appSessionId, index, time }`. */
    get conflicts() {
      return store.conflicts()
    },
    /** Bytes held and the quotas. */
    usage: () => store.usage(),
  }

  return {
    state,
    controls,
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

// ---- helpers ---------------------------------------------------------------

const CONTENT_TYPES = /** @type {Record<string, string>} */ ({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
})

/** @param {HornServerOptions['corsOrigin']} option @returns {(origin: string) => boolean} */
function originMatcher(option) {
  // `null` (sandboxed frames, file: pages, some redirects) is never an origin anyone meant to allow.
  if (option === undefined) return (o) => LOOPBACK_ORIGIN.test(o)
  if (typeof option === 'function') return (o) => o !== 'null' && option(o)
  const list = Array.isArray(option) ? option : [option]
  if (list.includes('*')) return (o) => o !== 'null'
  const set = new Set(list.map((o) => o.replace(/\/+$/, '')).filter((o) => o !== 'null'))
  return (o) => set.has(o)
}

/** @param {http.ServerResponse} res @param {number} status @param {string} type @param {string} text */
function send(res, status, type, text) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' })
  res.end(text)
}

/** @param {http.ServerResponse} res @param {number} status @param {unknown} value */
function sendJson(res, status, value) {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value))
}

/** `application/json`, with or without parameters (`; charset=utf-8`). @param {string | undefined} type */
function isJson(type) {
  return (type ?? '').split(';')[0].trim().toLowerCase() === 'application/json'
}

/**
 * How deep `[` and `{` nest in a JSON text, counted outside strings, stopping
 * past `max`: one linear pass, before the parser recurses into an attacker's input.
 * @param {string} text @param {number} max
 */
function jsonDepthOver(text, max) {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) {
      if (++depth > max) return true
    } else if (c === 125 || c === 93) depth--
  }
  return false
}

/** @param {string} body @returns {Record<string, unknown>} */
function parseJsonObject(body) {
  if (jsonDepthOver(body, MAX_JSON_DEPTH)) throw new HttpError(400, `request body nests deeper than ${MAX_JSON_DEPTH} levels`)
  let value
  try {
    value = JSON.parse(body)
  } catch (err) {
    throw new HttpError(400, body === '' ? 'request body is empty; expected a JSON object' : `request body is not valid JSON: ${/** @type {Error} */ (err).message}`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'request body must be a JSON object')
  return value
}

/** A `long` in the Horn API: a non-negative safe integer (timestamps, indexes). @param {unknown} v @param {string} name */
function checkLong(v, name) {
  if (v === undefined) throw new HttpError(400, `"${name}" is required`)
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new HttpError(400, `"${name}" must be a non-negative integer, got ${JSON.stringify(v)}`)
  return v
}

/** @param {unknown} v @param {string} name @param {number} max @param {boolean} [allowEmpty] */
function checkString(v, name, max, allowEmpty = false) {
  if (v === undefined) throw new HttpError(400, `"${name}" is required`)
  if (typeof v !== 'string') throw new HttpError(400, `"${name}" must be a string, got ${v === null ? 'null' : typeof v}`)
  if (!allowEmpty && v === '') throw new HttpError(400, `"${name}" must not be empty`)
  if (v.length > max) throw new HttpError(400, `"${name}" is longer than ${max} characters`)
  return v
}

/** @param {string} v @param {string} name */
function checkId(v, name) {
  // eslint-disable-next-line no-control-regex
  if (v.length > MAX_ID_CHARS || /[\u0000-\u001f\u007f]/.test(v)) throw new HttpError(400, `${name} must be at most ${MAX_ID_CHARS} printable characters`)
  return v
}

/** @param {number} v */
function checkRate(v) {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new RangeError(`failRate must be within 0..1, got ${v}`)
  return v
}

/** @param {number} v */
function checkMs(v) {
  if (typeof v !== 'number' || !(v >= 0 && v <= 60_000)) throw new RangeError(`latencyMs must be within 0..60000, got ${v}`)
  return v
}

/**
 * Typed access to query parameters: a value that is present but wrong (or
 * given twice) is a 400 naming the parameter, never silently ignored.
 * @param {URLSearchParams} params
 */
function queryReader(params) {
  /** @param {string} name */
  const one = (name) => {
    const all = params.getAll(name)
    if (all.length > 1) throw new HttpError(400, `query parameter "${name}" is given ${all.length} times`)
    return all[0]
  }
  /** @param {string} name @param {number} min @param {number} max */
  const int = (name, min = 0, max = Number.MAX_SAFE_INTEGER) => {
    const raw = one(name)
    if (raw === undefined) return undefined
    const n = Number(raw)
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new HttpError(400, `query parameter "${name}" must be an integer within ${min}..${max}, got "${raw}"`)
    }
    return n
  }
  return {
    int,
    /** @param {string} name */
    string: (name) => {
      const v = one(name)
      if (v !== undefined && v.length > MAX_URL_CHARS) throw new HttpError(400, `query parameter "${name}" is too long`)
      return v
    },
    /** @param {string} name @param {number} min @param {number} max */
    number: (name, min, max) => {
      const raw = one(name)
      if (raw === undefined) return undefined
      const n = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new HttpError(400, `query parameter "${name}" must be a number within ${min}..${max}, got "${raw}"`)
      return n
    },
    /** @param {string} name @param {string[]} values */
    oneOf: (name, values) => {
      const v = one(name)
      if (v !== undefined && !values.includes(v)) throw new HttpError(400, `query parameter "${name}" must be one of ${values.join(', ')}, got "${v}"`)
      return v
    },
    page: () => ({ offset: int('offset') ?? 0, limit: int('limit', 0, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE }),
    imgSize: (name = 'imgSize') => int(name, 1, MAX_IMG_SIZE),
  }
}

/** @param {string[]} pattern @param {string[]} segments */
function matchPath(pattern, segments) {
  return pattern.length === segments.length && pattern.every((p, i) => (p.startsWith(':') ? segments[i] !== '' : p === segments[i]))
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** @param {string} label @param {number} size */
function avatarSvg(label, size) {
  const words = label.replace(/[^\p{L}\p{N} ]/gu, ' ').trim().split(/\s+/).filter(Boolean)
  // "Town Hall" -> TH, "alice" -> AL
  const initials = (words.length > 1 ? words.map((w) => w[0]).join('') : words[0] ?? '?').slice(0, 2).toUpperCase()
  let hue = 0
  for (const ch of label) hue = (hue * 31 + (ch.codePointAt(0) ?? 0)) % 360
  const esc = initials.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 64 64">` +
    `<rect width="64" height="64" rx="14" fill="hsl(${hue} 55% 42%)"/>` +
    `<text x="32" y="41" font-family="system-ui, sans-serif" font-size="24" text-anchor="middle" fill="#fff">${esc}</text></svg>`
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
  --cors-origin O         allowed CORS origin (repeatable; '*' for any, without credentials); default: any loopback origin`

/** @param {string[]} argv */
async function main(argv) {
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
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (err) {
    console.error(`${/** @type {Error} */ (err).message}\n${USAGE}`)
    process.exit(2)
  }
  if (values.help) {
    console.log(USAGE)
    return
  }
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
  const port = num(process.env.PORT, 'PORT', 65535) ?? 8787
  const horn = createHornServer({
    dataFile: values.data && path.resolve(values.data),
    syncFull: values['sync-full'],
    bodyLimit: bytes(values['body-limit'], '--body-limit'),
    appSessionQuota: bytes(values['app-session-quota'], '--app-session-quota'),
    totalQuota: bytes(values['total-quota'], '--total-quota'),
    faultControls: values['fault-controls'],
    failRate: num(values['fail-rate'], '--fail-rate', 1),
    latencyMs: num(values.latency, '--latency', 60_000),
    corsOrigin: values['cors-origin'],
  })
  let url
  try {
    ({ url } = await horn.listen(port))
  } catch (err) {
    const e = /** @type {NodeJS.ErrnoException} */ (err)
    console.error(e.code === 'EADDRINUSE' ? `port ${port} is in use; try PORT=8788 npm run demo` : e.message)
    process.exit(1)
  }
  const distFile = path.join(DEMO_DIR, '..', 'dist', 'horn-logger.min.js')
  const built = await fsp.stat(distFile).then(() => true, () => false)
  console.log(`Horn reference server listening on ${url}

  demo page      ${url}/
  log viewer     ${url}/viewer.html
  API (apiUrl)   ${url}
  demo users     ${url}/_demo/users
${values['fault-controls'] ? `  take logs down curl -X POST '${url}/_control/logs-down?seconds=30'\n` : ''}${values.data ? `  database       ${path.resolve(values.data)}\n` : '  database       in memory (--data FILE keeps it)\n'}${horn.state.settings.failRate || horn.state.settings.latencyMs ? `  faults         fail rate ${horn.state.settings.failRate}, latency ${horn.state.settings.latencyMs} ms\n` : ''}${built ? '' : '\n  note: dist/horn-logger.min.js is missing; run `npm run build` so the demo page can load the agent\n'}
Ctrl+C to stop.`)
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
