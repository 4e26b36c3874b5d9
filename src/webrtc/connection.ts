/**
 * One peer connection's trail: lifecycle, failures, the selected candidate
 * pair, a stats line per interval and the problems it shows. Polling runs
 * only between "connected" and close, so an idle page pays nothing.
 */
import { listen } from '../lib/listen'
import { safe } from '../lib/console'
import { changes, detect, problemKey, type Problem } from './detect'
import { errorText, describeError, type WebRTCLogger } from './log'
import { watchTrack } from './track'
import { patch, type Method } from './patch'
import { describeCandidate, readSample, summarize, type Sample, type StatsEntry } from './stats'

export type Say = (level: keyof WebRTCLogger, what: string, context?: Record<string, unknown>) => void

/** The ICE servers' URLs only: usernames and credentials never reach the log. */
export function iceServerUrls(config: RTCConfiguration | undefined): string[] {
  const urls: string[] = []
  for (const server of config?.iceServers ?? []) urls.push(...([] as string[]).concat(server?.urls ?? []).map(String))
  return urls
}

/** A last interval shorter than this (a close just after a sample) gets no stats line of its own. */
const MIN_FINAL_INTERVAL_MS = 500

/** The description calls whose rejection is an `error`, and `addIceCandidate`, whose rejection is usually benign. */
const SIGNALING_CALLS = ['createOffer', 'createAnswer', 'setLocalDescription', 'setRemoteDescription', 'addIceCandidate'] as const

/**
 * Starts following `pc`; returns the `stop()` that detaches everything
 * (listeners, timer, the per-instance method wrappers).
 */
export function trackConnection(pc: RTCPeerConnection, id: string, config: RTCConfiguration | undefined, log: WebRTCLogger, statsInterval: number, done: () => void): () => void {
  const say: Say = (level, what, context) => log[level](`webrtc ${id} ${what}`, { pc: id, ...context })
  const openedAt = Date.now()
  const stops: Array<() => void> = []
  const activeProblems = new Map<string, Problem>()
  let timer: ReturnType<typeof setInterval> | undefined
  let last: Sample | undefined
  let selectedPair: string | undefined
  let queue = Promise.resolve()
  let stopped = false

  say('info', 'created', { iceServers: iceServerUrls(config), iceTransportPolicy: config?.iceTransportPolicy })

  const sampleOnce = async (asked: { report: Promise<RTCStatsReport>; time: number }, final: boolean) => {
    const report = await asked.report
    const sample = readSample(report.values() as Iterable<StatsEntry>, asked.time)
    // A new pair of the same kinds (Chrome re-nominates early on) says nothing new to support.
    const pair = sample.pair && `${describeCandidate(sample.pair.local)} -> ${describeCandidate(sample.pair.remote)}`
    if (pair && sample.pair && pair !== selectedPair) {
      selectedPair = pair
      const { local, remote } = sample.pair
      say('info', `candidate pair ${pair}`, { local, remote, relay: local.type === 'relay' || remote.type === 'relay' })
    }
    const before = last
    // A close right after a regular sample has nothing new to say.
    if (final && before && sample.time - before.time < MIN_FINAL_INTERVAL_MS) return
    last = sample
    if (!before) return
    const summary = summarize(before, sample)
    if (Object.keys(summary.out).length || Object.keys(summary.in).length) say('info', 'stats', { ...summary })
    // The last interval before close may be a fraction of a second: too short to judge.
    if (final) return
    const { started, ended } = changes(activeProblems, detect(summary))
    for (const problem of started) {
      activeProblems.set(problemKey(problem), problem)
      say('warn', `problem: ${problem.code} (${problem.where})`, { problem: problem.code, where: problem.where, value: problem.value })
    }
    for (const problem of ended) {
      activeProblems.delete(problemKey(problem))
      say('info', `problem over: ${problem.code} (${problem.where})`, { problem: problem.code, where: problem.where })
    }
  }
  // Samples are read in order; a failed getStats (a closing connection) is skipped. The
  // final one is asked for at once, before the native close() makes the answer empty.
  const poll = (final = false) => {
    const ask = () => ({ report: pc.getStats(), time: performance.now() })
    const early = final ? ask() : undefined
    return (queue = queue.then(() => sampleOnce(early ?? ask(), final)).catch(() => {}))
  }

  const startPolling = () => {
    if (timer !== undefined || stopped) return
    poll()
    timer = setInterval(() => poll(), statsInterval)
  }
  const stopPolling = () => {
    clearInterval(timer)
    timer = undefined
  }

  const stateLevel = (state: string) => (state === 'failed' ? 'error' : state === 'disconnected' ? 'warn' : 'info')
  stops.push(
    listen(pc, 'connectionstatechange', safe(() => {
      const state = pc.connectionState
      say(stateLevel(state), `connectionState ${state}`)
      if (state === 'connected') startPolling()
      if (state === 'closed') stopPolling()
    })),
    listen(pc, 'iceconnectionstatechange', safe(() => {
      const state = pc.iceConnectionState
      say(state === 'failed' || state === 'disconnected' ? 'warn' : 'info', `iceConnectionState ${state}`)
      // Browsers without connectionState still say when ICE connects.
      if (pc.connectionState === undefined && (state === 'connected' || state === 'completed')) startPolling()
    })),
    listen(pc, 'signalingstatechange', safe(() => say('info', `signalingState ${pc.signalingState}`))),
    listen<RTCPeerConnectionIceErrorEvent>(pc, 'icecandidateerror', safe((event) => {
      // The STUN/TURN server's URL and the error; the local address stays out of the log.
      say('warn', `ICE candidate error ${event.errorCode}: ${event.errorText}`, { url: event.url, errorCode: event.errorCode, errorText: event.errorText })
    })),
    listen<RTCTrackEvent>(pc, 'track', safe((event) => {
      say('info', `remote ${event.track.kind} track added`, { track: event.track.id })
      stops.push(watchTrack(event.track, (level, what, context) => {
        // Remote tracks end when the connection closes: only an end before that is news.
        if (pc.connectionState !== 'closed' && pc.signalingState !== 'closed') say(level, `remote ${what}`, context)
      }))
    })),
  )

  const own = (name: string, make: (original: Method) => Method) => stops.push(patch(pc, name, make))
  for (const name of SIGNALING_CALLS) {
    own(name, (original) => (...args: unknown[]) => {
      const options = args.find((a) => a && typeof a == 'object') as RTCOfferOptions | undefined
      if (name === 'createOffer' && options?.iceRestart) say('info', 'ICE restart (createOffer)')
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
    say('info', 'ICE restart')
    return original.apply(pc)
  })
  own('close', (original) => () => {
    const closing = pc.signalingState !== 'closed' && !stopped
    stopPolling()
    const final = closing && last ? poll(true) : Promise.resolve()
    const result = original.apply(pc)
    if (closing) {
      final.then(() => {
        // Problems still open at the end are named here: they get no "over" line.
        const problems = [...activeProblems.keys()]
        say('info', 'closed', { seconds: Math.round((Date.now() - openedAt) / 1000), ...(problems.length && { problems }) })
        stop()
      })
    }
    return result
  })

  function stop() {
    stopped = true
    stopPolling()
    stops.splice(0).forEach((s) => s())
    done()
  }
  return stop
}
