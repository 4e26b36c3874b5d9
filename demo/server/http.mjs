// @ts-check
/**
 * The HTTP layer: CORS (and its preflight), parsing the path, routing to the
 * route table, the JSON content-type rule, reading bodies under a limit, the
 * API's injected latency and failures, and turning refusals into JSON errors.
 * What each route does is in `routes/`.
 */
import { asHttpError, HttpError } from './errors.mjs'
import { queryReader } from './input.mjs'

const ONE_KIB = 1024
const ONE_MIB = 1024 * ONE_KIB
/** The agent's batches stay under 60 KiB (a keepalive request's budget): more is a bug or abuse. */
export const DEFAULT_BODY_LIMIT = 64 * ONE_KIB
/** Past this much discarded body we stop draining an oversized request and drop the connection. */
const DRAIN_LIMIT = 64 * ONE_MIB
/** Long enough for a browser test to look back at a whole run, short enough to stay small. */
export const REQUEST_LOG_SIZE = 2000
/** First path segments that belong to the API even with none of their routes on (`/_control` without `--fault-controls`). */
const API_ROOTS = ['app_sessions', 'sessions', 'channels', '_control', '_demo']
/** Methods whose body, if any, must be declared JSON: a cross-site form or `no-cors` request cannot send that type. */
const BODY_METHODS = new Set(['POST', 'DELETE', 'PUT', 'PATCH'])
const LOOPBACK_ORIGIN = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/
export const DEFAULT_ALLOW_HEADERS = ['Content-Type', 'Authorization']
const EXPOSE_HEADERS = 'Retry-After, X-Horn-Batch-Count, X-Horn-Duplicate'
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * @typedef {{ req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, params: Record<string, string>,
 *   query: ReturnType<typeof queryReader>, body: string }} Ctx What a route handler gets.
 * @typedef {(ctx: Ctx) => unknown} Handler
 * @typedef {{ method: string, segments: string[], api: boolean, body: boolean, handler: Handler }} Route
 * @typedef {string | string[] | ((origin: string) => boolean)} CorsOrigin
 * @typedef {(spec: string, handler: Handler) => void} On
 *   Adds a route. `spec` is "METHOD /path/:param", with " json" at the end when it takes a JSON body.
 *   A first segment starting with `_` is not the Horn API (no injected latency or failures).
 */

/** The route table; route modules add to it with `on`. */
export function createRouter() {
  /** @type {Route[]} */
  const table = []
  const roots = new Set(API_ROOTS)
  /** @type {On} */
  const on = (spec, handler) => {
    const [method, p, takes] = spec.split(' ')
    const segments = p.split('/').slice(1)
    table.push({ method, segments, api: !segments[0].startsWith('_'), body: takes === 'json', handler })
    roots.add(segments[0])
  }
  return {
    on,
    /** Whether the path belongs to the API (else it is a static file). @param {string} root the first segment */
    isApi: (root) => roots.has(root),
    /** The routes whose path matches, any method. @param {string[]} segments */
    match: (segments) => table.filter((r) => matchPath(r.segments, segments)),
  }
}

/** @param {CorsOrigin | undefined} option @returns {(origin: string) => boolean} */
export function originMatcher(option) {
  // `null` (sandboxed frames, file: pages, some redirects) is never an origin anyone meant to allow.
  if (option === undefined) return (o) => LOOPBACK_ORIGIN.test(o)
  if (typeof option === 'function') return (o) => o !== 'null' && option(o)
  const list = Array.isArray(option) ? option : [option]
  if (list.includes('*')) return (o) => o !== 'null'
  const set = new Set(list.map((o) => o.replace(/\/+$/, '')).filter((o) => o !== 'null'))
  return (o) => set.has(o)
}

/**
 * The request handler: CORS, then a static file or an API route.
 * @param {{ router: ReturnType<typeof createRouter>, serveStatic: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, segments: string[]) => Promise<unknown>,
 *   corsOrigin: CorsOrigin | undefined, allowOrigin: (origin: string) => boolean, corsAllowHeaders?: string[],
 *   bodyLimit: number, faults: { settings: { failRate: number, latencyMs: number } }, random: () => number,
 *   onAnswered: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, ms: number) => void }} o
 */
export function createHandler(o) {
  /** `--cors-origin '*'`: a literal `*`, which browsers accept only without credentials. */
  const anyOrigin = o.corsOrigin === '*' || (Array.isArray(o.corsOrigin) && o.corsOrigin.includes('*'))
  const allowHeaders = (o.corsAllowHeaders ?? DEFAULT_ALLOW_HEADERS).join(', ')
  const { settings } = o.faults

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res @returns {boolean} whether the origin may call */
  function cors(req, res) {
    res.setHeader('Vary', 'Origin')
    const origin = req.headers.origin
    const corsOk = typeof origin === 'string' && origin !== 'null' && o.allowOrigin(origin)
    if (!corsOk) return false
    if (anyOrigin) {
      res.setHeader('Access-Control-Allow-Origin', '*')
    } else {
      res.setHeader('Access-Control-Allow-Origin', origin)
      res.setHeader('Access-Control-Allow-Credentials', 'true')
    }
    res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS)
    return true
  }

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res @param {boolean} corsOk */
  function preflight(req, res, corsOk) {
    // A refused origin gets no Allow-* headers: the browser then blocks the real request.
    if (corsOk) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS')
      res.setHeader('Access-Control-Allow-Headers', allowHeaders)
      res.setHeader('Access-Control-Max-Age', '600')
      // Chrome's Private Network Access: a page on a public origin allowed by --cors-origin may call 127.0.0.1.
      if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('Access-Control-Allow-Private-Network', 'true')
    }
    res.writeHead(204).end()
  }

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
  async function handle(req, res) {
    const t0 = performance.now()
    res.on('finish', () => o.onAnswered(req, res, performance.now() - t0))
    res.setHeader('X-Content-Type-Options', 'nosniff')
    const corsOk = cors(req, res)
    if (req.method === 'OPTIONS') return preflight(req, res, corsOk)

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

    if (!o.router.isApi(segments[0])) return o.serveStatic(req, res, segments)

    const matches = o.router.match(segments)
    const route = matches.find((r) => r.method === req.method)
    if (!route) {
      if (matches.length === 0) return sendJson(res, 404, { error: `no such API path: ${url.pathname}` })
      res.setHeader('Allow', [...new Set(matches.map((r) => r.method)), 'OPTIONS'].join(', '))
      return sendJson(res, 405, { error: `${req.method} is not allowed on ${url.pathname}` })
    }
    try {
      await callRoute(req, res, route, segments, url)
    } catch (err) {
      const refusal = asHttpError(err)
      if (!refusal) throw err
      for (const [k, v] of Object.entries(refusal.headers ?? {})) res.setHeader(k, v)
      sendJson(res, refusal.status, { error: refusal.message })
    }
  }

  /**
   * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res
   * @param {Route} route @param {string[]} segments @param {URL} url
   */
  async function callRoute(req, res, route, segments, url) {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined
    if (BODY_METHODS.has(route.method) && (route.body || hasBody) && !isJson(req.headers['content-type'])) {
      req.resume() // discard what was sent, unread
      throw new HttpError(415, `${route.method} ${url.pathname} takes a body of Content-Type: application/json`)
    }
    const body = route.method === 'GET' || !(route.body || hasBody) ? '' : await readBody(req, res, o.bodyLimit)
    if (body === undefined) return // already answered 413
    if (route.api && settings.latencyMs > 0) await sleep(settings.latencyMs)
    if (route.api && route.method === 'POST' && segments[0] === 'app_sessions' && settings.failRate > 0 && o.random() < settings.failRate) {
      throw new HttpError(503, `injected failure (fail rate ${settings.failRate})`)
    }
    const params = /** @type {Record<string, string>} */ ({})
    route.segments.forEach((s, i) => { if (s.startsWith(':')) params[s.slice(1)] = segments[i] })
    await route.handler({ req, res, params, query: queryReader(url.searchParams), body })
  }

  return handle
}

/**
 * Reads the whole body (as strict UTF-8) or answers 413. An oversized body is
 * drained rather than cut off, so the client reads the 413 instead of a reset.
 * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res @param {number} bodyLimit
 * @returns {Promise<string | undefined>}
 */
function readBody(req, res, bodyLimit) {
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

/** @param {import('node:http').ServerResponse} res @param {number} status @param {string} type @param {string} text */
export function send(res, status, type, text) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' })
  res.end(text)
}

/** @param {import('node:http').ServerResponse} res @param {number} status @param {unknown} value */
export function sendJson(res, status, value) {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value))
}

/** `application/json`, with or without parameters (`; charset=utf-8`). @param {string | undefined} type */
function isJson(type) {
  return (type ?? '').split(';')[0].trim().toLowerCase() === 'application/json'
}

/** @param {string[]} pattern @param {string[]} segments */
function matchPath(pattern, segments) {
  return pattern.length === segments.length && pattern.every((p, i) => (p.startsWith(':') ? segments[i] !== '' : p === segments[i]))
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
