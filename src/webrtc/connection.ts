/**
 * One peer connection's trail, as conclusions: one line when it connects
 * (how long it took, through which pair, relay or not), the state changes
 * that matter after that, ICE conclusions, a stats line every
 * `statsInterval` with the audio MOS, warnings that start and end, and a
 * summary at close. Stats are sampled every `samplePeriod` (about 2 s) only
 * while the connection is up, so an idle page pays nothing.
 */
import { listen } from '../lib/listen'
import { safe } from '../lib/console'
import type { AppActions } from './app'
import { detect, frozenSeconds, type SampleContext } from './detect'
import { candidateError, candidateFrom, cleanUrl, iceServerUrls, newGathering, unreachable } from './ice'
import { errorText, describeError, type WebRTCLogger } from './log'
import { audioMos } from './mos'
import { patch, type Method } from './patch'
import type { Say } from './say'
import { describeCandidate, readSample, summarize, type CandidateSide, type Sample, type StatsEntry, type Summary } from './stats'
import { watchTrack } from './track'
import { createWarnings } from './warnings'

export { iceServerUrls } from './ice'

/** A last interval shorter than this (a close just after a stats line) gets no stats line of its own. */
const MIN_FINAL_INTERVAL_MS = 500
/** MOS values are kept as a histogram of tenths (1.0–5.0) for the median: no list grows with the call. */
const MOS_BUCKETS = 41

/** The description calls whose rejection is an `error`, and `addIceCandidate`, whose rejection is usually benign. */
const SIGNALING_CALLS = ['createOffer', 'createAnswer', 'setLocalDescription', 'setRemoteDescription', 'addIceCandidate'] as const

export interface ConnectionOptions {
  /** Milliseconds between two stats lines. */
  statsInterval: number
  /** Milliseconds between two internal samples. */
  samplePeriod: number
  app: AppActions
}

export interface TrackedConnection {
  /** Writes one of this connection's lines (`webrtc pcN …`, `pc` in its context). */
  say: Say
  /** Writes the summary now (page exit), once. */
  summarize(why: string): void
  stop(): void
}

/**
 * A stats line's context: the summary without what only detection needs (packet
 * counts, the microphone's energy) and without an empty direction, so a
 * minute of call costs fewer bytes.
 */
function compact(summary: Summary): Record<string, unknown> {
  const { out, in: received, ...rest } = summary
  const flows = (direction: Summary['out']) => {
    const kept: Record<string, unknown> = {}
    for (const [kind, flow] of Object.entries(direction)) {
      const { packets, energy, ...shown } = flow!
      kept[kind] = shown
    }
    return kept
  }
  return { ...rest, ...(Object.keys(out).length && { out: flows(out) }), ...(Object.keys(received).length && { in: flows(received) }) }
}

const seconds = (ms: number) => Math.round(ms / 100) / 10
const relayOf = (pair: { local: CandidateSide; remote: CandidateSide }) => pair.local.type === 'relay' || pair.remote.type === 'relay'

/**
 * Starts following `pc`; `done()` runs when it is over (closed, or stopped).
 */
export function trackConnection(pc: RTCPeerConnection, id: string, config: RTCConfiguration | undefined, log: WebRTCLogger, options: ConnectionOptions, done: () => void): TrackedConnection {
  const say: Say = (level, what, context) => log[level](`webrtc ${id} ${what}`, { pc: id, ...context })
  const { statsInterval, samplePeriod, app } = options
  const openedAt = performance.now()
  const servers = iceServerUrls(config)
  const stops: Array<() => void> = []
  const warnings = createWarnings()
  const mosCounts: number[] = new Array(MOS_BUCKETS).fill(0)
  let mosMin = Infinity
  let frozenS = 0
  let timer: ReturnType<typeof setInterval> | undefined
  /** The last sample, and the one the last stats line was measured from. */
  let last: Sample | undefined
  let lineFrom: Sample | undefined
  let negotiatedAt: number | undefined
  let connectedAt: number | undefined
  let connectMs: number | undefined
  let disconnectedAt: number | undefined
  let pairId: string | undefined
  let relay: boolean | undefined
  let turn: string | undefined
  let restartAt: number | undefined
  /** Samples since the restart's gathering completed (-1: not yet). */
  let restartGathered = -1
  let restarts = 0
  let reconnections = 0
  let gathering = newGathering()
  let setupPending = false
  let summarized = false
  let stopped = false
  let queue = Promise.resolve()

  say('info', 'created', { iceServers: servers.map(cleanUrl), ...(config?.iceTransportPolicy && { iceTransportPolicy: config.iceTransportPolicy }) })

  /** The facts of this sample the stats do not hold: the app's cap, the local tracks' state. */
  const sampleContext = (time: number): SampleContext => {
    const context: SampleContext = { sinceConnectMs: time - (connectedAt ?? time) }
    for (const sender of pc.getSenders()) {
      const track = sender.track
      if (!track) continue
      if (track.kind === 'video') context.appMaxBitrate = app.maxBitrate(sender)
      if (track.readyState === 'ended' && !app.stopped(track)) context.deviceLost = true
      if (track.kind === 'audio' && track.readyState === 'live' && track.enabled && !track.muted) context.audioInputLive = true
    }
    return context
  }

  const pairLine = (sample: Sample) => {
    const pair = sample.pair!
    pairId = pair.id
    relay = relayOf(pair)
    const server = pair.local.type === 'relay' && pair.local.url ? cleanUrl(pair.local.url) : undefined
    if (server) turn = server
    return { text: `${describeCandidate(pair.local)} -> ${describeCandidate(pair.remote)}${relay ? ` via ${server ?? 'a TURN server'}` : ''}`, context: { local: pair.local.type + '/' + pair.local.protocol, remote: pair.remote.type + '/' + pair.remote.protocol, relay, ...(server && { turn: server }) } }
  }

  const onSample = (sample: Sample, final: boolean) => {
    if (sample.pair && setupPending) {
      setupPending = false
      const { text, context } = pairLine(sample)
      say('info', `connected in ${connectMs} ms: ${text}`, { connectMs, ...context })
    } else if (sample.pair && restartAt !== undefined && (sample.pair.id !== pairId || (restartGathered >= 0 && ++restartGathered > 2 && /^(connected|completed)$/.test(pc.iceConnectionState)))) {
      // A new pair says the restart is done; a browser that keeps the pair's id, two samples after gathering completed.
      restartGathered = -1
      const ms = Math.round(sample.time - restartAt)
      restartAt = undefined
      const { text, context } = pairLine(sample)
      say('info', `ICE restart done in ${ms} ms: ${text}`, { restartMs: ms, ...context })
    }
    const before = last
    last = sample
    if (!before) {
      lineFrom = sample
      return
    }
    const summary = summarize(before, sample)
    summary.mos = audioMos(summary)
    if (!final) {
      for (const score of [summary.mos?.in, summary.mos?.out]) {
        if (score === undefined) continue
        mosMin = Math.min(mosMin, score)
        mosCounts[Math.round((score - 1) * 10)]++
      }
      frozenS += frozenSeconds(summary)
      const { started, ended } = warnings.update(detect(summary, sampleContext(sample.time)), sample.time)
      for (const { code, value } of started) {
        const cap = code === 'bandwidth-limited' ? sampleContext(sample.time).appMaxBitrate : undefined
        say('warn', `${code}: ${value}${cap ? ` (the app capped video at ${Math.round(cap / 1000)} kbps)` : ''}`, { warning: code, value, ...(cap && { appMaxKbps: Math.round(cap / 1000) }) })
      }
      for (const { code, ms } of ended) say('info', `${code} over after ${seconds(ms!)} s`, { warning: code, seconds: seconds(ms!) })
    }
    // A stats line every statsInterval (samples land on multiples of samplePeriod), and a last one at close.
    const since = sample.time - lineFrom!.time
    if (since >= statsInterval - samplePeriod / 2 || (final && since >= MIN_FINAL_INTERVAL_MS)) {
      const interval = summarize(lineFrom!, sample)
      interval.mos = audioMos(interval)
      lineFrom = sample
      if (Object.keys(interval.out).length || Object.keys(interval.in).length) {
        const mos = interval.mos
        say('info', `stats${mos ? ` MOS${mos.out !== undefined ? ` out ${mos.out}` : ''}${mos.in !== undefined ? ` in ${mos.in}` : ''}` : ''}`, compact(interval))
      }
    }
  }

  // Samples are read in order; a failed getStats (a closing connection) is skipped. The
  // final one is asked for at once, before the native close() makes the answer empty.
  const poll = (final = false) => {
    const ask = () => ({ report: pc.getStats(), time: performance.now() })
    const early = final ? ask() : undefined
    return (queue = queue
      .then(async () => {
        const asked = early ?? ask()
        onSample(readSample((await asked.report).values() as Iterable<StatsEntry>, asked.time), final)
      })
      .catch(() => {}))
  }
  const startSampling = () => {
    if (timer !== undefined || stopped) return
    poll()
    timer = setInterval(() => poll(), samplePeriod)
  }
  const stopSampling = () => {
    clearInterval(timer)
    timer = undefined
  }

  const bytes = () => {
    let sent = 0
    let received = 0
    for (const s of Object.values(last?.out ?? {})) sent += s.bytes
    for (const s of Object.values(last?.in ?? {})) received += s.bytes
    return { bytesSent: sent, bytesReceived: received }
  }
  const writeSummary = (what: string) => {
    if (summarized) return
    summarized = true
    const now = performance.now()
    let median: number | undefined
    const total = mosCounts.reduce((a, b) => a + b, 0)
    for (let i = 0, seen = 0; i < MOS_BUCKETS && total; i++) {
      seen += mosCounts[i]
      if (seen * 2 >= total) {
        median = 1 + i / 10
        break
      }
    }
    const totals = warnings.totals(last?.time ?? now)
    const warned: Record<string, number> = {}
    for (const [code, ms] of Object.entries(totals)) warned[code] = seconds(ms!)
    const s = Math.round((now - openedAt) / 1000)
    say('info', `${what} after ${s} s`, {
      seconds: s,
      ...(connectMs !== undefined ? { connectMs, relay, ...(turn && { turn }) } : { connected: false }),
      ...(median !== undefined && { mos: { min: mosMin, median: Math.round(median * 10) / 10 } }),
      frozenS: Math.round(frozenS * 10) / 10,
      iceRestarts: restarts,
      reconnections,
      warnings: warned,
      ...bytes(),
    })
  }

  const iceOutcomeFailed = () => {
    if (restartAt === undefined) return
    say('error', `ICE restart failed after ${Math.round(performance.now() - restartAt)} ms`, { restartMs: Math.round(performance.now() - restartAt) })
    restartAt = undefined
  }
  const onState = (state: string) => {
    const now = performance.now()
    if (state === 'connected') {
      if (connectedAt === undefined) {
        connectedAt = now
        connectMs = Math.round(now - (negotiatedAt ?? openedAt))
        setupPending = true
      } else if (disconnectedAt !== undefined) {
        reconnections++
        say('info', `reconnected after ${Math.round(now - disconnectedAt)} ms`, { downMs: Math.round(now - disconnectedAt) })
      }
      disconnectedAt = undefined
      startSampling()
    } else if (state === 'disconnected') {
      disconnectedAt ??= now
      say('warn', 'disconnected')
    } else if (state === 'failed') {
      stopSampling()
      iceOutcomeFailed()
      disconnectedAt ??= now
      say('error', connectedAt === undefined ? `failed to connect after ${Math.round(now - (negotiatedAt ?? openedAt))} ms` : 'failed')
    }
  }
  const restart = (how: string) => {
    restarts++
    restartAt = performance.now()
    restartGathered = -1
    gathering = newGathering()
    say('info', `ICE restart (${how})`)
  }

  stops.push(
    listen(pc, 'connectionstatechange', safe(() => onState(pc.connectionState))),
    // Browsers without connectionState still say when ICE connects or fails.
    listen(pc, 'iceconnectionstatechange', safe(() => {
      const state = pc.iceConnectionState
      if (pc.connectionState === undefined) onState(state === 'completed' ? 'connected' : state)
    })),
    listen<RTCPeerConnectionIceEvent>(pc, 'icecandidate', safe((event) => {
      // Which server a candidate came from: the event's `url` (older) or the candidate's (newer).
      const candidate = event.candidate as (RTCIceCandidate & { url?: string | null }) | null
      const old = event as RTCPeerConnectionIceEvent & { url?: string | null }
      if (candidate) candidateFrom(gathering, candidate.url ?? old.url, 'url' in candidate || 'url' in old)
    })),
    listen(pc, 'icegatheringstatechange', safe(() => {
      if (pc.iceGatheringState !== 'complete') return
      if (restartAt !== undefined) restartGathered = 0
      for (const { url, errors } of unreachable(servers, gathering)) {
        const why = errors ? `: ${errors.errors.join('; ')}${errors.count > errors.errors.length ? ` (${errors.count} errors)` : ''}` : ''
        say('warn', `no candidate from ${url.startsWith('turn') ? 'TURN' : 'STUN'} server ${url}: unreachable${why}`, { url, unreachable: true, ...(errors && { errors: errors.errors, errorCount: errors.count }) })
      }
      gathering = newGathering()
    })),
    listen<RTCPeerConnectionIceErrorEvent>(pc, 'icecandidateerror', safe((event) => candidateError(gathering, event.url, event.errorCode, event.errorText))),
    listen<RTCTrackEvent>(pc, 'track', safe((event) => {
      stops.push(watchTrack(event.track, (level, what, context) => {
        // Remote tracks end when the connection closes: only an end before that is news.
        if (pc.connectionState !== 'closed' && pc.signalingState !== 'closed') say(level, `remote ${what}`, context)
      }))
    })),
  )

  const own = (name: string, make: (original: Method) => Method) => stops.push(patch(pc, name, make))
  for (const name of SIGNALING_CALLS) {
    own(name, (original) => (...args: unknown[]) => {
      if (name === 'setLocalDescription' || name === 'setRemoteDescription') negotiatedAt ??= performance.now()
      const options = args.find((a) => a && typeof a == 'object') as RTCOfferOptions | undefined
      if (name === 'createOffer' && options?.iceRestart) restart('createOffer')
      const result = original.apply(pc, args)
      if (result instanceof Promise) {
        result.catch(safe((error: unknown) => {
          const e = describeError(error)
          say(name === 'addIceCandidate' ? 'warn' : 'error', `${name} failed: ${errorText(e)}`, { error: e })
        }))
      }
      return result
    })
  }
  own('restartIce', (original) => () => {
    restart('restartIce')
    return original.apply(pc)
  })
  own('close', (original) => () => {
    const closing = pc.signalingState !== 'closed' && !stopped
    stopSampling()
    const final = closing && last ? poll(true) : Promise.resolve()
    const result = original.apply(pc)
    if (closing) final.then(() => {
      writeSummary('closed')
      stop()
    })
    return result
  })

  function stop() {
    stopped = true
    stopSampling()
    stops.splice(0).forEach((s) => s())
    done()
  }
  return { say, summarize: safe((why: string) => connectedAt !== undefined && writeSummary(why)), stop }
}
