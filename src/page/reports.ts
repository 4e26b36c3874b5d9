import type { Level } from '../types'
import { listen } from '../lib/listen'

type Log = (level: Level, message: unknown) => void

/** Distinct reports logged per page at most: a page that violates its policy with ever-new URLs stays bounded. */
const MAX_REPORTS = 100

/**
 * The browser's own reports become `WARN` entries, each distinct one once per
 * page: Content-Security-Policy violations (`securitypolicyviolation`) and,
 * where `ReportingObserver` exists, deprecation and intervention reports
 * (those made before the agent started included). Returns `stop`.
 */
export function captureReports(log: Log): () => void {
  const seen = new Set<string>()
  const once = (message: string) => {
    if (!seen.has(message) && seen.size < MAX_REPORTS) {
      seen.add(message)
      log('warn', message)
    }
  }
  const at = (file?: string | null, line?: number | null) => (file ? ` at ${file}:${line}` : '')
  const stop = listen(document, 'securitypolicyviolation', (e: SecurityPolicyViolationEvent) =>
    once(`CSP ${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}${at(e.sourceFile, e.lineNumber)}`),
  )
  let observer: ReportingObserver | undefined
  try {
    observer = new ReportingObserver(
      (reports) => {
        for (const { type, body } of reports) {
          const b = body as { message?: string; sourceFile?: string; lineNumber?: number } | null
          once(`${type}: ${b?.message}${at(b?.sourceFile, b?.lineNumber)}`)
        }
      },
      { types: ['deprecation', 'intervention'], buffered: true },
    )
    observer.observe()
  } catch {
    // No ReportingObserver (Firefox without its pref, older Safari): CSP violations only.
  }
  return () => {
    stop()
    observer?.disconnect()
  }
}
