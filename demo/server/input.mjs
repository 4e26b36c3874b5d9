// @ts-check
/**
 * Checking what a client sent: JSON bodies (flat objects, bounded depth),
 * Horn `long`s, strings, ids, and typed query parameters. Every refusal is a
 * 400 naming the field.
 */
import { HttpError } from './errors.mjs'

/** The agent's bodies are flat objects; deep nesting is only ever an attack on the parser. */
const MAX_JSON_DEPTH = 8
const DEFAULT_PAGE_SIZE = 50
const MAX_PAGE_SIZE = 1000
export const MAX_ID_CHARS = 200
export const MAX_URL_CHARS = 8192
const MAX_IMG_SIZE = 4096

/**
 * How deep `[` and `{` nest in a JSON text, counted outside strings, stopping
 * past `max`: one linear pass, before the parser recurses into an attacker's input.
 * @param {string} text @param {number} max
 */
function jsonDepthOver(text, max) {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) {
      if (++depth > max) return true
    } else if (c === 125 || c === 93) depth--
  }
  return false
}

/** @param {string} body @returns {Record<string, unknown>} */
export function parseJsonObject(body) {
  if (jsonDepthOver(body, MAX_JSON_DEPTH)) throw new HttpError(400, `request body nests deeper than ${MAX_JSON_DEPTH} levels`)
  let value
  try {
    value = JSON.parse(body)
  } catch (err) {
    throw new HttpError(400, body === '' ? 'request body is empty; expected a JSON object' : `request body is not valid JSON: ${/** @type {Error} */ (err).message}`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'request body must be a JSON object')
  return value
}

/** A `long` in the Horn API: a non-negative safe integer (timestamps, indexes). @param {unknown} v @param {string} name */
export function checkLong(v, name) {
  if (v === undefined) throw new HttpError(400, `"${name}" is required`)
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new HttpError(400, `"${name}" must be a non-negative integer, got ${JSON.stringify(v)}`)
  return v
}

/** @param {unknown} v @param {string} name @param {number} max @param {boolean} [allowEmpty] */
export function checkString(v, name, max, allowEmpty = false) {
  if (v === undefined) throw new HttpError(400, `"${name}" is required`)
  if (typeof v !== 'string') throw new HttpError(400, `"${name}" must be a string, got ${v === null ? 'null' : typeof v}`)
  if (!allowEmpty && v === '') throw new HttpError(400, `"${name}" must not be empty`)
  if (v.length > max) throw new HttpError(400, `"${name}" is longer than ${max} characters`)
  return v
}

/** @param {string} v @param {string} name */
export function checkId(v, name) {
  // eslint-disable-next-line no-control-regex
  if (v.length > MAX_ID_CHARS || /[\u0000-\u001f\u007f]/.test(v)) throw new HttpError(400, `${name} must be at most ${MAX_ID_CHARS} printable characters`)
  return v
}

/**
 * Typed access to query parameters: a value that is present but wrong (or
 * given twice) is a 400 naming the parameter, never silently ignored.
 * @param {URLSearchParams} params
 */
export function queryReader(params) {
  /** @param {string} name */
  const one = (name) => {
    const all = params.getAll(name)
    if (all.length > 1) throw new HttpError(400, `query parameter "${name}" is given ${all.length} times`)
    return all[0]
  }
  /** @param {string} name @param {number} min @param {number} max */
  const int = (name, min = 0, max = Number.MAX_SAFE_INTEGER) => {
    const raw = one(name)
    if (raw === undefined) return undefined
    const n = Number(raw)
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new HttpError(400, `query parameter "${name}" must be an integer within ${min}..${max}, got "${raw}"`)
    }
    return n
  }
  return {
    int,
    /** @param {string} name */
    string: (name) => {
      const v = one(name)
      if (v !== undefined && v.length > MAX_URL_CHARS) throw new HttpError(400, `query parameter "${name}" is too long`)
      return v
    },
    /** @param {string} name @param {number} min @param {number} max */
    number: (name, min, max) => {
      const raw = one(name)
      if (raw === undefined) return undefined
      const n = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new HttpError(400, `query parameter "${name}" must be a number within ${min}..${max}, got "${raw}"`)
      return n
    },
    /** @param {string} name @param {string[]} values */
    oneOf: (name, values) => {
      const v = one(name)
      if (v !== undefined && !values.includes(v)) throw new HttpError(400, `query parameter "${name}" must be one of ${values.join(', ')}, got "${v}"`)
      return v
    },
    page: () => ({ offset: int('offset') ?? 0, limit: int('limit', 0, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE }),
    imgSize: (name = 'imgSize') => int(name, 1, MAX_IMG_SIZE),
  }
}
