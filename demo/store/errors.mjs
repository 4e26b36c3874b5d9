// @ts-check
/**
 * What the store throws when it refuses a call. It knows no HTTP: `status` is
 * the Horn API's answer for the refusal (the server sends it as is) and `code`
 * names the case for a reader of the code or the logs.
 */
export class StoreError extends Error {
  /**
   * @param {number} status 404 unknown, 403 role too low, 409 conflict, 503 write failed, 507 quota full
   * @param {'not-found' | 'forbidden' | 'conflict' | 'write-failed' | 'quota'} code
   * @param {string} message what was wrong, for the caller
   * @param {number} [retryAfter] seconds the caller should wait before trying again
   */
  constructor(status, code, message, retryAfter) {
    super(message)
    this.name = 'StoreError'
    this.status = status
    this.code = code
    this.retryAfter = retryAfter
  }
}

/** @param {string} message */
export const notFound = (message) => new StoreError(404, 'not-found', message)
/** @param {string} message */
export const forbidden = (message) => new StoreError(403, 'forbidden', message)
