// @ts-check
/**
 * The viewer's reading side on the reference server: stack frames parsed and
 * mapped back to the original sources (`POST /_demo/stacks`, with the source
 * maps of `--source-maps DIR`), and the chart library's two files, served from
 * the package's own node_modules (`GET /vendor/uplot/…`): no CDN, and the
 * viewer's Content-Security-Policy stays `'self'`.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const DEMO_DIR = path.dirname(fileURLToPath(import.meta.url))
/** What `/vendor/uplot/` serves: these two files and nothing else of node_modules. */
const UPLOT_FILES = new Set(['uPlot.iife.min.js', 'uPlot.min.css'])
/** A stack longer than this is not a stack the agent wrote (it cuts entries at 16 KiB by default). */
const MAX_STACK_CHARS = 64 * 1024

/**
 * The file of `/vendor/uplot/{name}`, or undefined for any other name.
 * @param {string[]} segments the path after `/vendor/`
 */
export function vendorFile(segments) {
  if (segments.length !== 2 || segments[0] !== 'uplot' || !UPLOT_FILES.has(segments[1])) return undefined
  try {
    // uplot's `main` is dist/uPlot.cjs.js: its folder holds the two files.
    return path.join(path.dirname(createRequire(import.meta.url).resolve('uplot')), segments[1])
  } catch {
    return undefined
  }
}

/**
 * Maps stacks with the built reading module (`dist/read.mjs`), loaded on first use.
 * The server never fetches the files a stack names: the log is written by any
 * browser, and following its URLs from the server would let a log make it call anywhere.
 * @param {{ sourceMapsDir?: string, distDir?: string }} options
 */
export function createStackService({ sourceMapsDir, distDir = path.join(DEMO_DIR, '..', 'dist') }) {
  /** @type {Promise<{ mapStack(stack: string): Promise<unknown[]> }> | undefined} */
  let mapper
  const load = () =>
    (mapper ??= import(pathToFileURL(path.join(distDir, 'read.mjs')).href).then(
      (read) => read.createStackMapper({ sourceMapsDir, fetchMaps: false }),
      (error) => {
        mapper = undefined
        throw Object.assign(new Error(`dist/read.mjs could not be loaded (run \`npm run build\`): ${error.message}`), { status: 503 })
      },
    ))
  return {
    sourceMapsDir,
    /**
     * The frames of one stack, mapped where a map knows them.
     * @param {unknown} stack
     */
    async frames(stack) {
      if (typeof stack !== 'string' || stack.length > MAX_STACK_CHARS) {
        throw Object.assign(new Error(`"stack" must be a string of at most ${MAX_STACK_CHARS} characters`), { status: 400 })
      }
      return (await load()).mapStack(stack)
    },
  }
}
