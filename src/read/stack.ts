/**
 * Stacks in a log line: where they are (the agent writes an error as
 * `{"error":{"name","message","stack","cause"}}` in the context) and their
 * frames, read by error-stack-parser, which knows the Chromium, Firefox and
 * Safari formats.
 */
import ErrorStackParserModule from 'error-stack-parser'
import type { ParsedLine } from './line'

// A CommonJS module that sets `module.exports.default`: Node's import hands over
// `module.exports`, a bundler that honours `__esModule`-less interop may hand the parser itself.
const ErrorStackParser: typeof ErrorStackParserModule =
  (ErrorStackParserModule as unknown as { default?: typeof ErrorStackParserModule }).default ?? ErrorStackParserModule

/** One frame of a stack, as the browser wrote it. Lines and columns count from 1. */
export interface Frame {
  /** The function, as the (possibly minified) code named it. */
  functionName?: string | undefined
  /** The file's URL or path. */
  fileName?: string | undefined
  lineNumber?: number | undefined
  columnNumber?: number | undefined
  /** The frame's line of the stack, as written. */
  source: string
}

/** A stack found in a line's context. */
export interface FoundStack {
  /** Where in the context: `error.stack`, `error.cause.stack`, `reason.stack`. */
  path: string
  stack: string
  frames: Frame[]
}

/** Stacks deeper than this in a context are not looked for (the agent keeps 8 levels). */
const MAX_DEPTH = 10

/** The frames of a stack string (Chromium, Firefox or Safari format); `[]` when it has none. Never throws. */
export function parseStack(stack: string): Frame[] {
  let frames: ReturnType<typeof ErrorStackParser.parse>
  try {
    frames = ErrorStackParser.parse({ stack } as Error)
  } catch {
    return []
  }
  // Words that merely look like a frame (a message, `dispatchEvent@[native code]` alone) are no stack.
  if (!frames.some((f) => f.fileName && Number.isFinite(f.lineNumber))) return []
  return frames
    .filter((f) => f.fileName !== undefined || f.functionName !== undefined)
    .map((f) => ({
      functionName: f.functionName || undefined,
      fileName: f.fileName || undefined,
      lineNumber: Number.isFinite(f.lineNumber) ? f.lineNumber : undefined,
      columnNumber: Number.isFinite(f.columnNumber) ? f.columnNumber : undefined,
      source: (f.source ?? '').trim(),
    }))
}

/** Every string under a `stack` key of the context, with its path, parsed. */
export function findStacks(line: Pick<ParsedLine, 'context'>): FoundStack[] {
  const found: FoundStack[] = []
  const walk = (value: unknown, path: string, depth: number) => {
    if (depth > MAX_DEPTH || typeof value != 'object' || value === null) return
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key
      if (key === 'stack' && typeof item == 'string') {
        const frames = parseStack(item)
        if (frames.length) found.push({ path: at, stack: item, frames })
      } else walk(item, at, depth + 1)
    }
  }
  walk(line.context, '', 0)
  return found
}

/** `fn (file:line:col)`, `file:line:col` or `fn`: a frame on one line. */
export function frameText(frame: { functionName?: string | undefined; fileName?: string | undefined; lineNumber?: number | undefined; columnNumber?: number | undefined }): string {
  const where = frame.fileName === undefined ? '' : [frame.fileName, frame.lineNumber, frame.columnNumber].filter((p) => p !== undefined).join(':')
  if (!frame.functionName) return where || '<anonymous>'
  return where ? `${frame.functionName} (${where})` : frame.functionName
}
