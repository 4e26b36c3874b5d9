// A call drawn over time with uPlot (served from the package's own
// node_modules under /vendor/uplot/, loaded as the global `uPlot`): bitrate
// in and out, loss, RTT and MOS, warnings as shaded bands and setup/summary
// lines as markers, both painted on uPlot's canvas in its draw hook.

const COLORS = { in: '#2f6fdf', out: '#1a9c6b', loss: '#c4372d', rtt: '#a86400', mos: '#7b4fd6' }
const BAND_FILL = 'rgba(255, 176, 32, 0.22)'
const BAND_EDGE = 'rgba(168, 100, 0, 0.8)'
const MARKER = 'rgba(29, 35, 48, 0.55)'
const CHART_HEIGHT = 260

/** Columns for uPlot: x in seconds, then one array per series (null where a line has no value). */
function columns(call) {
  const pick = (key) => call.points.map((p) => p[key] ?? null)
  return [call.points.map((p) => p.time / 1000), pick('inKbps'), pick('outKbps'), pick('loss'), pick('rtt'), pick('mos')]
}

/** Bands and markers, painted under the series' labels, over the grid. */
function overlay(call) {
  return (u) => {
    const { ctx } = u
    const { top, height } = u.bbox
    const x = (ms) => Math.round(u.valToPos(ms / 1000, 'x', true))
    ctx.save()
    for (const band of call.bands) {
      const from = x(band.from)
      const to = Math.max(x(band.to), from + 2)
      ctx.fillStyle = BAND_FILL
      ctx.fillRect(from, top, to - from, height)
      ctx.fillStyle = BAND_EDGE
      ctx.fillRect(from, top, 1, height)
    }
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`
    ctx.textBaseline = 'top'
    for (const [i, marker] of call.markers.entries()) {
      const at = x(marker.time)
      ctx.fillStyle = marker.level === 'ERROR' ? COLORS.loss : marker.level === 'WARN' ? BAND_EDGE : MARKER
      ctx.fillRect(at, top, 1, height)
      // Labels step down so neighbours do not overprint each other.
      const label = marker.label.length > 28 ? marker.label.slice(0, 27) + '…' : marker.label
      ctx.fillText(label, at + 3 * devicePixelRatio, top + ((i % 4) * 13 + 2) * devicePixelRatio)
    }
    ctx.restore()
  }
}

/**
 * Draws `call` into `box` (emptied first); returns the uPlot instance, or
 * undefined when uPlot did not load (the box then says so).
 */
export function drawCall(box, call, width) {
  box.replaceChildren()
  const UPlot = globalThis.uPlot
  if (typeof UPlot !== 'function') {
    box.textContent = 'The chart library (uPlot) did not load.'
    return undefined
  }
  const line = (label, scale, stroke, dash) => ({ label, scale, stroke, width: 1.5, spanGaps: true, ...(dash && { dash }), points: { show: false } })
  const opts = {
    width,
    height: CHART_HEIGHT,
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true, range: () => [call.from / 1000, Math.max(call.to, call.from + 1000) / 1000] }, kbps: { auto: true, range: (u, lo, hi) => [0, Math.max(hi, 1)] }, pct: { range: (u, lo, hi) => [0, Math.max(10, Math.ceil((hi ?? 0) * 1.2))] }, ms: { range: (u, lo, hi) => [0, Math.max(hi, 100)] }, mos: { range: [1, 5] } },
    axes: [
      {},
      { scale: 'kbps', label: 'kbps', size: 55 },
      { scale: 'pct', label: 'loss %', size: 45, grid: { show: false } },
      { scale: 'ms', label: 'RTT ms', side: 1, size: 50, grid: { show: false } },
      { scale: 'mos', label: 'MOS', side: 1, size: 40, grid: { show: false } },
    ],
    series: [
      {},
      line('bitrate in (kbps)', 'kbps', COLORS.in),
      line('bitrate out (kbps)', 'kbps', COLORS.out),
      line('loss %', 'pct', COLORS.loss, [4, 3]),
      line('RTT ms', 'ms', COLORS.rtt),
      line('MOS', 'mos', COLORS.mos, [2, 2]),
    ],
    hooks: { draw: [overlay(call)] },
  }
  return new UPlot(opts, columns(call), box)
}
