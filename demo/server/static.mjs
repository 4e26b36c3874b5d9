// @ts-check
/**
 * Static files: the demo pages and viewer (`publicDir`, under their Content
 * Security Policy) at `/`, the build (`distDir`) at `/dist/`.
 */
import { createReadStream, promises as fsp } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { send, sendJson } from './http.mjs'

/** The demo pages run under this, to show that the agent and the pages need no inline script, eval or inline style. */
export const DEMO_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'"

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

/**
 * The chart library's two files, `/vendor/uplot/{name}`, from the package's own node_modules:
 * no CDN, and the viewer's policy stays `'self'`. Nothing else of node_modules is served.
 */
const VENDOR_FILES = new Set(['uplot/uPlot.iife.min.js', 'uplot/uPlot.min.css'])

/** @param {string[]} rel the path after `/vendor/` @returns {string | undefined} */
function vendorFile(rel) {
  if (!VENDOR_FILES.has(rel.join('/'))) return undefined
  try {
    // uplot's `main` is dist/uPlot.cjs.js: its folder holds both files.
    return path.join(path.dirname(createRequire(import.meta.url).resolve('uplot')), rel[1])
  } catch {
    return undefined
  }
}

/**
 * @param {{ publicDir: string, distDir: string, csp: string | false }} o `csp`: sent with every HTML file of `publicDir`
 */
export function createStatic({ publicDir, distDir, csp }) {
  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res @param {string[]} segments */
  return async function serveStatic(req, res, segments) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD, OPTIONS')
      return sendJson(res, 405, { error: `${req.method} is not allowed on static files` })
    }
    const inDist = segments[0] === 'dist'
    const root = inDist ? distDir : publicDir
    const rel = inDist ? segments.slice(1) : segments
    // Decoded segments may hide `..`, `/` or NUL (%2e%2e, %2f, %00): refuse rather than resolve them.
    if (rel.some((s) => s === '..' || s === '.' || /[\\/\0]/.test(s))) return notFound(res, segments, inDist)
    const vendor = segments[0] === 'vendor' ? vendorFile(segments.slice(1)) : undefined
    let file = vendor ?? path.join(root, ...rel)
    let stat = await fsp.stat(file).catch(() => undefined)
    if (stat?.isDirectory()) {
      file = path.join(file, 'index.html')
      stat = await fsp.stat(file).catch(() => undefined)
    }
    if (!stat?.isFile()) return notFound(res, segments, inDist)
    if (csp && !inDist && path.extname(file).toLowerCase() === '.html') res.setHeader('Content-Security-Policy', csp)
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': stat.size,
      // The demo is edited and rebuilt while it runs: always revalidate.
      'Cache-Control': 'no-cache',
    })
    if (req.method === 'HEAD') return res.end()
    createReadStream(file).on('error', () => res.destroy()).pipe(res)
  }
}

/** @param {import('node:http').ServerResponse} res @param {string[]} segments @param {boolean} inDist */
function notFound(res, segments, inDist) {
  // Browsers ask for it on their own; the demo has none, and a 404 in every console is noise.
  if (segments.length === 1 && segments[0] === 'favicon.ico') return res.writeHead(204, { 'Cache-Control': 'max-age=86400' }).end()
  const hint = inDist ? ' (run `npm run build` to make dist/)' : segments.join('/') === '' ? ' (the demo pages are not in demo/public/ yet)' : ''
  send(res, 404, 'text/plain; charset=utf-8', `not found: /${segments.join('/')}${hint}\n`)
}
