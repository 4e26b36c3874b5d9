// @ts-check
/**
 * The server's refusals, and the store's mapped onto them: both become a JSON
 * `{ error }` with their status (and `Retry-After` when the store asks the
 * caller to wait).
 */
import { StoreError } from '../store.mjs'

export class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} message what was wrong, sent as `{ error }`
   * @param {Record<string, string>} [headers]
   */
  constructor(status, message, headers) {
    super(message)
    this.status = status
    this.headers = headers
  }
}

/**
 * The HTTP answer for a refusal, or undefined for anything else (a bug: a 500).
 * @param {unknown} err @returns {HttpError | undefined}
 */
export function asHttpError(err) {
  if (err instanceof HttpError) return err
  if (err instanceof StoreError) {
    return new HttpError(err.status, err.message, err.retryAfter === undefined ? undefined : { 'Retry-After': String(err.retryAfter) })
  }
  return undefined
}
