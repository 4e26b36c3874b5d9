/** The options every command shares: where the API is and who asks. */
import { createHornApi, type HornApi } from '../api'
import { CliError, EXIT } from './exit'

/** Options of every command, for `parseArgs`. */
export const CONNECT_OPTIONS = {
  'api-url': { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

export const CONNECT_HELP = `  --api-url URL      the Horn API (default: $HORN_API_URL)
  --token TOKEN      a bearer token that may read app sessions (default: $HORN_TOKEN)
  -h, --help         this help`

/** Every request of the command line gives up after this long: a hung server is reported, not waited on forever. */
export const REQUEST_TIMEOUT_MS = 30_000

export interface Connection {
  api: HornApi
  apiUrl: string
}

/** The API client from `--api-url`/`--token` or the environment. */
export function connect(values: { 'api-url'?: string | undefined; token?: string | undefined }, env: NodeJS.ProcessEnv): Connection {
  const apiUrl = values['api-url'] ?? env.HORN_API_URL ?? ''
  const token = values.token ?? env.HORN_TOKEN
  if (!apiUrl) throw new CliError('no API URL: pass --api-url URL or set HORN_API_URL', EXIT.usage)
  try {
    if (!/^https?:$/.test(new URL(apiUrl).protocol)) throw new Error()
  } catch {
    throw new CliError(`--api-url must be an http(s) URL, got "${apiUrl}"`, EXIT.usage)
  }
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {}
  const api = createHornApi({
    apiUrl,
    headers,
    // Every call bounded: `fetch` gets a timeout signal unless the caller passed its own.
    fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
  })
  return { api, apiUrl }
}
