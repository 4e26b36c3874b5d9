// What a call costs in log volume: a loopback call (demo/public/call.js) of
// `--seconds` (default 60) in headless Chromium with the fake camera and
// microphone, instrumented by dist/horn-logger-webrtc.min.js at its default
// stats interval; prints the WebRTC lines and their bytes (as the reference
// server stores them), per minute of call.
//
//   node bench/webrtc-call.mjs [--seconds 60] [--dist dist] [--print]
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
  return i > 0 ? process.argv[i + 1] : fallback
}
const seconds = Number(arg('seconds', 60))
const distDir = resolve(arg('dist', join(ROOT, 'dist')))

const publicDir = mkdtempSync(join(tmpdir(), 'horn-call-'))
writeFileSync(join(publicDir, 'call.js'), readFileSync(join(ROOT, 'demo/public/call.js'), 'utf8'))
const horn = createHornServer({ publicDir, distDir, log: () => {} })
const { url } = await horn.listen(0, '127.0.0.1')
writeFileSync(join(publicDir, 'call.html'), `<!doctype html><html><head><meta charset="utf-8"><title>call</title>
<script src="/dist/horn-logger.min.js" data-client-id="webrtc-bench" data-api-url="${url}"></script>
<script src="/dist/horn-logger-webrtc.min.js"></script>
<script src="/call.js"></script></head><body><video id="call-video" autoplay muted></video></body></html>`)
const browser = await chromium.launch(chromiumOptions({ args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] }))
try {
  const page = await browser.newPage()
  await page.goto(`${url}/call.html`)
  await page.waitForFunction(() => !!window.hornLogger?.appSessionId && !!window.hornTestCall)
  await page.evaluate(() => window.hornTestCall.start())
  await page.waitForTimeout(seconds * 1000)
  await page.evaluate(() => window.hornTestCall.end())
  await page.waitForTimeout(1500)
  const id = await page.evaluate(async () => {
    await window.hornLogger.flush({ timeout: 10_000 })
    return window.hornLogger.appSessionId
  })
  const lines = (horn.state.logs(id) ?? '').split('\n').filter((l) => / webrtc /.test(l))
  const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0)
  const perMinute = 60 / seconds
  if (process.argv.includes('--print')) console.log(lines.join('\n'))
  console.log(`| WebRTC log of a ${seconds} s loopback call | ${lines.length} lines, ${bytes} B | per minute: ${Math.round(lines.length * perMinute)} lines, ${Math.round(bytes * perMinute)} B |`)
} finally {
  await browser.close()
  await horn.close()
  rmSync(publicDir, { recursive: true, force: true })
}
