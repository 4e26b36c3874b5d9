/** `horn-logger logs <appSessionId>`: one app session's log, filtered, stacks mapped, optionally followed. */
import { parseArgs } from 'node:util'
import { statSync } from 'node:fs'
import { CONNECT_HELP, CONNECT_OPTIONS, connect } from '../connect'
import { HornApiError, HornNetworkError } from '../../api'
import { CliError, EXIT, toCliError } from '../exit'
import type { Io } from '../io'
import { LEVELS, lineFilter, splitLines, toLevel } from '../line'
import { createStackMapper, type MappedStack, type StackMapper } from '../sourcemaps'
import { frameText } from '../stack'

export const LOGS_HELP = `Usage: horn-logger logs <appSessionId> [options]

Prints the app session's log in order, as the agent wrote it.

Options:
  --level LEVEL          only this level and above: debug, info, warn, error
  --grep TEXT            only lines containing TEXT (any case)
  --follow, -f           keep printing new lines as they arrive (Ctrl+C stops)
  --interval MS          how often --follow asks for new lines (default 1000, 200..60000)
  --source-maps DIR      show stack frames of minified files at their original
                         file, line, column and function (maps matched by name:
                         app.min.js -> app.min.js.map, anywhere under DIR)
  --no-fetch-maps        never fetch a frame's http(s) file to follow its
                         sourceMappingURL (fetched by default when DIR has no map)
${CONNECT_HELP}`

const DEFAULT_INTERVAL_MS = 1000
/** Faster would only load the server; slower would not feel live. */
const MIN_INTERVAL_MS = 200
const MAX_INTERVAL_MS = 60_000

/** The mapped frames under a line: `    at original (src/a.ts:3:7)  <- app.min.js:1:220`. */
export function stackText(stacks: MappedStack[]): string {
  let text = ''
  for (const stack of stacks) {
    if (!stack.frames.some((f) => f.original)) continue
    text += `    ${stack.path}, mapped:\n`
    for (const frame of stack.frames) {
      if (!frame.original) {
        text += `      at ${frameText(frame)}\n`
        continue
      }
      const { source, line, column, functionName } = frame.original
      text += `      at ${frameText({ functionName, fileName: source, lineNumber: line, columnNumber: column })}  <- ${frameText({ fileName: frame.fileName, lineNumber: frame.lineNumber, columnNumber: frame.columnNumber })}\n`
    }
  }
  return text
}

/** A line as printed: itself, and under it its stacks mapped back, when a map knew them. */
async function render(line: string, mapper: StackMapper | undefined): Promise<string> {
  if (!mapper || !line.includes('stack')) return line + '\n'
  return line + '\n' + stackText(await mapper.mapLine(line))
}

/**
 * Lines of `text` not printed yet. Batches arrive in index order, so a grown
 * log is the old one plus lines; a late lower batch lands in the middle, so
 * lines are counted, not cut at the old length: nothing twice, nothing lost.
 */
function unseen(text: string, printed: Map<string, number>): string[] {
  const seen = new Map<string, number>()
  const fresh: string[] = []
  for (const line of splitLines(text)) {
    const n = (seen.get(line) ?? 0) + 1
    seen.set(line, n)
    if (n > (printed.get(line) ?? 0)) {
      printed.set(line, n)
      fresh.push(line)
    }
  }
  return fresh
}

/**
 * When the app session last changed, if the server says (the reference server
 * sends `updated` and `batchCount`); another server's answer gives `undefined`,
 * and the log is read at every poll.
 */
function version(session: object): string | undefined {
  const { updated, batchCount } = session as { updated?: unknown; batchCount?: unknown }
  return updated === undefined ? undefined : `${String(updated)}/${String(batchCount)}`
}

export async function logsCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...CONNECT_OPTIONS,
      level: { type: 'string' },
      grep: { type: 'string' },
      follow: { type: 'boolean', short: 'f' },
      interval: { type: 'string' },
      'source-maps': { type: 'string' },
      'no-fetch-maps': { type: 'boolean' },
    },
    allowPositionals: true,
  })
  if (values.help) {
    io.out(LOGS_HELP + '\n')
    return EXIT.ok
  }
  if (positionals.length !== 1) throw new CliError(`logs takes one app session id, got ${positionals.length} (horn-logger logs --help)`, EXIT.usage)
  const [id] = positionals
  const level = values.level === undefined ? undefined : toLevel(values.level)
  if (values.level !== undefined && !level) throw new CliError(`--level must be one of ${LEVELS.join(', ').toLowerCase()}, got "${values.level}"`, EXIT.usage)
  const interval = values.interval === undefined ? DEFAULT_INTERVAL_MS : Number(values.interval)
  if (!(interval >= MIN_INTERVAL_MS && interval <= MAX_INTERVAL_MS)) {
    throw new CliError(`--interval must be ${MIN_INTERVAL_MS}..${MAX_INTERVAL_MS} ms, got "${values.interval}"`, EXIT.usage)
  }
  const dir = values['source-maps']
  if (dir !== undefined && !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(`--source-maps ${dir}: not a directory`, EXIT.usage)
  const { api, apiUrl } = connect(values, io.env)
  const keep = lineFilter({ level, grep: values.grep })
  const mapper = dir !== undefined || !values['no-fetch-maps'] ? createStackMapper({ sourceMapsDir: dir, fetchMaps: !values['no-fetch-maps'] }) : undefined
  const printed = new Map<string, number>()
  const reported = new Set<string>()

  const print = async (text: string) => {
    for (const line of unseen(text, printed)) if (keep(line)) io.out(await render(line, mapper))
    for (const problem of mapper?.problems ?? []) {
      if (!reported.has(problem)) io.err(`horn-logger: ${problem}\n`)
      reported.add(problem)
    }
  }

  // The app session first: an unknown id is a 404 here whatever the logs call would say.
  let last = version(await api.appSessions.get(id))
  await print(await api.appSessions.logs(id))
  if (!values.follow) return EXIT.ok

  let stop = false
  let down = false
  void io.interrupted.then(() => (stop = true))
  while (!stop) {
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, interval))), io.interrupted])
    clearTimeout(timer)
    if (stop) break
    try {
      const now = version(await api.appSessions.get(id))
      const changed = now === undefined || now !== last
      last = now
      if (changed) await print(await api.appSessions.logs(id))
      if (down) io.err('horn-logger logs: the server answers again\n')
      down = false
    } catch (error) {
      // A tail outlives a server restart or a network blip (said once); a refusal or a 404 ends it.
      if (!(error instanceof HornNetworkError) && !(error instanceof HornApiError && error.status >= 500)) throw error
      if (!down) io.err(`horn-logger logs: ${toCliError(error, apiUrl).message}; still following\n`)
      down = true
    }
  }
  return EXIT.ok
}
