/** What stands in place of a redacted value. */
export const REDACTED = '[redacted]'

/**
 * Words whose keys are redacted by default: a key matches when it contains
 * one of them, ignoring case, `-`, `_` and other punctuation (so `passw` hides `password`,
 * `Passwd` and `old_password`; `apikey` hides `x-api-key`). They cover the
 * secrets of the denylists Sentry's SDKs and OpenTelemetry ship (passwords,
 * secrets, tokens, API and private keys, auth and credentials, cookies, CSRF
 * tokens, PHP and Express session cookies (`PHPSESSID`, `connect.sid`),
 * one-time codes, signed URLs' signatures and access keys). `_sid_` and
 * `_otp` match as words only (`side`, `inside` and `footprint` stay).
 * Deliberately absent: `session` and `id`, which would hide the app session
 * and channel session ids support staff search by.
 */
export const DEFAULT_REDACT: readonly string[] = 'passw passphrase pwd secret token apikey accesskey privatekey auth credential cookie jwt csrf xsrf sessid _sid_ _otp signature'.split(' ')

/**
 * The key test for a word list, compiled once per logger: one RegExp that
 * finds any word in a key, ignoring case and any character other than a
 * letter or digit (`-`, `_`, `.`, spaces) inside it. It makes no string per
 * key (a log call tests every key of its context) and runs about 20 ns a key.
 */
export function keyMatcher(words: readonly unknown[]): RegExp {
  const parts = words.map((word) => {
    const text = String(word)
    const core = text.replace(/[\W_]/g, '').split('').join('[\\W_]?')
    // `_sid_`: a `_` at an end asks for a word boundary there (start: `\b`, `_` or a digit before; end: no letter after).
    return core && (text[0] == '_' ? '(?:\\b|[_\\d])' : '') + core + (text.endsWith('_') ? '(?![a-z])' : '')
  }).filter(Boolean)
  // No word: a pattern that never matches (an empty one would match every key).
  return new RegExp(parts.join('|') || '(?!)', 'i')
}

/** URL parameters secret whatever the list: OAuth's `code`, Azure SAS `sig`, Google API `key`. */
const SECRET_PARAMS = /^(code|sig|key)$/i
/** One query or fragment parameter with a value: `?name=value`, `&name=value`, `#name=value`. */
const PARAM = /([?&#]|%(?:25)?(?:3f|26|23))([^?&#=\s%]+)(=|%(?:25)?3d)([^&#\s"'<>]+)/gi

/**
 * `text` with the value of every secret-bearing URL parameter in it replaced
 * by `[redacted]`: names matched by `keys`, plus `code`, `sig` and `key`.
 * The path, the names and the other parameters stay. Works on any text (a
 * message, a stack, a bare URL) without parsing URLs.
 */
export function redactUrls(text: string, keys: RegExp): string {
  // Runs on every string of every entry: most have no `=`, and one native scan says so.
  // `%3F`, `%26`, `%3D` (or `%253D`): the parameters of a URL encoded inside another one's.
  return text.includes('=') || text.includes('%')
    ? text.replace(PARAM, (_, mark: string, name: string, is: string, value: string) =>
        // A harmless parameter's value may hold a URL with its own parameters (`?next=/cb?code=…`).
        mark + name + is + (SECRET_PARAMS.test(name) || keys.test(name) ? REDACTED : redactUrls(value, keys)),
      )
    : text
}

/**
 * Secrets recognised by their shape, in any text (Sentry Relay's PII rules
 * and gitleaks' rules are the models). The secret is each alternative's
 * last group, and the match ends with it, so `cut` takes it off the end:
 * URL userinfo, `//user:pass@` (also `%2F%2F…%40`, encoded inside another
 * URL); `Bearer` and `Basic` credentials; JWTs, `eyJ….eyJ….…`; a PEM private
 * key's body, up to its END line (or the text's end: a cut key); a card
 * number (13–19 digits, spaces or dashes between; checked by Luhn).
 */
const SHAPES = /(?:\/\/|%2f%2f)([^\s/?#@"'<>&]+?)(?=@|%40)|\b(?:bearer|basic)\s+([\w.~+/-]+=*)|\b(ey[\w-]{8,}\.ey[\w-]{8,}\.[\w-]*)|-----BEGIN[A-Z ]*PRIVATE KEY[A-Z ]*-----([^]*?)(?=-----END|$)|\b([2-6](?:[ -]?\d){12,18})\b/gi

/**
 * A `name=value`, `name: value` or `"name": "value"` pair whose name holds a
 * redacted word (`WORDS`, the key matcher's source): a quoted value to its
 * closing quote, a bare one after `=` to the next separator, one after `: `
 * (or `":` in JSON) to the end of the line (a header line). `auth.js:10:5`
 * in a stack is no pair: a bare value needs a space after the colon. A name
 * starts after a non-name character and is followed by a separator (cheap
 * tests, before the word search).
 */
const PAIRS = /(?:^|[^\w.%-]|%\w\w)(?=[\w.-]+\\*["']?\s*[:=%])(?=[\w.-]*?(?:WORDS))[\w.-]+(?:(?:\\*["']\s*:\s*|\s*:\s+)([^\s"'\\][^\r\n]*)|(?:\\*["'])?\s*(?:(?:[:=]|%(?:25)?3d)\s*\\*(["'])((?:(?!\2)[^\\\r\n]|\\.)*)|(?:=|%(?:25)?3d)\s*([^\s&#;,"'<>]+)))/.source

/**
 * Text that may hold a shape, a cheap superset of `SHAPES`: a `//` and an
 * `@` before the next `/`, the two words, a JWT's `.ey`, a PEM's dashes
 * (`SHAPED`); 13 digits (`DIGITS`). Most strings (`ICE state: connected`, a
 * stack's URLs) stop here, about ten times cheaper than the shapes
 * themselves. Two tests, not one: V8 runs each about four times faster than
 * the two as alternatives of one pattern.
 */
const SHAPED = /(?:\/\/|%2f%2f)[^\s/@]+(?:@|%40)|bearer|basic|\.ey|-----/i
const DIGITS = /(?:\d[ -]?){13}/
/** The pair matcher of each key matcher (one per logger, made on first use). */
const pairs = new WeakMap<RegExp, RegExp>()

/** `all` with its secret, the last group that took part, replaced (the last two arguments are the offset and the text). */
function cut(all: string, ...groups: unknown[]): string {
  const parts = groups.filter((group) => group != null)
  const secret = parts[parts.length - 3] as string
  return secret ? all.slice(0, -secret.length) + REDACTED : all
}

function hide(all: string, _: string, credential?: string, _jwt?: string, _pem?: string, card?: string): string {
  // `Basic information`: a Basic credential is base64 (a digit, `+/=` or a capital inside).
  if (credential && /^ba/i.test(all) && !/[\d+/=]|.[A-Z]/.test(credential)) return all
  if (card) {
    // Luhn: every second digit from the right doubled, its digits summed (8 → 16 → 7).
    let sum = 0
    let i = 0
    for (const digit of card.replace(/\D/g, '').split('').reverse()) sum += +(i++ % 2 ? '0246813579'[+digit] : digit)
    if (sum % 10) return all
  }
  return cut(...(arguments as unknown as [string]))
}

/**
 * `text` as it may leave the page: secret URL parameters' values redacted
 * (`redactUrls`), and every secret recognised by its shape (`SHAPES`,
 * `PAIRS`). Each costly pattern runs only where a cheap test finds what it
 * needs: `=` or `%` for parameters, `SHAPED` for shapes, a separator and
 * a redacted word for pairs.
 */
export function redactText(text: string, keys: RegExp): string {
  // Parameters need `=` or `%`, pairs a `:`, `=` or `%` after a name: one native scan for both.
  const marked = /[:=%]/.test(text)
  if (marked) text = redactUrls(text, keys)
  if (SHAPED.test(text) || DIGITS.test(text)) text = text.replace(SHAPES, hide)
  if (!marked || !keys.test(text)) return text
  let pair = pairs.get(keys)
  if (!pair) pairs.set(keys, (pair = new RegExp(PAIRS.replace('WORDS', keys.source), 'gi')))
  return text.replace(pair, cut)
}
