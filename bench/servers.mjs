// The benchmark's servers, all on 127.0.0.1 with an ephemeral port:
//  - the page server: one HTML page per contender, plus the two bundles;
//  - the sink, on another origin (as in production: the agent and Datadog's
//    intake are never the page's own origin), which answers both a minimal
//    Horn app-session API and Datadog's proxy, and counts what arrives.
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'

/** @param {import('node:http').Server} server */
function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address())
      resolve(`http://127.0.0.1:${port}`)
    })
  })
}

/** @param {import('node:http').Server} server */
function close(server) {
  return new Promise((resolve) => {
    server.close(() => resolve(undefined))
    server.closeAllConnections()
  })
}

/**
 * Bytes of the request line and headers as they came in (HTTP/1.1 framing,
 * without the body): close to what the browser put on the wire.
 * @param {import('node:http').IncomingMessage} req
 */
function headerBytes(req) {
  let n = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`)
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    n += Buffer.byteLength(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`)
  }
  return n + 2
}

/** @param {import('node:http').IncomingMessage} req */
function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * Serves `pages` (path → HTML string) and `files` (path → file on disk).
 * @param {{ pages: () => Record<string, string>, files: Record<string, string> }} routes
 */
export async function startPageServer(routes) {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const html = routes.pages()[path]
    if (html !== undefined) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        // Cross-origin isolation: performance.now() at 5 µs, not 100 µs.
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      })
      res.end(html)
      return
    }
    const file = routes.files[path]
    if (file !== undefined) {
      try {
        const body = await readFile(file)
        res.writeHead(200, {
          'content-type': 'text/javascript; charset=utf-8',
          'cache-control': 'no-store',
          'cross-origin-resource-policy': 'same-origin',
        })
        res.end(body)
      } catch {
        res.writeHead(404).end()
      }
      return
    }
    res.writeHead(404).end()
  })
  const url = await listen(server)
  return { url, close: () => close(server) }
}

/** Fresh counters for one contender in one round. */
export function newCounts() {
  return {
    /** log-carrying requests (horn: POST …/logs; Datadog: POST /dd?ddforward=/api/v2/logs…) */
    requests: 0,
    bodyBytes: 0,
    headerBytes: 0,
    /** every other request the contender made (registration, CORS preflights, telemetry) */
    otherRequests: 0,
    otherBytes: 0,
    preflights: 0,
    /** entries received (lines), counting a re-sent horn batch index once */
    entries: 0,
    duplicateBatches: 0,
    /** Date.now() when the last entry arrived */
    lastEntryAt: 0,
  }
}

/**
 * The sink. `counts` is swapped by the runner between contenders; the sink
 * runs one contender at a time.
 */
export async function startSink() {
  let counts = newCounts()
  /** horn batches seen, per app session: index → body length (a retry must be byte-identical) */
  /** @type {Map<string, Map<number, number>>} */
  let batches = new Map()
  let sessionSeq = 0

  const server = createServer(async (req, res) => {
    const origin = req.headers.origin
    /** @type {Record<string, string>} */
    const cors = origin
      ? {
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
          vary: 'Origin',
        }
      : {}
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const hBytes = headerBytes(req)
    const body = await readBody(req)

    if (req.method === 'OPTIONS') {
      counts.preflights++
      counts.otherRequests++
      counts.otherBytes += hBytes + body.length
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'POST, GET, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '',
        // What a reasonable API server sends: one preflight per 10 minutes.
        'access-control-max-age': '600',
      })
      res.end()
      return
    }

    // Datadog's proxy: POST /dd?ddforward=<path and query>
    if (path === '/dd') {
      const forward = new URL(req.url ?? '/', 'http://x').searchParams.get('ddforward') ?? ''
      if (req.method === 'POST' && forward.startsWith('/api/v2/logs')) {
        counts.requests++
        counts.bodyBytes += body.length
        counts.headerBytes += hBytes
        // newline-separated JSON events; a beacon or a retry counts again,
        // Datadog has no index to de-duplicate on.
        const text = body.toString('utf8')
        if (text.length > 0) {
          counts.entries += text.split('\n').length
          counts.lastEntryAt = Date.now()
        }
      } else {
        counts.otherRequests++
        counts.otherBytes += hBytes + body.length
      }
      res.writeHead(202, { ...cors, 'content-type': 'application/json' })
      res.end('{}')
      return
    }

    // Horn: POST /app_sessions/new/{clientId} → {id}
    let m = /^\/app_sessions\/new\/([^/]+)$/.exec(path)
    if (m && req.method === 'POST') {
      counts.otherRequests++
      counts.otherBytes += hBytes + body.length
      const id = `bench-${++sessionSeq}`
      res.writeHead(200, { ...cors, 'content-type': 'application/json' })
      res.end(JSON.stringify({ id }))
      return
    }

    // Horn: POST /app_sessions/{id}/logs with {time, data, index}
    m = /^\/app_sessions\/([^/]+)\/logs$/.exec(path)
    if (m && req.method === 'POST') {
      counts.requests++
      counts.bodyBytes += body.length
      counts.headerBytes += hBytes
      let parsed
      try {
        parsed = JSON.parse(body.toString('utf8'))
      } catch {
        res.writeHead(400, cors).end()
        return
      }
      const id = m[1]
      let seen = batches.get(id)
      if (!seen) batches.set(id, (seen = new Map()))
      const index = Number(parsed.index)
      if (seen.has(index)) {
        counts.duplicateBatches++
      } else {
        seen.set(index, body.length)
        const data = String(parsed.data ?? '')
        let lines = 0
        for (let i = data.indexOf('\n'); i !== -1; i = data.indexOf('\n', i + 1)) lines++
        counts.entries += lines
        counts.lastEntryAt = Date.now()
      }
      res.writeHead(204, cors)
      res.end()
      return
    }

    // Anything else the agent may call (link/user): accept and count.
    counts.otherRequests++
    counts.otherBytes += hBytes + body.length
    res.writeHead(req.method === 'POST' ? 204 : 404, cors)
    res.end()
  })
  // Datadog opens up to 32 concurrent requests; the default keep-alive is fine.
  const url = await listen(server)
  return {
    url,
    /** Start counting for a new contender run; returns the live counters. */
    reset() {
      counts = newCounts()
      batches = new Map()
      return counts
    },
    get counts() {
      return counts
    },
    close: () => close(server),
  }
}
