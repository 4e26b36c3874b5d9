/** What stands in place of a redacted value. */
export const REDACTED = '[redacted]'

/**
 * Words whose keys are redacted by default: a key matches when it contains
 * one of them, ignoring case, `-`, `_` and other punctuation (so `passw` hides `password`,
 * `Passwd` and `old_password`; `apikey` hides `x-api-key`). They cover the
 * secrets of the denylists Sentry's SDKs and OpenTelemetry ship (passwords,
 * secrets, tokens, API and private keys, auth and credentials, cookies, CSRF
 * tokens, PHP session cookies, signed URLs' signatures and access keys).
 * Deliberately absent: `session` and `id`, which would hide the app session
 * and channel session ids support staff search by.
 */
export const DEFAULT_REDACT: readonly string[] = 'passw pwd secret token apikey accesskey privatekey auth credential cookie jwt csrf xsrf sessid signature'.split(' ')

/**
 * The key test for a word list, compiled once per logger: one RegExp that
 * finds any word in a key, ignoring case and any character other than a
 * letter or digit (`-`, `_`, `.`, spaces) inside it. It makes no string per
 * key (a log call tests every key of its context) and runs about 20 ns a key.
 */
export function keyMatcher(words: readonly unknown[]): RegExp {
  const parts = words.map((word) => String(word).replace(/[\W_]/g, '').split('').join('[\\W_]?')).filter(Boolean)
  // No word: a pattern that never matches (an empty one would match every key).
  return new RegExp(parts.join('|') || '(?!)', 'i')
}

/** URL parameters secret whatever the list: OAuth's `code`, Azure SAS `sig`, Google API `key`. */
const SECRET_PARAMS = /^(code|sig|key)$/i
/** One query or fragment parameter with a value: `?name=value`, `&name=value`, `#name=value`. */
const PARAM = /([?&#])([^?&#=\s]+)=([^&#\s"'<>]+)/g

/**
 * `text` with the value of every secret-bearing URL parameter in it replaced
 * by `[redacted]`: names matched by `keys`, plus `code`, `sig` and `key`.
 * The path, the names and the other parameters stay. Works on any text (a
 * message, a stack, a bare URL) without parsing URLs.
 */
export function redactUrls(text: string, keys: RegExp): string {
  // Runs on every string of every entry: most have no `=`, and one native scan says so.
  return text.includes('=')
    ? text.replace(PARAM, (all, mark: string, name: string) => (SECRET_PARAMS.test(name) || keys.test(name) ? mark + name + '=' + REDACTED : all))
    : text
}
