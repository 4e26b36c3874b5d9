/**
 * horn-logger: an in-browser logging agent for Horn client applications.
 *
 * @example
 * import { createLogger } from 'horn-logger'
 * const logger = createLogger({ clientId: 'conference-ui', apiUrl: 'https://horn.example.com/api' })
 * logger.info('joined', { room: 'blue' })
 */
export { createLogger } from './agent/start'
export { HornError, HornLoggerError } from './errors'
export { DEFAULT_REDACT } from './entry/redact'
export { DEFAULT_IGNORE_ERRORS } from './agent/config'
export type { BeforeSend, Consent, Entry, FlushOptions, Formatter, Headers, Level, LinkUserOptions, LogEntry, Logger, LoggerConfig, Stats, StatusRanges } from './types'
