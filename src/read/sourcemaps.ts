/**
 * Stack frames that point into minified files, shown at their original file,
 * line, column and function. Maps come from a directory (matched by file name:
 * `app.min.js` → `app.min.js.map`, anywhere under it) or, when allowed, from
 * the `sourceMappingURL` of the minified file fetched over http(s).
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { TraceMap, originalPositionFor, sourceContentFor } from '@jridgewell/trace-mapping'
import { findStacks, parseStack, type Frame } from './stack'
import { parseLine, type ParsedLine } from './line'

/** Where a frame was in the original source. Lines and columns count from 1, as in stacks. */
export interface OriginalPosition {
  /** The source file as the map names it (`src/checkout.ts`, `webpack://app/src/checkout.ts`). */
  source: string
  line: number
  column: number
  /** The original function, when the map or the source tells it. */
  functionName?: string | undefined
}

/** A frame and, when a map knew it, its original position. */
export interface MappedFrame extends Frame {
  original?: OriginalPosition | undefined
}

/** A stack of a log line, its frames mapped. */
export interface MappedStack {
  /** Where in the line's context: `error.stack`, `error.cause.stack`. */
  path: string
  frames: MappedFrame[]
}

/** Options of {@link createStackMapper}. */
export interface StackMapperOptions {
  /**
   * A directory of source maps, searched recursively; a frame in `…/app.min.js`
   * uses `app.min.js.map` (or the map that a local `app.min.js` names).
   * @default undefined (no directory)
   */
  sourceMapsDir?: string | undefined
  /**
   * Fetch a frame's http(s) file and follow its `sourceMappingURL` (or
   * `SourceMap` header) when the directory has no map for it. Off in a server:
   * the URLs come from the log, which any browser may write.
   * @default false
   */
  fetchMaps?: boolean | undefined
  /**
   * Milliseconds a fetch of a minified file or of a map may take.
   * @default 5000
   */
  fetchTimeoutMs?: number | undefined
  /** @default globalThis.fetch */
  fetch?: typeof fetch | undefined
}

/** Made by {@link createStackMapper}. */
export interface StackMapper {
  /** The frames of one stack string, mapped where a map is found. Never rejects. */
  mapStack(stack: string): Promise<MappedFrame[]>
  /** Every stack in one log line's context, mapped. Never rejects. */
  mapLine(line: string | ParsedLine): Promise<MappedStack[]>
  /** What went wrong on the way (a map that does not parse, a fetch that failed): one message per file. */
  readonly problems: string[]
}

/** A minified file that names no map within its first bytes is not read further than this. */
const DEFAULT_FETCH_TIMEOUT_MS = 5000
/** stacktrace-gps looks this far back for the enclosing function's declaration; so do we. */
const MAX_LINES_BACK = 250
/** `//# sourceMappingURL=…` (or the old `//@`), the last one in the file. */
const SOURCE_MAPPING_URL = /[#@]\s*sourceMappingURL=([^\s'"*]+)\s*(?:\*\/\s*)?$/gm
/** Declarations whose name a frame in the middle of them takes. */
const DECLARATIONS = [
  /function\s*\*?\s*([$\w]+)\s*\(/,
  /([$\w]+)\s*[:=]\s*(?:async\s+)?function\b/,
  /([$\w]+)\s*[:=]\s*(?:async\s+)?(?:\([^()]*\)|[$\w]+)\s*(?::[^=]*)?=>/,
  /^\s*(?:(?:static|async|get|set|public|private|protected)\s+)*([$\w]+)\s*\([^()]*\)\s*(?::[^{]*)?\{/,
]
const NOT_NAMES = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'return', 'function'])

type Loaded = TraceMap | undefined

/** The frame's file name without query, hash or directories: the key into the directory of maps. */
function baseName(fileName: string): string {
  const bare = fileName.replace(/[?#].*$/, '')
  const name = bare.slice(bare.lastIndexOf('/') + 1)
  try {
    return decodeURIComponent(name)
  } catch {
    return name
  }
}

/** The JSON of a `data:` URL (base64 or percent-encoded). */
function dataUrlText(url: string): string {
  const comma = url.indexOf(',')
  const meta = url.slice(5, comma)
  const body = url.slice(comma + 1)
  return /;base64$/i.test(meta) ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body)
}

/** The last `sourceMappingURL` a file's text names. */
function mappingUrlOf(text: string): string | undefined {
  let last: string | undefined
  for (const m of text.matchAll(SOURCE_MAPPING_URL)) last = m[1]
  return last
}

/**
 * The function around an original position, read from the original source:
 * the nearest declaration at or above it (as stacktrace-gps does).
 */
function enclosingFunction(source: string, line: number, column: number): string | undefined {
  const lines = source.split('\n')
  for (let i = line - 1, seen = 0; i >= 0 && seen < MAX_LINES_BACK; i--, seen++) {
    const text = i === line - 1 ? (lines[i] ?? '').slice(0, column + 40) : lines[i] ?? ''
    for (const pattern of DECLARATIONS) {
      const name = pattern.exec(text)?.[1]
      if (name && !NOT_NAMES.has(name)) return name
    }
  }
  return undefined
}

/**
 * Maps stack frames back to the sources. Maps are loaded once each, on first use.
 *
 * @example
 * ```ts
 * const mapper = createStackMapper({ sourceMapsDir: "./maps" })
 * for (const stack of await mapper.mapLine(line)) for (const f of stack.frames) console.log(f.original ?? f)
 * ```
 */
export function createStackMapper(options: StackMapperOptions = {}): StackMapper {
  const { sourceMapsDir, fetchMaps = false, fetchTimeoutMs = DEFAULT_FETCH_TIMEOUT_MS } = options
  const maps = new Map<string, Promise<Loaded>>()
  const problems: string[] = []
  let index: Map<string, string> | undefined

  /** Every file under the directory by base name (the first found wins). */
  function files(): Map<string, string> {
    if (index) return index
    index = new Map()
    if (!sourceMapsDir) return index
    try {
      for (const rel of readdirSync(sourceMapsDir, { recursive: true }) as string[]) {
        const name = path.basename(rel)
        if (!index.has(name)) index.set(name, path.join(sourceMapsDir, rel))
      }
    } catch (error) {
      problems.push(`cannot read ${sourceMapsDir}: ${(error as Error).message}`)
    }
    return index
  }

  const parseMap = (text: string, from: string): Loaded => {
    try {
      return new TraceMap(text)
    } catch (error) {
      problems.push(`${from}: not a source map (${(error as Error).message})`)
      return undefined
    }
  }

  function fromDirectory(name: string): Loaded | null {
    const found = files()
    const mapFile = found.get(name + '.map')
    if (mapFile) return parseMap(readFileSync(mapFile, 'utf8'), mapFile)
    // The minified file itself may be there, naming its map.
    const generated = found.get(name)
    if (!generated) return null
    const ref = mappingUrlOf(readFileSync(generated, 'utf8'))
    if (!ref) return null
    if (ref.startsWith('data:')) return parseMap(dataUrlText(ref), generated)
    if (/^[a-z]+:/i.test(ref)) return null
    const mapFile2 = path.resolve(path.dirname(generated), decodeURIComponent(ref.replace(/[?#].*$/, '')))
    try {
      return parseMap(readFileSync(mapFile2, 'utf8'), mapFile2)
    } catch {
      return null
    }
  }

  async function fetchText(url: string): Promise<{ text: string; headers: Headers }> {
    const f = options.fetch ?? globalThis.fetch
    const response = await f(url, { signal: AbortSignal.timeout(fetchTimeoutMs) })
    const text = await response.text()
    if (!response.ok) throw new Error(`answered ${response.status}`)
    return { text, headers: response.headers }
  }

  async function fromUrl(url: string): Promise<Loaded> {
    try {
      const file = await fetchText(url)
      const ref = mappingUrlOf(file.text) ?? file.headers.get('SourceMap') ?? file.headers.get('X-SourceMap') ?? undefined
      if (!ref) {
        problems.push(`${url} names no source map`)
        return undefined
      }
      if (ref.startsWith('data:')) return parseMap(dataUrlText(ref), url)
      const mapUrl = new URL(ref, url).href
      if (!/^https?:$/.test(new URL(mapUrl).protocol)) return undefined
      return parseMap((await fetchText(mapUrl)).text, mapUrl)
    } catch (error) {
      problems.push(`cannot fetch the map of ${url}: ${(error as Error).message}`)
      return undefined
    }
  }

  function load(fileName: string): Promise<Loaded> {
    let loaded = maps.get(fileName)
    if (!loaded) {
      loaded = (async () => {
        try {
          const local = fromDirectory(baseName(fileName))
          if (local !== null) return local
        } catch (error) {
          problems.push(`${fileName}: ${(error as Error).message}`)
        }
        return fetchMaps && /^https?:\/\//i.test(fileName) ? fromUrl(fileName) : undefined
      })()
      maps.set(fileName, loaded)
    }
    return loaded
  }

  async function mapFrames(frames: Frame[]): Promise<MappedFrame[]> {
    const positions = await Promise.all(
      frames.map(async (frame) => {
        if (!frame.fileName || frame.lineNumber === undefined) return undefined
        const map = await load(frame.fileName)
        if (!map) return undefined
        const column = (frame.columnNumber ?? 1) - 1
        const pos = originalPositionFor(map, { line: frame.lineNumber, column })
        if (pos.source === null) return undefined
        return { map, pos: { source: pos.source, line: pos.line, column: pos.column, name: pos.name } }
      }),
    )
    return frames.map((frame, i) => {
      const found = positions[i]
      if (!found) return frame
      const { map, pos } = found
      // A frame's function is named where its caller calls it: the name at the next frame's position.
      let functionName = positions[i + 1]?.pos.name ?? undefined
      if (!functionName && frame.functionName) {
        const content = sourceContentFor(map, pos.source)
        functionName = (content && enclosingFunction(content, pos.line, pos.column)) || frame.functionName
      }
      return { ...frame, original: { source: pos.source, line: pos.line, column: pos.column + 1, functionName } }
    })
  }

  return {
    problems,
    async mapStack(stack) {
      try {
        return await mapFrames(parseStack(stack))
      } catch {
        return parseStack(stack)
      }
    },
    async mapLine(line) {
      const parsed = typeof line == 'string' ? parseLine(line) : line
      const out: MappedStack[] = []
      for (const found of findStacks(parsed)) {
        let frames: MappedFrame[] = found.frames
        try {
          frames = await mapFrames(found.frames)
        } catch {
          // a map that breaks on one frame leaves the stack as written
        }
        out.push({ path: found.path, frames })
      }
      return out
    },
  }
}
