import type { WebRTCLogger } from './log'

/** How a module writes a line: a level, the message after `webrtc [pcN] `, and its context. */
export type Say = (level: keyof WebRTCLogger, what: string, context?: Record<string, unknown>) => void
