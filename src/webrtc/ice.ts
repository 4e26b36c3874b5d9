/**
 * ICE conclusions instead of ICE events: which configured STUN or TURN
 * server gave no candidate by the time gathering completed, with the
 * `icecandidateerror`s behind it folded into that one line. Pure, but for
 * the tally the connection feeds.
 */

/** A STUN/TURN URL fit for the log: no `user@`, no query values (`?transport=[redacted]`). */
export function cleanUrl(url: string): string {
  return String(url)
    .replace(/^(\w+:)[^@/?]*@/, '$1')
    .replace(/([?&])([^=&]+)=[^&]*/g, '$1$2=[redacted]')
}

/** The ICE servers' URLs only: usernames and credentials never reach the log. */
export function iceServerUrls(config: RTCConfiguration | undefined): string[] {
  const urls: string[] = []
  for (const server of config?.iceServers ?? []) urls.push(...([] as string[]).concat(server?.urls ?? []).map(String))
  return urls
}

/** The host and port a URL names (`turn:h:3478?transport=udp` and `turn:h:3478` are one server). */
const serverOf = (url: string) => cleanUrl(url).split('?')[0]

export interface ErrorTally {
  count: number
  /** `701 STUN binding request timed out`, each distinct one once. */
  errors: string[]
}

/** What one round of gathering saw, per server. */
export interface Gathering {
  /** Servers that gave a candidate. */
  answered: Set<string>
  /** The errors of each server. */
  errors: Map<string, ErrorTally>
  /** The browser says which server a candidate came from (so silence means something). */
  knowsUrls: boolean
}

export const newGathering = (): Gathering => ({ answered: new Set(), errors: new Map(), knowsUrls: false })

/** Counts a candidate; `url` is the server it came from (none for a host candidate). */
export function candidateFrom(gathering: Gathering, url: string | undefined | null, hasUrlField: boolean): void {
  if (hasUrlField) gathering.knowsUrls = true
  if (url) gathering.answered.add(serverOf(url))
}

export function candidateError(gathering: Gathering, url: string | undefined, code: number, text: string): void {
  if (!url) return
  const server = serverOf(url)
  const tally = gathering.errors.get(server) ?? { count: 0, errors: [] }
  const what = `${code} ${text}`.trim()
  tally.count++
  if (!tally.errors.includes(what) && tally.errors.length < 3) tally.errors.push(what)
  gathering.errors.set(server, tally)
}

/**
 * The configured servers that gave no candidate: each with its errors. A
 * server is judged only when the browser names candidates' servers, or when
 * it reported errors for it.
 */
export function unreachable(configured: string[], gathering: Gathering): Array<{ url: string; errors?: ErrorTally }> {
  const seen = new Set<string>()
  const out: Array<{ url: string; errors?: ErrorTally }> = []
  for (const url of configured) {
    const server = serverOf(url)
    if (seen.has(server) || gathering.answered.has(server)) continue
    seen.add(server)
    const errors = gathering.errors.get(server)
    if (errors || gathering.knowsUrls) out.push({ url: cleanUrl(url), ...(errors && { errors }) })
  }
  return out
}
