/**
 * All the module needs of a logger: its four level methods. A horn-logger
 * `Logger` is one; so is anything with the same methods.
 */
export interface WebRTCLogger {
  debug(message: string, context?: object): void
  info(message: string, context?: object): void
  warn(message: string, context?: object): void
  error(message: string | Error, context?: object): void
}

/** `{ name, message }` of an error (and `constraint` for an OverconstrainedError), never its whole object. */
export function describeError(error: unknown): Record<string, string> {
  const e = (error ?? {}) as { name?: unknown; message?: unknown; constraint?: unknown }
  const out: Record<string, string> = { name: String(e.name ?? 'Error'), message: String(e.message ?? error) }
  if (e.constraint) out.constraint = String(e.constraint)
  return out
}

/** `NotAllowedError: Permission denied`, `OverconstrainedError (width)`: an error in a message. */
export function errorText(e: Record<string, string>): string {
  return `${e.name}${e.message ? `: ${e.message}` : ''}${e.constraint ? ` (${e.constraint})` : ''}`
}

/** What support needs to know of a track: kind, device (`videoinput#1`, never its label or id), state, and the settings it got. */
export function describeTrack(track: MediaStreamTrack, device: string): Record<string, unknown> {
  const { width, height, frameRate, sampleRate, channelCount } = track.getSettings?.() ?? {}
  return { kind: track.kind, device, enabled: track.enabled, muted: track.muted, settings: { width, height, frameRate, sampleRate, channelCount } }
}
