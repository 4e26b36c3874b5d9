/**
 * `horn-logger-webrtc.min.js` in real Chromium with the fake camera and
 * microphone: a loopback call between two peer connections in the page
 * (demo/public/call.js) leaves its lifecycle, stats and problems in the app
 * session's log on the reference server; the wrapped constructor behaves
 * like the native one; polling stops after close and after stop().
 */
import { existsSync, readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
// @ts-expect-error: plain JavaScript module
import { CHROMIUM_ARGS, chromiumOptions } from '../../demo/chromium.mjs'
// @ts-expect-error: plain JavaScript module with JSDoc types
import { createHornServer, DEMO_CSP } from '../../demo/server.mjs'
import { lines, startServer, waitFor, type HornServer } from '../support/harness'

/** Stats every second, so a test sees several intervals in a few seconds. */
const STATS_INTERVAL_MS = 1000

let server: HornServer
let browser: Browser
let pageUrl: string

/**
 * Runs before any script of the page: keeps the native constructor and
 * media-device methods to compare with after stop(), and counts the live
 * intervals and devicechange listeners, so "polling stopped" is a count,
 * not a wait.
 */
function probe() {
  const w = window as unknown as Record<string, unknown>
  const live = new Set<unknown>()
  const setInterval = window.setInterval.bind(window)
  const clearInterval = window.clearInterval.bind(window)
  window.setInterval = ((fn: () => void, ms?: number) => {
    const id = setInterval(fn, ms)
    if (ms === 1000) live.add(id)
    return id
  }) as typeof window.setInterval
  window.clearInterval = ((id?: number) => {
    live.delete(id)
    clearInterval(id)
  }) as typeof window.clearInterval
  const devices = navigator.mediaDevices
  const listeners = new Set<unknown>()
  const add = devices.addEventListener.bind(devices)
  const remove = devices.removeEventListener.bind(devices)
  devices.addEventListener = ((type: string, fn: EventListener) => {
    if (type === 'devicechange') listeners.add(fn)
    add(type, fn)
  }) as typeof devices.addEventListener
  devices.removeEventListener = ((type: string, fn: EventListener) => {
    if (type === 'devicechange') listeners.delete(fn)
    remove(type, fn)
  }) as typeof devices.removeEventListener
  // When each connection was last asked for stats: lets a test close at a known point of the interval.
  const asked = new WeakMap<object, number>()
  const getStats = RTCPeerConnection.prototype.getStats
  RTCPeerConnection.prototype.getStats = function (this: RTCPeerConnection, ...args: unknown[]) {
    asked.set(this, performance.now())
    return (getStats as (...a: unknown[]) => Promise<RTCStatsReport>).apply(this, args)
  } as typeof getStats
  w.__probe = {
    NativePC: window.RTCPeerConnection,
    sinceStats: (pc: object) => performance.now() - (asked.get(pc) ?? -Infinity),
    getUserMedia: MediaDevices.prototype.getUserMedia,
    liveIntervals: () => live.size,
    devicechangeListeners: () => listeners.size,
  }
}

beforeAll(async () => {
  if (!existsSync('dist/horn-logger-webrtc.min.js') || !existsSync('dist/horn-logger.min.js')) throw new Error('dist/ is missing: run `npm run build` first')
  server = await startServer()
  server.page('call.js', readFileSync('demo/public/call.js', 'utf8'))
  pageUrl = server.page(
    'webrtc.html',
    `<!doctype html><html><head><meta charset="utf-8"><title>webrtc</title>
<script src="/dist/horn-logger.min.js" data-client-id="webrtc-test" data-api-url="${server.url}"></script>
<script src="/dist/horn-logger-webrtc.min.js" data-stats-interval="${STATS_INTERVAL_MS}"></script>
<script src="/call.js"></script></head><body><video id="call-video" autoplay muted></video></body></html>`,
  )
  browser = await chromium.launch(chromiumOptions({ args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] }))
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

async function open(): Promise<Page> {
  const page = await browser.newPage()
  await page.addInitScript(probe)
  await page.goto(pageUrl)
  await page.waitForFunction(() => !!(window as any).HornLogger?.webrtc && !!(window as any).hornTestCall)
  return page
}

/** The page's log as the server stored it, after a flush. */
async function logOf(page: Page): Promise<string[]> {
  const id = await page.evaluate(async () => {
    const logger = (window as any).hornLogger
    await logger.flush({ timeout: 10_000 })
    return logger.appSessionId as string
  })
  return lines(server.state.logs(id))
}

/** Waits until the page's log has a line matching `re`; returns every such line. */
async function waitForLines(page: Page, re: RegExp, count = 1): Promise<string[]> {
  const found = await waitFor(`${count} log line(s) matching ${re}`, async () => {
    const lines = (await logOf(page)).filter((line) => re.test(line))
    return lines.length >= count ? lines : undefined
  }, 30_000, 250)
  return found!
}

/** The JSON context at the end of a text line. */
const contextOf = (line: string) => JSON.parse(line.slice(line.indexOf(' {') + 1))
const liveIntervals = (page: Page) => page.evaluate(() => (window as any).__probe.liveIntervals() as number)

describe('a loopback call', () => {
  let page: Page
  beforeAll(async () => {
    page = await open()
  })
  afterAll(() => page?.close())

  it('logs getUserMedia, creation, signaling, ICE and connection states, and the selected candidate pair, each with its connection id', async () => {
    expect(await liveIntervals(page)).toBe(0) // no call, no timer
    await page.evaluate(() => (window as any).hornTestCall.start())
    const log = await waitForLines(page, /webrtc pc2 candidate pair/)
    const all = (await logOf(page)).filter((l) => l.includes(' webrtc '))
    expect(all.find((l) => l.includes('webrtc getUserMedia ok'))).toMatch(/INFO .*"kind":"video".*"label":"fake_device_0"/)
    for (const pc of ['pc1', 'pc2']) {
      for (const what of ['created', 'signalingState stable', 'iceConnectionState connected', 'connectionState connected', 'candidate pair host/udp -> host/udp']) {
        expect(all.some((l) => l.includes(`INFO webrtc ${pc} ${what}`)), `${pc} ${what}`).toBe(true)
      }
    }
    expect(all.some((l) => l.includes('INFO webrtc pc2 remote video track added'))).toBe(true)
    // Every line about a connection names it in its context too.
    for (const line of all.filter((l) => / webrtc pc\d /.test(l))) expect(contextOf(line).pc).toMatch(/^pc\d$/)
    expect(contextOf(log[0])).toMatchObject({ local: { type: 'host', protocol: 'udp' }, relay: false })
  })

  it('writes one stats line per connection per interval, with non-zero bitrate, frame rate and resolution', async () => {
    const stats = await waitForLines(page, /INFO webrtc pc2 stats /, 2)
    const received = contextOf(stats[stats.length - 1])
    expect(received.in.video.kbps).toBeGreaterThan(0)
    expect(received.in.audio.kbps).toBeGreaterThan(0)
    expect(received.in.video.fps).toBeGreaterThan(0)
    expect(received.in.video.res).toBe('640x480')
    expect(received.s).toBeGreaterThanOrEqual(0.5)
    const sent = contextOf((await waitForLines(page, /INFO webrtc pc1 stats /))[0])
    expect(sent.out.video.kbps).toBeGreaterThan(0)
    expect(sent.out.audio.kbps).toBeGreaterThan(0)
    // Deltas, never raw getStats dumps.
    expect(stats.join('\n')).not.toMatch(/bytesReceived|"ssrc"|googTimingFrameInfo/)
    expect(await liveIntervals(page)).toBe(2) // one timer per open connection
  })

  it('the wrapped RTCPeerConnection passes instanceof, keeps its prototype and statics, and behaves like the native one', async () => {
    const result = await page.evaluate(async () => {
      const w = window as any
      const pc = w.hornTestCall.current.a as RTCPeerConnection
      const Native = w.__probe.NativePC
      class Mine extends RTCPeerConnection {
        mine() {
          return 'mine'
        }
      }
      const mine = new Mine()
      const certificate = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyImportParams)
      let withoutNew = ''
      try {
        ;(RTCPeerConnection as any)()
      } catch (error) {
        withoutNew = (error as Error).name
      }
      const out = {
        wrapped: RTCPeerConnection !== Native,
        instanceofWrapped: pc instanceof RTCPeerConnection,
        instanceofNative: pc instanceof Native,
        samePrototype: RTCPeerConnection.prototype === Native.prototype && Object.getPrototypeOf(pc) === Native.prototype,
        certificate: certificate instanceof RTCCertificate,
        subclass: mine instanceof Mine && mine.mine() === 'mine' && mine instanceof RTCPeerConnection,
        withoutNew,
        state: pc.connectionState,
        senders: pc.getSenders().length,
      }
      mine.close()
      return out
    })
    expect(result).toEqual({
      wrapped: true,
      instanceofWrapped: true,
      instanceofNative: true,
      samePrototype: true,
      certificate: true,
      subclass: true,
      withoutNew: 'TypeError',
      state: 'connected',
      senders: 2,
    })
  })

  it('logs only the ICE servers URLs: usernames and credentials never reach the log', async () => {
    await page.evaluate(() => {
      const pc = new RTCPeerConnection({
        iceServers: [{ urls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:443'], username: 'alice-user', credential: 'hunter2-credential' }, { urls: 'stun:stun.example.com' }],
      })
      pc.close()
    })
    const [created] = await waitForLines(page, /webrtc pc\d+ created .*turn\.example\.com/)
    expect(contextOf(created).iceServers).toEqual(['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:443', 'stun:stun.example.com'])
    expect((await logOf(page)).join('\n')).not.toMatch(/hunter2|alice-user/)
  })

  it('logs a rejected setRemoteDescription as an error line with the error, and an ICE restart', async () => {
    const rejected = await page.evaluate(async () => {
      const pc = new RTCPeerConnection()
      const name = await pc.setRemoteDescription({ type: 'answer', sdp: 'not an sdp' }).then(() => 'resolved', (e: Error) => e.name)
      pc.close()
      return name
    })
    expect(rejected).toMatch(/Error$/) // the app still gets the rejection
    const [line] = await waitForLines(page, /ERROR webrtc pc\d+ setRemoteDescription failed: /)
    expect(contextOf(line).error.name).toBe(rejected)
    await page.evaluate(() => (window as any).hornTestCall.current.a.restartIce())
    await waitForLines(page, /INFO webrtc pc1 ICE restart/)
  })

  it('warns of a local track that mutes or ends by itself, and of ICE candidate errors without the local address', async () => {
    // The browser's own events, dispatched: the fake devices never unplug.
    await page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true })
      const [track] = stream.getVideoTracks()
      track.dispatchEvent(new Event('mute'))
      track.dispatchEvent(new Event('unmute'))
      track.dispatchEvent(new Event('ended'))
      track.stop()
      const pc = new RTCPeerConnection()
      pc.dispatchEvent(new RTCPeerConnectionIceErrorEvent('icecandidateerror', { errorCode: 701, errorText: 'STUN host lookup received error.', url: 'stun:stun.example.com:3478', address: '192.0.2.44', port: 50_000 }))
      pc.close()
    })
    const [muted] = await waitForLines(page, /WARN webrtc local video track muted: no media arriving/)
    expect(contextOf(muted).label).toBe('fake_device_0')
    await waitForLines(page, /INFO webrtc local video track unmuted/)
    await waitForLines(page, /WARN webrtc local video track ended unexpectedly/)
    const [iceError] = await waitForLines(page, /WARN webrtc pc\d+ ICE candidate error 701: STUN host lookup/)
    expect(contextOf(iceError)).toMatchObject({ url: 'stun:stun.example.com:3478', errorCode: 701 })
    expect(iceError).not.toContain('192.0.2.44')
  })

  it('detects the problem when the video bitrate is capped, as a warn line', async () => {
    const cappedAt = await page.evaluate(async () => {
      await (window as any).hornTestCall.degrade(true)
      return Date.now()
    })
    const timeOf = (line: string) => Date.parse(line.slice(0, line.indexOf(' ')))
    // A loaded machine may freeze the fake camera's video now and then before the cap: what
    // counts is that after it the frames collapse and the problem is open (started, not over).
    const log = await waitFor('frozen video after the cap', async () => {
      const all = await logOf(page)
      const collapsed = all.some((l) => /INFO webrtc pc2 stats /.test(l) && timeOf(l) >= cappedAt && contextOf(l).in.video.fps < 10)
      const open = all.filter((l) => /WARN webrtc pc2 problem: frozen-video \(in video\)/.test(l)).length - all.filter((l) => /webrtc pc2 problem over: frozen-video/.test(l)).length
      return collapsed && open === 1 ? all : undefined
    }, 30_000, 250)
    const problem = log!.filter((l) => /WARN webrtc pc2 problem: frozen-video/.test(l)).pop()!
    expect(contextOf(problem)).toMatchObject({ pc: 'pc2', problem: 'frozen-video', where: 'in video' })
    expect(contextOf(problem).value).toBeGreaterThanOrEqual(10)
    await page.evaluate(() => (window as any).hornTestCall.degrade(false))
  })

  it('on close: one last stats line, "closed", and no timer left', async () => {
    const before = (await logOf(page)).filter((l) => /webrtc pc1 stats /.test(l)).length
    // Close 600-900 ms into an interval: long enough for a last line of its own (a close
    // within 500 ms of a regular sample adds none).
    await page.evaluate(async () => {
      const w = window as any
      const since = () => w.__probe.sinceStats(w.hornTestCall.current.a) as number
      for (let i = 0; i < 100 && !(since() >= 600 && since() <= 900); i++) await new Promise((r) => setTimeout(r, 20))
      w.hornTestCall.end()
    })
    const [closed] = await waitForLines(page, /INFO webrtc pc1 closed/)
    expect(contextOf(closed).seconds).toBeGreaterThanOrEqual(1)
    await waitForLines(page, /INFO webrtc pc2 closed/)
    const log = await logOf(page)
    const pc1 = log.filter((l) => / webrtc pc1 /.test(l))
    // The final stats line comes right before "closed", and covers the part interval.
    expect(pc1[pc1.length - 2]).toMatch(/webrtc pc1 stats /)
    expect(contextOf(pc1[pc1.length - 2]).s).toBeGreaterThanOrEqual(0.5)
    expect(contextOf(pc1[pc1.length - 2]).s).toBeLessThan(1)
    expect(pc1.filter((l) => /webrtc pc1 stats /.test(l)).length).toBeGreaterThan(before)
    expect(await liveIntervals(page)).toBe(0)
  })

  it('logs a rejected getUserMedia as an error line with the constraints asked for', async () => {
    const name = await page.evaluate(() =>
      navigator.mediaDevices.getUserMedia({ video: { width: { exact: 99999 } } }).then(
        () => 'resolved',
        (error: Error) => error.name,
      ),
    )
    expect(name).toBe('OverconstrainedError') // the app still gets the browser's own error
    const [line] = await waitForLines(page, /ERROR webrtc getUserMedia failed: OverconstrainedError/)
    expect(contextOf(line)).toMatchObject({ constraints: { video: { width: { exact: 99999 } } }, error: { name: 'OverconstrainedError', constraint: 'width' } })
  })
})

describe('stop()', () => {
  it('stops polling and restores RTCPeerConnection, the media-device calls and the devicechange listener', async () => {
    const page = await open()
    expect(await page.evaluate(() => (window as any).__probe.devicechangeListeners())).toBe(1)
    await page.evaluate(() => (window as any).hornTestCall.start())
    await waitForLines(page, /INFO webrtc pc2 stats /)
    expect(await liveIntervals(page)).toBe(2)
    const restored = await page.evaluate(() => {
      const w = window as any
      w.HornLogger.webrtc.stop()
      const devices = navigator.mediaDevices as any
      return {
        pc: window.RTCPeerConnection === w.__probe.NativePC,
        getUserMedia: devices.getUserMedia === w.__probe.getUserMedia && !Object.prototype.hasOwnProperty.call(devices, 'getUserMedia'),
        getDisplayMedia: !Object.prototype.hasOwnProperty.call(devices, 'getDisplayMedia'),
        enumerateDevices: !Object.prototype.hasOwnProperty.call(devices, 'enumerateDevices'),
        devicechange: w.__probe.devicechangeListeners(),
        // The connections made while instrumented are native again too.
        setLocalDescription: !Object.prototype.hasOwnProperty.call(w.hornTestCall.current.a, 'setLocalDescription'),
      }
    })
    expect(restored).toEqual({ pc: true, getUserMedia: true, getDisplayMedia: true, enumerateDevices: true, devicechange: 0, setLocalDescription: true })
    expect(await liveIntervals(page)).toBe(0)
    // Nothing more is logged: neither a new connection nor the old ones' close.
    await page.evaluate(() => {
      new RTCPeerConnection().close()
      ;(window as any).hornTestCall.end()
    })
    const log = await logOf(page)
    expect(log.filter((l) => / webrtc pc3 /.test(l))).toEqual([])
    expect(log.filter((l) => /webrtc pc\d closed/.test(l))).toEqual([])
    await page.close()
  })
})

describe('data-auto="false"', () => {
  it('only adds HornLogger.instrumentWebRTC; the page is left as it was until the app calls it', async () => {
    const url = server.page(
      'webrtc-manual.html',
      `<!doctype html><html><head><meta charset="utf-8"><title>webrtc manual</title>
<script src="/dist/horn-logger.min.js" data-client-id="webrtc-manual" data-api-url="${server.url}"></script>
<script src="/dist/horn-logger-webrtc.min.js" data-auto="false"></script></head><body></body></html>`,
    )
    const page = await browser.newPage()
    await page.addInitScript(probe)
    await page.goto(url)
    const state = await page.evaluate(() => {
      const w = window as any
      const before = { fn: typeof w.HornLogger.instrumentWebRTC, handle: w.HornLogger.webrtc, native: window.RTCPeerConnection === w.__probe.NativePC }
      const webrtc = w.HornLogger.instrumentWebRTC(w.hornLogger, { statsInterval: 1000 })
      new RTCPeerConnection().close()
      webrtc.stop()
      return { ...before, restored: window.RTCPeerConnection === w.__probe.NativePC }
    })
    expect(state).toEqual({ fn: 'function', handle: undefined, native: true, restored: true })
    expect((await logOf(page)).filter((l) => /INFO webrtc pc\d+ created/.test(l))).toHaveLength(1)
    await page.close()
  })
})

describe('the demo page', () => {
  it('"Start a test call", degrade, camera off, end: the call\'s lines reach the log, under the strict CSP', async () => {
    const horn = createHornServer({ log: () => {} })
    const { url } = await horn.listen(0, '127.0.0.1')
    const page = await browser.newPage()
    const csp: string[] = []
    const pageErrors: string[] = []
    page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && csp.push(m.text())))
    page.on('pageerror', (e) => void pageErrors.push(e.message))
    try {
      const response = await page.goto(url + '/')
      expect(response?.headers()['content-security-policy']).toBe(DEMO_CSP)
      await page.waitForSelector('body.loaded')
      const logText = async () => {
        const id = await page.evaluate(async () => {
          await (window as any).hornLogger.flush({ timeout: 10_000 })
          return (window as any).hornLogger.appSessionId as string
        })
        return (horn.state.logs(id) ?? '') as string
      }
      await page.click('#call-start')
      await waitFor('both connections connected', async () => (await logText()).match(/webrtc pc\d connectionState connected/g)?.length === 2, 30_000, 250)
      await page.click('#call-degrade')
      await page.waitForFunction(() => document.getElementById('call-degrade')?.textContent === 'Restore network')
      await page.click('#call-camera')
      expect(await page.textContent('#call-status')).toContain('Camera off')
      await page.click('#call-end')
      const text = await waitFor('both connections closed', async () => {
        const t = await logText()
        return t.match(/webrtc pc\d closed/g)?.length === 2 ? t : undefined
      }, 30_000, 250)
      expect(text).toMatch(/INFO webrtc getUserMedia ok/)
        expect(await page.isDisabled('#call-end')).toBe(true)
      expect(csp).toEqual([])
      expect(pageErrors).toEqual([])
    } finally {
      await page.close()
      await horn.close()
    }
  })
})

describe('the bundles', () => {
  it('keeps the WebRTC module out of the core script, and the second script small', () => {
    const core = readFileSync('dist/horn-logger.min.js', 'utf8')
    expect(core).not.toMatch(/instrumentWebRTC|getUserMedia|RTCPeerConnection/)
    const webrtc = readFileSync('dist/horn-logger-webrtc.min.js')
    // Budget: 5 KiB gzipped (4.2 KB when written).
    expect(gzipSync(webrtc, { level: 9 }).length).toBeLessThan(5 * 1024)
    expect(webrtc.toString()).not.toMatch(/\beval\(|new Function/)
  })
})
