// @ts-check
/**
 * The viewer's stack frames, parsed and mapped back to the original sources
 * with the source maps of `--source-maps DIR`, by the package's own reading
 * module (`dist/read.mjs`).
 */
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { HttpError } from './errors.mjs'

/** A stack longer than this is not a stack the agent wrote (it cuts entries at 16 KiB by default). */
const MAX_STACK_CHARS = 64 * 1024

/**
 * Maps stacks with the built reading module (`dist/read.mjs`), loaded on first use.
 * The server never fetches the files a stack names: the log is written by any
 * browser, and following its URLs from the server would let a log make it call anywhere.
 * @param {{ sourceMapsDir?: string, distDir: string }} options
 */
export function createStackService({ sourceMapsDir, distDir }) {
  /** @type {Promise<{ mapStack(stack: string): Promise<unknown[]> }> | undefined} */
  let mapper
  const load = () =>
    (mapper ??= import(pathToFileURL(path.join(distDir, 'read.mjs')).href).then(
      (read) => read.createStackMapper({ sourceMapsDir, fetchMaps: false }),
      (error) => {
        mapper = undefined
        throw new HttpError(503, `dist/read.mjs could not be loaded (run \`npm run build\`): ${error.message}`)
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
        throw new HttpError(400, `"stack" must be a string of at most ${MAX_STACK_CHARS} characters`)
      }
      return (await load()).mapStack(stack)
    },
  }
}
