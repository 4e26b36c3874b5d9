/** `horn-logger sessions`: find app sessions by user, channel, channel session, URL and time. */
import { parseArgs } from 'node:util'
import type { AppSession } from '../../api'
import { CONNECT_HELP, CONNECT_OPTIONS, connect } from '../connect'
import { CliError, EXIT } from '../exit'
import type { Io } from '../io'

export const SESSIONS_HELP = `Usage: horn-logger sessions [options]

Lists app sessions (one page load of a Horn client each), one per line:
  <id>  <client>  <started, ISO>  <users>  <URL>

Options:
  --user ID              only app sessions linked to this user
  --channel UUID         only those that took part in this channel
  --channel-session ID   only those that took part in this channel session
  --url TEXT             only those whose URL contains TEXT
  --after TIME           started after TIME: ISO date, ms since the epoch, or an age (30m, 2h, 7d)
  --before TIME          started before TIME (same forms)
  --limit N              at most N app sessions (default ${'50'})
  --json                 one JSON object per line instead
${CONNECT_HELP}`

const DEFAULT_LIMIT = 50
/** Items per request: the API pages its list. */
const PAGE_SIZE = 100
const AGE = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** ms since the epoch from an ISO date, a number of ms, or an age before `now`. */
export function parseTime(raw: string, name: string, now: number): number {
  const text = raw.trim()
  const age = AGE.exec(text)
  if (age) return now - Number(age[1]) * UNIT_MS[age[2] as keyof typeof UNIT_MS]
  if (/^\d+$/.test(text)) return Number(text)
  const ms = Date.parse(text)
  if (Number.isFinite(ms)) return ms
  throw new CliError(`${name} must be an ISO date, ms since the epoch or an age such as 2h, got "${raw}"`, EXIT.usage)
}

/** One app session on one line. */
export function sessionLine(s: AppSession): string {
  const users = (s.users ?? []).map((u) => u.handle ?? String(u.id)).join(',') || '-'
  const started = Number.isFinite(s.started) ? new Date(s.started).toISOString() : '-'
  return `${s.id}  ${s.clientId}  ${started}  ${users}  ${s.url}`
}

export async function sessionsCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...CONNECT_OPTIONS,
      user: { type: 'string' },
      channel: { type: 'string' },
      'channel-session': { type: 'string' },
      url: { type: 'string' },
      after: { type: 'string' },
      before: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: false,
  })
  if (values.help) {
    io.out(SESSIONS_HELP + '\n')
    return EXIT.ok
  }
  const limit = values.limit === undefined ? DEFAULT_LIMIT : Number(values.limit)
  if (!Number.isSafeInteger(limit) || limit < 1) throw new CliError(`--limit must be a whole number from 1, got "${values.limit}"`, EXIT.usage)
  const now = Date.now()
  const { api } = connect(values, io.env)
  let count = 0
  for await (const session of api.appSessions.all({
    user: values.user,
    channel: values.channel,
    channelSession: values['channel-session'],
    url: values.url,
    startedAfter: values.after === undefined ? undefined : parseTime(values.after, '--after', now),
    startedBefore: values.before === undefined ? undefined : parseTime(values.before, '--before', now),
    pageSize: Math.min(limit, PAGE_SIZE),
  })) {
    io.out((values.json ? JSON.stringify(session) : sessionLine(session)) + '\n')
    if (++count >= limit) break
  }
  if (count === 0) io.err('no app session matches\n')
  return EXIT.ok
}
