import type { BeforeSend, Consent, Formatter, Headers, Level, LoggerConfig, StatusRanges } from '../types'
import { createFormatter } from '../entry/format'
import { safe, warnOnce } from '../lib/console'
import { DEFAULT_REDACT, keyMatcher } from '../entry/redact'
import { KEEPALIVE_BUDGET_BYTES } from '../lib/keepalive'
import { LEVELS } from '../lib/levels'

/**
 * Uncaught errors not logged by default: a cross-origin script's error without
 * details, ResizeObserver's loop notice, and errors that name a browser
 * extension's script and no page URL (every frame in an extension).
 */
export const DEFAULT_IGNORE_ERRORS: ReadonlyArray<string | RegExp> = [
  /^Script error\.?$/,
  'ResizeObserver loop',
  /^(?![^]*(?:https?|file):\/\/)[^]*(?:-extension|webkit-masked-url):\/\//,
]

const ONE_KIBI_BYTE = 1024
const ONE_MEBI_BYTE = 1024 * ONE_KIBI_BYTE

/**
 * Default request timeout: a full keepalive batch (60 KiB) still goes through
 * on a link of about 8 kbit/s (GPRS-class), so a slow upload is never cut
 * into an endless resend; a request that never settles holds delivery up for
 * a minute at most.
 */
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000

/** The config with every option decided: made once, read everywhere. */
export interface ResolvedConfig {
  clientId: string
  apiUrl: string
  channel: string | undefined
  level: number
  captureErrors: boolean
  captureConsole: boolean
  headers: () => Headers
  credentials: RequestCredentials
  flushInterval: number
  maxBatchBytes: number
  maxBatchEntries: number
  maxEntryBytes: number
  maxStoredBytes: number
  format: Formatter
  requestTimeout: number
  /** Finds a redacted word in a key (see `keyMatcher`); also tests URL parameter names. */
  redact: RegExp
  storage: 'indexeddb' | 'memory'
  beforeSend?: BeforeSend
  release?: string
  environment?: string
  /** As given: the entry builder makes it safe once (see `setContext`). */
  context?: unknown
  logPageInfo: boolean
  /** 0: no limit. */
  repeatLimit: number
  ignoreErrors: ReadonlyArray<string | RegExp>
  /** The status ranges logged, or false: not captured. */
  captureNetwork: StatusRanges | false
  captureReports: boolean
  consent: Consent
  /** Percent of tabs that log, in [0, 100]. */
  sampleRate: number
}

type NumberOption = 'flushInterval' | 'maxBatchBytes' | 'maxBatchEntries' | 'maxEntryBytes' | 'maxStoredBytes' | 'requestTimeout' | 'repeatLimit' | 'sampleRate'

/** Defaults, clamps and validates a user config; never throws. */
export function resolveConfig(config: LoggerConfig): ResolvedConfig {
  const c = (config && typeof config === 'object' ? config : {}) as Partial<LoggerConfig>
  /** A number option: the default when missing, clamped into [min, max]; a bad value warns once. */
  const bounded = (name: NumberOption, fallback: number, min: number, max: number): number => {
    const value = c[name]
    const used = Math.min(max, Math.max(min, typeof value == 'number' && value === value ? value : fallback))
    if (value !== undefined && used !== value) warnOnce(`config.${name} must be a number in [${min}, ${max}]; using ${used}`)
    return used
  }
  if (typeof c.clientId !== 'string' || !c.clientId) warnOnce('config.clientId is required')
  const level = LEVELS.indexOf(c.level as Level)
  if (level < 0 && c.level !== undefined) warnOnce('config.level must be debug, info, warn or error')
  const headers = c.headers
  /** A list option: as given when an array, else the default (warned when given). */
  const list = <T>(value: unknown, name: string, fallback: T): T => {
    if (value !== undefined && !Array.isArray(value)) warnOnce(`config.${name} must be an array`)
    return Array.isArray(value) ? (value as T) : fallback
  }
  const network = c.captureNetwork
  const maxBatchBytes = bounded('maxBatchBytes', 32 * ONE_KIBI_BYTE, ONE_KIBI_BYTE, KEEPALIVE_BUDGET_BYTES)
  return {
    // beforeSend (not checked here: the entry builder says so once, when it fails to call it), release, environment, context: as given.
    ...c,
    clientId: String(c.clientId || 'unknown'),
    apiUrl: String(c.apiUrl || (typeof location == 'object' ? location.origin : '')).replace(/\/+$/, ''),
    channel: c.channel == null ? undefined : String(c.channel),
    level: Math.max(0, level),
    captureErrors: c.captureErrors !== false,
    captureConsole: c.captureConsole === true,
    // A headers function that throws must not stop delivery: it sends no extra headers instead.
    headers: safe(() => ({ ...(typeof headers == 'function' ? headers() : headers) }), {}),
    credentials: c.credentials || 'same-origin',
    flushInterval: bounded('flushInterval', 1000, 0, 3_600_000),
    maxBatchBytes,
    maxBatchEntries: bounded('maxBatchEntries', 1000, 1, 100_000),
    // An entry must fit a batch even after JSON escaping, which can grow it several times over.
    maxEntryBytes: bounded('maxEntryBytes', 8 * ONE_KIBI_BYTE, 256, maxBatchBytes / 2),
    maxStoredBytes: bounded('maxStoredBytes', 8 * ONE_MEBI_BYTE, 4 * maxBatchBytes, 1024 * ONE_MEBI_BYTE),
    format: createFormatter(c.format),
    requestTimeout: bounded('requestTimeout', DEFAULT_REQUEST_TIMEOUT_MS, 1000, 600_000),
    redact: keyMatcher(Array.isArray(c.redact) ? c.redact : DEFAULT_REDACT),
    storage: c.storage === 'memory' ? 'memory' : 'indexeddb',
    logPageInfo: c.logPageInfo !== false,
    repeatLimit: bounded('repeatLimit', 10, 0, 1e9),
    ignoreErrors: list(c.ignoreErrors, 'ignoreErrors', DEFAULT_IGNORE_ERRORS),
    // A pair that is not two numbers matches no status.
    captureNetwork: network !== false && list((network as { statuses?: StatusRanges })?.statuses, 'captureNetwork.statuses', [[500, 599]]),
    captureReports: c.captureReports !== false,
    // Checked where it is owned (consent.ts): a value that is none of the three warns once and fails closed, as pending.
    consent: c.consent || 'granted',
    sampleRate: bounded('sampleRate', 100, 0, 100),
  }
}
