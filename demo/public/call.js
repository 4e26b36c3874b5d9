// "Start a test call": a loopback call between two peer connections in this
// page, with the browser's camera and microphone (fake ones in tests).
// horn-logger-webrtc.min.js (loaded before this file) logs it; the viewer
// shows the lines. Also usable without the page's controls, as
// `window.hornTestCall` (the browser tests drive it that way).
'use strict'

;(function () {
  /** What "degrade network" caps the outgoing video at: low enough that the encoder must give up resolution. */
  const DEGRADED_BITRATE_BPS = 30_000

  let call

  const el = (id) => document.getElementById(id)
  function setStatus(text) {
    const status = el('call-status')
    if (status) status.textContent = text
  }
  function setButtons() {
    const on = !!call
    for (const [id, enabled] of [['call-start', !on], ['call-degrade', on], ['call-camera', on], ['call-end', on]]) {
      if (el(id)) el(id).disabled = !enabled
    }
    if (el('call-camera')) el('call-camera').textContent = call && !call.videoTrack.enabled ? 'Turn camera on' : 'Turn camera off'
    if (el('call-degrade')) el('call-degrade').textContent = call?.degraded ? 'Restore network' : 'Degrade network'
  }

  /** Two connections, A sends camera and microphone to B; the offer/answer and ICE candidates go across in-page. */
  async function start(constraints = { audio: true, video: { width: 640, height: 480 } }) {
    if (call) return call
    const stream = await navigator.mediaDevices.getUserMedia(constraints)
    const a = new RTCPeerConnection()
    const b = new RTCPeerConnection()
    call = { a, b, stream, videoTrack: stream.getVideoTracks()[0], degraded: false }
    a.addEventListener('icecandidate', (e) => e.candidate && b.addIceCandidate(e.candidate))
    b.addEventListener('icecandidate', (e) => e.candidate && a.addIceCandidate(e.candidate))
    b.addEventListener('track', (e) => {
      const video = el('call-video')
      if (video && e.track.kind === 'video') video.srcObject = new MediaStream([e.track])
    })
    for (const track of stream.getTracks()) a.addTrack(track, stream)
    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(b.localDescription)
    setButtons()
    return call
  }

  /** Caps (or uncaps) the video sender's bitrate, as an app would: the encoder becomes bandwidth-limited, and the log says the app did it. */
  async function degrade(on = !call?.degraded) {
    if (!call) return
    const sender = call.a.getSenders().find((s) => s.track?.kind === 'video')
    const parameters = sender.getParameters()
    if (!parameters.encodings?.length) parameters.encodings = [{}]
    if (on) parameters.encodings[0].maxBitrate = DEGRADED_BITRATE_BPS
    else delete parameters.encodings[0].maxBitrate
    await sender.setParameters(parameters)
    call.degraded = on
    setButtons()
  }

  /** Disables (or enables) the camera track: the other side gets black frames at a fraction of the bitrate. */
  function camera(on = !call?.videoTrack.enabled) {
    if (!call) return
    call.videoTrack.enabled = on
    setButtons()
  }

  function end() {
    if (!call) return
    call.a.close()
    call.b.close()
    for (const track of call.stream.getTracks()) track.stop()
    const video = el('call-video')
    if (video) video.srcObject = null
    call = undefined
    setButtons()
  }

  window.hornTestCall = { start, degrade, camera, end, get current() { return call } }

  function wire() {
    if (!el('call-start')) return
    const report = (what) => (error) => setStatus(`${what} failed: ${error?.name ?? 'Error'}: ${error?.message ?? error}`)
    el('call-start').addEventListener('click', () => {
      setStatus('Starting…')
      start().then(() => setStatus('In a call with yourself: one "connected in … ms" line per connection, then every 10 s a stats line with the audio MOS.'), report('The call'))
    })
    el('call-degrade').addEventListener('click', () => {
      degrade().then(() => setStatus(call?.degraded ? `Video capped at ${DEGRADED_BITRATE_BPS / 1000} kbps with setParameters: the log says the app did it ("app set video sender maxBitrate"), and a "bandwidth-limited" warning follows within seconds.` : 'Cap lifted: the warnings end after five clean samples (about 10 s).'), report('Degrading'))
    })
    el('call-camera').addEventListener('click', () => {
      camera()
      setStatus(call?.videoTrack.enabled ? 'Camera on ("app enabled video track").' : 'Camera off: the log says "app disabled video track"; the other side gets black frames.')
    })
    el('call-end').addEventListener('click', () => {
      end()
      setStatus('Call ended: one last stats line, then "closed after … s" with the call\'s summary.')
    })
    if (!window.HornLogger?.webrtc) setStatus('horn-logger-webrtc.min.js did not load: the call would not be logged.')
    setButtons()
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wire)
  else wire()
})()
