/** Whether `value` is an `Error`, never throwing (a Proxy's `getPrototypeOf` trap may). */
export function isError(value: unknown): value is Error {
  try {
    return value instanceof Error
  } catch {
    return false
  }
}
