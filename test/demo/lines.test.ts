/**
 * The viewer's reading of log lines (demo/public/lines.js, no DOM): a line's
 * parts, the stacks in its context, and calls into chart series, for the
 * webrtc module's lines as they were and as they are now written (warnings
 * named `problem` or `warning`, MOS a number or one per direction).
 */
import { describe, expect, it } from 'vitest'
// @ts-expect-error: plain JavaScript module
import { callsOf, findStacks, parseLine } from '../../demo/public/lines.js'

const T0 = Date.UTC(2026, 10, 28, 9, 0, 0)
const line = (s: number, level: string, message: string, context?: object) =>
  `${new Date(T0 + s * 1000).toISOString()} ${level} ${message}${context ? ' ' + JSON.stringify(context) : ''}`

describe('parseLine', () => {
  it('reads the text format with braces in the message, JSON lines, and anything else as a message', () => {
    expect(parseLine(line(1, 'WARN ', 'odd {x} here', { a: 1 }))).toMatchObject({ time: T0 + 1000, level: 'WARN', message: 'odd {x} here', context: { a: 1 } })
    expect(parseLine(JSON.stringify({ time: T0, level: 'error', message: 'm', context: { error: { stack: 'Error\n    at f (a.js:1:2)' } } }))).toMatchObject({ level: 'ERROR', message: 'm' })
    expect(parseLine('plain')).toEqual({ message: 'plain', raw: 'plain' })
    expect(findStacks({ error: { stack: 'Error\n    at f (a.js:1:2)', cause: { stack: 'g@b.js:3:4\n' } } }).map((s: { path: string }) => s.path)).toEqual(['error.stack', 'error.cause.stack'])
  })
})

describe('callsOf', () => {
  it('reads the earlier wording: problem / problem over, a flat mos', () => {
    const [call] = callsOf([
      line(0, 'INFO', 'webrtc pc1 created', { pc: 'pc1' }),
      line(2, 'INFO', 'webrtc pc1 stats', { pc: 'pc1', out: { video: { kbps: 900 } }, in: { audio: { kbps: 30, lossPct: 8 }, video: { kbps: 700 } }, rttMs: 300, mos: 3.4 }),
      line(2, 'WARN', 'webrtc pc1 problem: high-rtt (connection)', { pc: 'pc1', problem: 'high-rtt', where: 'connection', value: 300 }),
      line(6, 'INFO', 'webrtc pc1 problem over: high-rtt (connection)', { pc: 'pc1', problem: 'high-rtt', where: 'connection' }),
      line(8, 'INFO', 'webrtc pc1 closed', { pc: 'pc1', seconds: 8 }),
    ])
    expect(call.points).toEqual([{ time: T0 + 2000, inKbps: 730, outKbps: 900, loss: 8, rtt: 300, mos: 3.4 }])
    expect(call.bands).toEqual([{ from: T0 + 2000, to: T0 + 6000, label: 'high-rtt (connection)' }])
    expect(call.markers.map((m: { label: string }) => m.label)).toEqual(['created', 'closed'])
  })

  it('reads the current wording: `<code>: value` / `<code> over after N s`, MOS per direction, a summary line', () => {
    const calls = callsOf([
      line(0, 'INFO', 'webrtc pc2 created', { pc: 'pc2', iceServers: [] }),
      line(1, 'INFO', 'webrtc pc2 connected in 420 ms: host/udp -> host/udp', { pc: 'pc2', connectMs: 420 }),
      line(3, 'INFO', 'webrtc pc2 stats MOS out 4.2 in 3.9', { pc: 'pc2', s: 2, rttMs: 40, mos: { out: 4.2, in: 3.9 }, out: { audio: { kbps: 32 } }, in: { audio: { kbps: 31, lossPct: 0.2 } } }),
      line(5, 'WARN', 'webrtc pc2 high-loss: 9.5', { pc: 'pc2', warning: 'high-loss', value: 9.5 }),
      line(9, 'INFO', 'webrtc pc2 high-loss over after 4 s', { pc: 'pc2', warning: 'high-loss', seconds: 4 }),
      line(10, 'WARN', 'webrtc pc2 disconnected', { pc: 'pc2' }),
      line(12, 'INFO', 'webrtc pc2 closed after 12 s', { pc: 'pc2', seconds: 12, mos: { min: 3.1, median: 4.1 }, warnings: { 'high-loss': 4 } }),
      line(12, 'INFO', 'webrtc pc3 created', { pc: 'pc3' }),
    ])
    expect(calls.map((c: { id: string }) => c.id)).toEqual(['pc2', 'pc3'])
    const [call] = calls
    expect(call.points).toEqual([{ time: T0 + 3000, inKbps: 31, outKbps: 32, loss: 0.2, rtt: 40, mos: 3.9 }])
    expect(call.bands).toEqual([{ from: T0 + 5000, to: T0 + 9000, label: 'high-loss' }])
    expect(call.markers.map((m: { label: string; level: string }) => `${m.level} ${m.label}`)).toEqual([
      'INFO created',
      'INFO connected in 420 ms: host/udp -> host/udp',
      'WARN disconnected',
      'INFO closed after 12 s',
    ])
  })

  it('runs a warning that never ends to the call\'s last line', () => {
    const [call] = callsOf([
      line(0, 'WARN', 'webrtc pc1 frozen-video: 100', { pc: 'pc1', warning: 'frozen-video', value: 100 }),
      line(7, 'INFO', 'webrtc pc1 stats', { pc: 'pc1', in: { video: { kbps: 10 } } }),
    ])
    expect(call.bands).toEqual([{ from: T0, to: T0 + 7000, label: 'frozen-video' }])
  })
})
