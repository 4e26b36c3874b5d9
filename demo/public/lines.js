// Log lines read back into their parts, and calls (`webrtc pcN` lines) into
// series for a chart. Pure functions: no DOM. The agent writes the text format
// (`<ISO time> <LEVEL> message {context}`) or JSON lines; anything else is a
// message without a level. Call lines are read defensively: a line counts by
// its `webrtc pcN` and the numbers it carries (bitrate, loss, RTT, MOS), so a
// changed wording or a new field does not break the chart.

export const LEVEL_RANK = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 }
const TEXT_HEAD = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (DEBUG|INFO|WARN|ERROR) +/
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The context of the text format's tail: the ` {…}` that ends the line and parses (braces in a message are tried past). */
function splitContext(tail) {
  if (!tail.endsWith('}')) return { message: tail }
  for (let at = tail.indexOf(' {'); at >= 0; at = tail.indexOf(' {', at + 1)) {
    try {
      const context = JSON.parse(tail.slice(at + 1))
      if (isObject(context)) return { message: tail.slice(0, at), context }
    } catch {
      // not the context's start
    }
  }
  return { message: tail }
}

/** `{ time, level, message, context, raw }` of one line; never throws. */
export function parseLine(raw) {
  const head = TEXT_HEAD.exec(raw)
  if (head) {
    const time = Date.parse(head[1])
    return { time: Number.isFinite(time) ? time : undefined, level: head[2], ...splitContext(raw.slice(head[0].length)), raw }
  }
  if (raw.startsWith('{')) {
    try {
      const json = JSON.parse(raw)
      if (isObject(json)) {
        const time = typeof json.time === 'number' ? json.time : Date.parse(json.time)
        const level = String(json.level ?? '').toUpperCase()
        return {
          time: Number.isFinite(time) ? time : undefined,
          level: level in LEVEL_RANK ? level : undefined,
          message: typeof json.message === 'string' ? json.message : '',
          context: isObject(json.context) ? json.context : undefined,
          raw,
        }
      }
    } catch {
      // not JSON after all
    }
  }
  return { message: raw, raw }
}

/** Every string under a `stack` key of the context, with its path (`error.stack`, `error.cause.stack`). */
export function findStacks(context, path = '', depth = 0, found = []) {
  if (!isObject(context) && !Array.isArray(context)) return found
  if (depth > 10) return found
  for (const [key, value] of Object.entries(context)) {
    const at = path ? `${path}.${key}` : key
    if (key === 'stack' && typeof value === 'string' && value.includes('\n')) found.push({ path: at, stack: value })
    else findStacks(value, at, depth + 1, found)
  }
  return found
}

// ---- calls ---------------------------------------------------------------------------

const PC = /\bwebrtc (pc\d+)\b/
/** Lines that set a call up or sum it up: drawn as markers. */
const MARKER = /\b(created|connected|connectionState|candidate pair|ICE restart|reconnected|disconnected|failed|closed|summary|ended)\b|\bafter \d+(\.\d+)? s\b/i

/** Numbers under keys `keyTest` matches, anywhere in `value` (an interval's summary nests them by direction and kind). */
function numbersUnder(value, keyTest, out = [], depth = 0) {
  if (!isObject(value) || depth > 6) return out
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'number' && Number.isFinite(item) && keyTest(key)) out.push(item)
    else if (isObject(item)) numbersUnder(item, keyTest, out, depth + 1)
  }
  return out
}

const sum = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) : null)
const max = (xs) => (xs.length ? Math.max(...xs) : null)
const min = (xs) => (xs.length ? Math.min(...xs) : null)
const isKbps = (key) => /^(kbps|bitrateKbps|kbit)$/i.test(key)

/** The measurements of one stats-like line, or undefined when it carries none. */
function measure(context) {
  if (!isObject(context)) return undefined
  const dir = (names) => names.map((n) => context[n]).find(isObject)
  const inKbps = sum(numbersUnder(dir(['in', 'inbound', 'recv', 'received']), isKbps))
  const outKbps = sum(numbersUnder(dir(['out', 'outbound', 'send', 'sent']), isKbps))
  const loss = max(numbersUnder(context, (k) => /^(loss|lossPct|lossPercent|packetLoss|packetLossPct)$/i.test(k)))
  // `rtt` in seconds (as getStats has it) or `rttMs` in milliseconds.
  const rttMs = numbersUnder(context, (k) => /^rttMs$|^roundTripTimeMs$/i.test(k))
  const rttS = numbersUnder(context, (k) => /^(rtt|roundTripTime)$/i.test(k)).map((s) => s * 1000)
  const rtt = max([...rttMs, ...rttS])
  // `mos` a number, or one per direction (`{ out, in }`); a summary's `{ min, median }` is no sample.
  const mos = min(typeof context.mos === 'number' ? [context.mos] : isObject(context.mos)
    ? Object.entries(context.mos).filter(([k, v]) => /^(in|out|inbound|outbound|send|recv)$/i.test(k) && typeof v === 'number').map(([, v]) => v)
    : [])
  if ([inKbps, outKbps, loss, rtt, mos].every((v) => v === null)) return undefined
  return { inKbps, outKbps, loss, rtt, mos }
}

/** `problem: high-rtt (connection)` → `high-rtt (connection)`: what a warning and its end have in common. */
function problemKey(line, rest) {
  const c = line.context ?? {}
  const code = typeof c.problem === 'string' ? c.problem : typeof c.warning === 'string' ? c.warning : undefined
  if (code) return `${code}${typeof c.where === 'string' ? ` (${c.where})` : ''}`
  const m = /problem(?: over| ended)?:\s*(.+)$/i.exec(rest)
  return m ? m[1].trim() : undefined
}

/** The open band `key` ends: the same key, or else the same code (`high-loss` ends `high-loss (in video)`). */
function openKey(open, key) {
  if (open.has(key)) return key
  const code = key.split(' ')[0]
  return [...open.keys()].find((k) => k.split(' ')[0] === code)
}

/**
 * The calls in a log, by connection id: `{ id, points, bands, markers, from, to }`.
 * Points are the lines that carry numbers; a WARN line starts a band and the
 * INFO line that names the same problem ends it (an unended one runs to the
 * call's last line); setup and summary lines, other warnings and errors are markers.
 * Times are ms since the epoch.
 * @param {Iterable<string>} lines
 */
export function callsOf(lines) {
  const calls = new Map()
  for (const raw of lines) {
    if (!raw.includes('webrtc pc')) continue
    const line = parseLine(raw)
    const pc = PC.exec(line.message)?.[1]
    if (!pc || line.time === undefined) continue
    let call = calls.get(pc)
    if (!call) calls.set(pc, (call = { id: pc, points: [], bands: [], markers: [], open: new Map(), from: line.time, to: line.time }))
    call.to = Math.max(call.to, line.time)
    const rest = line.message.slice(line.message.indexOf(pc) + pc.length).trim()
    const values = measure(line.context)
    if (values) call.points.push({ time: line.time, ...values })
    const key = problemKey(line, rest)
    if (line.level === 'WARN' && key && !/\bover\b|\bended\b/i.test(rest)) {
      if (!call.open.has(key)) {
        const band = { from: line.time, to: undefined, label: key }
        call.open.set(key, band)
        call.bands.push(band)
      }
    } else if (key && line.level !== 'WARN' && openKey(call.open, key)) {
      const found = openKey(call.open, key)
      call.open.get(found).to = line.time
      call.open.delete(found)
    } else if (!values && (line.level === 'WARN' || line.level === 'ERROR' || MARKER.test(rest))) {
      call.markers.push({ time: line.time, label: rest.replace(/\s+\{.*$/, ''), level: line.level })
    }
  }
  for (const call of calls.values()) {
    for (const band of call.bands) if (band.to === undefined) band.to = call.to
    call.points.sort((a, b) => a.time - b.time)
    delete call.open
  }
  return [...calls.values()]
}
