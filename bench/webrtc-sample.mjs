// The main-thread cost of one stats sample of horn-logger/webrtc (issue 22):
// a loopback call (demo/public/call.js) in headless Chromium with the fake
// camera and microphone and the CPU 4× slower (CDP
// Emulation.setCPUThrottlingRate, DevTools' "low-end mobile"), profiled with
// CDP's sampling profiler. The cost of a sample is the self time of every
// function of dist/horn-logger-webrtc.min.js (reading the report, the
// detectors, the warnings), plus, in a second figure, the core agent's time
// (the lines it is handed), divided by the getStats calls the module made.
//
//   node bench/webrtc-sample.mjs [--seconds 20] [--throttle 4] [--rounds 3]
// Prints one table row (markdown).
import { chromium } from 'playwright-core'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CHROMIUM_ARGS, chromiumOptions } from '../demo/chromium.mjs'
import { createHornServer } from '../demo/server.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const seconds = arg('seconds', 20)
const throttle = arg('throttle', 4)

/** Counts the getStats calls of the page (the module's samples: one per connection per sample). */
function countGetStats() {
  const getStats = RTCPeerConnection.prototype.getStats
  window.__getStatsCalls = 0
  RTCPeerConnection.prototype.getStats = function (...args) {
    window.__getStatsCalls++
    return getStats.apply(this, args)
  }
}

/**
 * The floor any stats reader pays: the same call without the module, and a
 * plain script that asks each connection for getStats every 2 s and walks
 * the report (Chrome builds the report's JS objects on the main thread).
 */
const FLOOR_SCRIPT = `setInterval(async () => {
  const call = window.hornTestCall.current
  if (!call) return
  for (const pc of [call.a, call.b]) {
    let n = 0
    for (const entry of (await pc.getStats()).values()) n += entry.type.length
    window.__floor = n
  }
}, 2000)`

export async function measureWebRTCSample({ seconds: s = seconds, throttle: rate = throttle, floor = false } = {}) {
  const publicDir = mkdtempSync(join(tmpdir(), 'horn-webrtc-sample-'))
  writeFileSync(join(publicDir, 'call.js'), readFileSync(join(ROOT, 'demo/public/call.js'), 'utf8'))
  writeFileSync(join(publicDir, 'floor.js'), FLOOR_SCRIPT)
  const horn = createHornServer({ publicDir, log: () => {} })
  const { url } = await horn.listen(0, '127.0.0.1')
  writeFileSync(join(publicDir, 'call.html'), `<!doctype html><html><head><meta charset="utf-8"><title>call</title>
<script src="/dist/horn-logger.min.js" data-client-id="webrtc-bench" data-api-url="${url}"></script>
${floor ? '<script src="/floor.js"></script>' : '<script src="/dist/horn-logger-webrtc.min.js"></script>'}
<script src="/call.js"></script></head><body><video id="call-video" autoplay muted></video></body></html>`)
  const browser = await chromium.launch(chromiumOptions({ args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] }))
  try {
    const page = await browser.newPage()
    await page.addInitScript(countGetStats)
    await page.goto(`${url}/call.html`)
    await page.waitForFunction(() => !!window.hornLogger?.appSessionId && !!window.hornTestCall)
    await page.evaluate(() => window.hornTestCall.start())
    await page.waitForFunction(() => window.hornTestCall.current?.b.connectionState === 'connected')
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate })
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: 50 })
    const before = await page.evaluate(() => window.__getStatsCalls)
    await cdp.send('Profiler.start')
    await page.waitForTimeout(s * 1000)
    const { profile } = await cdp.send('Profiler.stop')
    const calls = (await page.evaluate(() => window.__getStatsCalls)) - before
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 })
    await page.evaluate(() => window.hornTestCall.end())
    // Self time per node: the samples that landed on it, times the gaps between samples.
    const self = new Map()
    profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)))
    let webrtcUs = 0
    let coreUs = 0
    for (const node of profile.nodes) {
      const us = self.get(node.id) ?? 0
      if (node.callFrame.url.endsWith(floor ? '/floor.js' : '/horn-logger-webrtc.min.js')) webrtcUs += us
      else if (node.callFrame.url.endsWith('/horn-logger.min.js')) coreUs += us
    }
    if (process.env.WEBRTC_SAMPLE_TOP) {
      const rows = profile.nodes.filter((n) => n.callFrame.url.includes('horn-logger')).map((n) => [self.get(n.id) ?? 0, `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}:${n.callFrame.columnNumber}`])
      rows.sort((a, b) => b[0] - a[0]).slice(0, 10).forEach(([us, where]) => console.log(Math.round(us), where))
    }
    return { calls, webrtcUsPerSample: webrtcUs / calls, withLinesUsPerSample: (webrtcUs + coreUs) / calls }
  } finally {
    await browser.close()
    await horn.close()
    rmSync(publicDir, { recursive: true, force: true })
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Rounds alternate the module and the floor; medians, as the machine is shared (the
  // profiler's sample gaps are wall time, so a descheduled thread inflates both).
  const rounds = arg('rounds', 3)
  const module = []
  const floors = []
  for (let i = 0; i < rounds; i++) {
    module.push(await measureWebRTCSample())
    floors.push(await measureWebRTCSample({ floor: true }))
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const us = (x) => `${Math.round(x).toLocaleString('en')} µs`
  const m = median(module.map((r) => r.webrtcUsPerSample))
  const w = median(module.map((r) => r.withLinesUsPerSample))
  const f = median(floors.map((r) => r.webrtcUsPerSample))
  console.log(`| WebRTC: main-thread time per stats sample (one getStats of one connection), CPU ${throttle}× slower, ${seconds} s loopback call, median of ${rounds} | ${us(m)} in the module, ${us(w)} with the core agent's work on its lines; floor: ${us(f)} for a bare getStats() and a walk of its report |`)
}
