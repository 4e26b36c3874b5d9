/** Severity of an entry, lowest first. */
export type Level = 'debug' | 'info' | 'warn' | 'error'

/** One log call, as `beforeSend` sees it. */
export interface LogEntry {
  /** Milliseconds since the epoch (UTC) when the call was made. */
  time: number
  level: Level
  message: string
  /** The global, child and call context merged (the call's keys win), already made safe: redacted, JSON-compatible. */
  context?: Record<string, unknown>
}

/** One log call, as the formatter sees it. */
export interface Entry extends LogEntry {
  /** 0, 1, 2, … per logger, in call order. */
  seq: number
}

/**
 * Sees every entry before it is formatted. Return it (changed or not) to send
 * it, or `false` to drop it. Only `message` and `context` of what it returns
 * are used. A hook that throws or returns anything else leaves the entry as
 * it was (with one console warning). Return new objects rather than changing
 * nested ones in place: those may be shared with the global context.
 */
export type BeforeSend = (entry: LogEntry) => LogEntry | false

/** Turns an entry into one line. Newlines inside it are escaped; `\n` is added. */
export type Formatter = (entry: Entry) => string

export type Headers = Record<string, string>

/** Options of {@link createLogger}. Everything but `clientId` has a default. */
export interface LoggerConfig {
  /** The Horn client id the app session is registered under. */
  clientId: string
  /**
   * Base URL of the Horn API; every request goes here and nowhere else.
   * @default location.origin
   */
  apiUrl?: string
  /** Channel the app runs in, sent with the registration. */
  channel?: string
  /**
   * Entries below this level are ignored.
   * @default 'debug'
   */
  level?: Level
  /**
   * Uncaught errors and unhandled promise rejections become `error` entries.
   * @default true
   */
  captureErrors?: boolean
  /**
   * `console.debug/log/info/warn/error` calls also become entries (and still print).
   * @default false
   */
  captureConsole?: boolean
  /** Headers sent with every request, or a function returning them (called per request). */
  headers?: Headers | (() => Headers)
  /**
   * The fetch `credentials` mode of every request.
   * @default 'same-origin'
   */
  credentials?: RequestCredentials
  /**
   * Longest time in ms an entry waits before its batch is sent; runs from the first waiting entry.
   * @default 1000
   */
  flushInterval?: number
  /**
   * Largest request body in bytes. Kept under 64 KiB so an unload `keepalive` request fits.
   * @default 32768
   */
  maxBatchBytes?: number
  /**
   * Most entries in one batch.
   * @default 1000
   */
  maxBatchEntries?: number
  /**
   * Longest formatted entry in bytes; longer ones are truncated and marked.
   * @default 8192
   */
  maxEntryBytes?: number
  /**
   * Bound on what waits for delivery, in memory and IndexedDB together. Past it the
   * oldest unsent entries are dropped, counted, and replaced by one WARN line.
   * @default 8388608 (8 MiB)
   */
  maxStoredBytes?: number
  /**
   * `'text'` (ISO time, level, message, context as JSON), `'json'` (one object per line) or a function.
   * @default 'text'
   */
  format?: 'text' | 'json' | Formatter
  /**
   * Words whose keys have their values replaced by `"[redacted]"`, at any depth.
   * A key matches when it contains a word, ignoring case, `-` and `_`
   * (`token` hides `accessToken`, `id_token` and `X-CSRF-Token`). The same
   * words pick the URL query and fragment parameters whose values are
   * redacted in strings and in the registered `url`, where `code`, `sig` and
   * `key` always are. The list replaces the default one; to add to it:
   * `redact: [...DEFAULT_REDACT, 'pin']`.
   * The words also pick the `name=value`, `name: value` and `"name": "value"`
   * pairs redacted inside text. A `_` at an end of a word asks for a word
   * boundary there: `_sid_` hides `connect.sid` but not `inside`.
   * @default DEFAULT_REDACT: ['passw', 'passphrase', 'pwd', 'secret', 'token', 'apikey', 'accesskey', 'privatekey', 'auth', 'credential', 'cookie', 'jwt', 'csrf', 'xsrf', 'sessid', '_sid_', '_otp', 'signature']
   */
  redact?: readonly string[]
  /**
   * Longest time in ms a request may take, answer included. One that takes
   * longer is aborted and retried like a network error (its resend is
   * byte-identical, so nothing is doubled). Sized so that a 60 KiB body still
   * goes through on a link of about 8 kbit/s.
   * @default 60000
   */
  requestTimeout?: number
  /**
   * Where entries wait: `'indexeddb'` survives crashes and reloads; `'memory'` does not.
   * @default 'indexeddb'
   */
  storage?: 'indexeddb' | 'memory'
  /**
   * Called with each entry before it is formatted: return it (perhaps with a new
   * `message` or `context`) to send it, or `false` to drop it (not counted, not stored).
   * @example
   * beforeSend: (entry) => (entry.message.startsWith('heartbeat') ? false : entry)
   */
  beforeSend?: BeforeSend
  /** The application's version, e.g. `'4.2.0'`; shown in the first line of each app session. */
  release?: string
  /** Where the application runs, e.g. `'production'`; shown in the first line of each app session. */
  environment?: string
  /**
   * The initial global context, merged into every entry (the entry's own keys win).
   * @example
   * context: { tenant: 'acme' }
   */
  context?: object
  /**
   * Start each app session's log with one `INFO` entry describing the page: user agent,
   * language, time zone, screen and viewport, device and connection hints, `release`,
   * `environment`. It is one entry like the others (counted in `stats()`), logged whatever the `level`.
   * @default true
   */
  logPageInfo?: boolean
  /**
   * At most this many identical entries a minute: same level and message (for
   * an error, same name, message and top stack frame; the context does not
   * count). Those beyond are counted, not logged, and one entry at the same
   * level says `horn-logger suppressed N repeats of: <message>` when the
   * minute ends, or earlier at `flush()`, `close()` and page exit. Other
   * entries are logged as usual meanwhile. Suppressed entries are not in
   * `stats()`. `0` turns the limit off.
   * @default 10
   */
  repeatLimit?: number
  /**
   * Uncaught errors and unhandled rejections not logged: a string matches when
   * it is part of the tested text, a RegExp when it matches it. The tested
   * text is `Name: message` (or the event's message), then the stack and the
   * script's URL, one per line. The list replaces the default one; to add to
   * it: `ignoreErrors: [...DEFAULT_IGNORE_ERRORS, 'Timeout']`.
   * @default DEFAULT_IGNORE_ERRORS: "Script error." without details (a
   * cross-origin script's), `ResizeObserver loop` notices, and errors that
   * name a browser extension's script (`chrome-extension://`,
   * `moz-extension://`, `safari-web-extension://`) and no page URL.
   */
  ignoreErrors?: ReadonlyArray<string | RegExp>
  /**
   * The page's failed requests become `WARN` entries, one line each: `fetch`
   * or `xhr`, method, URL (redacted like any), then the status or
   * `failed: <error>` (network error, timeout, abort), and the duration, e.g.
   * `fetch GET https://app.example/api/rooms 503 (120 ms)`. Failed means no
   * answer, or a status within one of `statuses` (inclusive `[from, to]`
   * pairs). Never bodies or headers, never the agent's own requests.
   * `false` turns it off.
   * @example
   * captureNetwork: { statuses: [[400, 499], [500, 599]] }
   * @default true: { statuses: [[500, 599]] }
   */
  captureNetwork?: boolean | { statuses?: StatusRanges }
  /**
   * The browser's reports become `WARN` entries, each distinct one once per
   * page: Content-Security-Policy violations, and deprecation and
   * intervention reports where `ReportingObserver` exists.
   * @default true
   */
  captureReports?: boolean
  /**
   * Whether the user agreed to logging. `'pending'`: entries are kept in memory
   * only (bounded by `maxStoredBytes`); nothing is stored, sent or registered
   * until `setConsent('granted')`, which sends them as if consent had been there
   * from the start (original times, same order, exactly once). `'denied'`: nothing
   * is kept, stored or sent by this page, for the rest of its life.
   * @default 'granted'
   */
  consent?: Consent
  /**
   * Share of tabs that log at all, in percent (0–100), drawn once per tab and kept
   * in `sessionStorage`, so a reload keeps the tab's decision. A tab outside the
   * sample registers, stores and sends nothing: its logger is a no-op with
   * `sampled` false.
   * @default 100
   */
  sampleRate?: number
}

/** Consent to logging: see {@link LoggerConfig.consent}. */
export type Consent = 'granted' | 'pending' | 'denied'

/** Inclusive HTTP status ranges, e.g. `[[500, 599]]`. */
export type StatusRanges = ReadonlyArray<readonly [number, number]>

/** Counters since the logger was created. */
export interface Stats {
  /** Entries that passed the level filter. */
  logged: number
  /** Entries written to storage (IndexedDB, or memory when that is the store). */
  persisted: number
  /** Entries the server acknowledged with a 2xx. */
  acknowledged: number
  /** Entries dropped: storage bound, or a batch rejected with a permanent error. */
  dropped: number
  /** Request attempts that were retried. */
  retries: number
  /** Entries neither acknowledged nor dropped yet. */
  pending: number
}

export interface LinkUserOptions {
  /** Extra headers for this request (e.g. `Authorization`), merged over the configured ones. */
  headers?: Headers
}

export interface FlushOptions {
  /**
   * Give up after this many ms and resolve `false`.
   * @default 10000
   */
  timeout?: number
}

export interface Logger {
  debug(message: string, context?: object): void
  info(message: string, context?: object): void
  warn(message: string, context?: object): void
  error(message: string | Error, context?: object): void
  /** Waits for registration, then links the signed-in user to the app session. */
  linkUser(options?: LinkUserOptions): Promise<void>
  /** `true` once every entry logged before the call is acknowledged (2xx); `false` at the timeout. */
  flush(options?: FlushOptions): Promise<boolean>
  /**
   * The app session id, once registered. Rejects with a `HornLoggerError`
   * (its `status` set) when the server refuses the registration for good (a
   * 4xx other than 408 and 429); every other failure is retried, so it stays
   * pending meanwhile (and while consent is pending). It rejects with a
   * `HornLoggerError` whose `code` is `'unsampled'` in a tab outside the
   * sample, and `'denied'` when consent is denied before registration.
   * Leaving it unobserved raises no unhandled rejection.
   */
  readonly ready: Promise<string>
  readonly appSessionId: string | undefined
  stats(): Stats
  /** Flushes what it can, detaches every listener, restores the console. On a child logger, does nothing. */
  close(): Promise<void>
  /**
   * Replaces the global context: merged into every later entry of this logger and its
   * children (the entry's own keys win). Redacted and made JSON-safe once, here.
   * @example
   * logger.setContext({ tenant: 'acme', build: 42 })
   */
  setContext(context: object): void
  /** Sets one key of the global context. */
  setContextProperty(key: string, value: unknown): void
  /** Removes one key of the global context. */
  removeContextProperty(key: string): void
  /** A copy of the global context, as entries get it (redacted, JSON-safe). */
  getContext(): Record<string, unknown>
  /**
   * A logger that adds `context` to each of its entries (over the global context,
   * under the call's own keys) and shares this one's pipeline, app session, level
   * and global context. Cheap: no listeners of its own; its `close()` closes nothing.
   * @example
   * const call = logger.child({ callId: 'c-17' })
   * call.info('joined') // … INFO joined {"callId":"c-17"}
   */
  child(context: object): Logger
  /** Changes the lowest level kept, from now on (for this logger and its children). */
  setLevel(level: Level): void
  /** The lowest level kept. */
  readonly level: Level
  /**
   * Changes consent for this page (see {@link LoggerConfig.consent}): `'granted'`
   * sends what was kept while pending; `'denied'` discards it, stops every request
   * at once and deletes what this page stored but did not deliver. Denial is final
   * for the page: a later `'granted'` is ignored (with one warning) until the next load.
   */
  setConsent(consent: Consent): void
  /** `false` in a tab outside `sampleRate`: then every method does nothing. */
  readonly sampled: boolean
}
