/** The errors of `horn-logger/api`: no answer, or an answer that is not a success. */

import { HornError } from '../errors'

/**
 * The server answered with a non-2xx status (or a 2xx whose JSON body does
 * not parse). An aborted call rejects with the signal's reason instead, and a
 * failed connection with {@link HornNetworkError}.
 */
export class HornApiError extends HornError {
  override name = 'HornApiError'
  /** The HTTP status. */
  readonly status: number
  /** The call, as `"METHOD /path"`: `"GET /sessions/abc"` (no query string, no apiUrl). */
  readonly call: string
  /** The server's error body: parsed as JSON when it is JSON, else the text (`""` when empty). */
  readonly body: unknown
  /** The response headers (`Retry-After`, …). */
  readonly headers: Headers

  constructor(call: string, status: number, body: unknown, headers: Headers, message?: string) {
    super(message ?? `${call} failed with status ${status}`)
    this.call = call
    this.status = status
    this.body = body
    this.headers = headers
  }
}

/**
 * The request never got an answer: DNS, connection refused or reset, CORS,
 * offline. The fetch error (usually a `TypeError`) is `cause`.
 */
export class HornNetworkError extends HornError {
  override name = 'HornNetworkError'
  /** The call, as `"METHOD /path"`. */
  readonly call: string

  constructor(call: string, cause: unknown) {
    super(`${call} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.call = call
  }
}
