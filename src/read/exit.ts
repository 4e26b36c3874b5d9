/**
 * The command line's exit codes and its one-line error messages: a support
 * engineer sees what failed (the call, the status, the server's reason),
 * never a stack trace.
 */
import { HornApiError, HornNetworkError } from '../api'

/** Exit codes of `horn-logger` (the README lists them). */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Any other failure: the server answered an error (5xx, 400), or output could not be written. */
  failed: 1,
  /** Bad usage: an unknown command or option, a missing argument, a value that does not parse. */
  usage: 2,
  /** The server refused the token: 401 or 403. */
  auth: 3,
  /** Not found: 404 (an unknown app session, or one this token may not read). */
  notFound: 4,
  /** The server could not be reached (refused, DNS, timeout). */
  unreachable: 5,
} as const

/** A failure the command line reports in one line, with its exit code. */
export class CliError extends Error {
  override name = 'CliError'
  constructor(message: string, readonly code: number) {
    super(message)
  }
}

/** The innermost reason of a failed fetch (`ECONNREFUSED 127.0.0.1:9`), not undici's "fetch failed". */
function rootCause(error: unknown): string {
  let e = error as { message?: string; code?: string; cause?: unknown } | undefined
  let text = e?.message ?? String(error)
  for (let depth = 0; e && depth < 5; depth++) {
    if (e.code) text = e.message && e.message.includes(e.code) ? e.message : `${e.code}${e.message ? ` (${e.message})` : ''}`
    else if (e.message) text = e.message
    e = e.cause as typeof e
  }
  return text
}

/** The server's reason from an error body: `{ "error": "…" }`, or a short text. */
function reasonOf(body: unknown): string {
  if (body && typeof body == 'object' && typeof (body as { error?: unknown }).error == 'string') return (body as { error: string }).error
  if (typeof body == 'string' && body.trim() && body.length < 200 && !body.includes('<')) return body.trim()
  return ''
}

/** Any error of a command as a {@link CliError}: an API error by its status, a network error as unreachable. */
export function toCliError(error: unknown, apiUrl: string): CliError {
  if (error instanceof CliError) return error
  if (error instanceof HornApiError) {
    const reason = reasonOf(error.body)
    const text = `${error.call} answered ${error.status}${reason ? `: ${reason}` : ''}`
    if (error.status === 401 || error.status === 403) return new CliError(`${text} (check --token or HORN_TOKEN)`, EXIT.auth)
    if (error.status === 404) return new CliError(text, EXIT.notFound)
    return new CliError(text, EXIT.failed)
  }
  if (error instanceof HornNetworkError) return new CliError(`cannot reach ${apiUrl} (${error.call}: ${rootCause(error.cause)})`, EXIT.unreachable)
  if (error instanceof Error && error.name === 'TimeoutError') return new CliError(`${apiUrl} did not answer in time`, EXIT.unreachable)
  return new CliError(rootCause(error), EXIT.failed)
}
