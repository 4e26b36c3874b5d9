// Reading a CDP CPU profile: self time per function, with positions in the
// minified horn bundle mapped back to src/ through its source map.
import { existsSync, readFileSync } from 'node:fs'

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]))

/**
 * Decode a source map v3 `mappings` string into, per generated line, a sorted
 * list of [generatedColumn, sourceIndex, originalLine, originalColumn, nameIndex?].
 * @param {string} mappings
 */
export function decodeMappings(mappings) {
  /** @type {number[][][]} */
  const lines = []
  let src = 0
  let oLine = 0
  let oCol = 0
  let name = 0
  for (const lineText of mappings.split(';')) {
    let gCol = 0
    /** @type {number[][]} */
    const segs = []
    for (const segText of lineText.split(',')) {
      if (!segText) continue
      /** @type {number[]} */
      const fields = []
      let value = 0
      let shift = 0
      for (const ch of segText) {
        const digit = B64_INDEX.get(ch) ?? 0
        value += (digit & 31) << shift
        if (digit & 32) {
          shift += 5
        } else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1)
          value = 0
          shift = 0
        }
      }
      gCol += fields[0]
      const seg = [gCol]
      if (fields.length >= 4) {
        src += fields[1]
        oLine += fields[2]
        oCol += fields[3]
        seg.push(src, oLine, oCol)
        if (fields.length >= 5) {
          name += fields[4]
          seg.push(name)
        }
      }
      segs.push(seg)
    }
    lines.push(segs)
  }
  return lines
}

/** @param {string} file a bundle with `file.map` beside it */
function loadMap(file) {
  const mapFile = `${file}.map`
  if (!existsSync(mapFile)) return undefined
  const map = JSON.parse(readFileSync(mapFile, 'utf8'))
  const lines = decodeMappings(map.mappings)
  /** @param {number} line 0-based @param {number} column 0-based */
  return (line, column) => {
    const segs = lines[line]
    if (!segs) return undefined
    let best
    for (const s of segs) {
      if (s[0] <= column && s.length >= 4) best = s
      else if (s[0] > column) break
    }
    if (!best) return undefined
    return {
      source: String(map.sources[best[1]]).replace(/^(\.\.\/)+/, ''),
      line: best[2] + 1,
      name: best.length >= 5 ? map.names[best[4]] : undefined,
    }
  }
}

/**
 * Top functions by self time.
 * @param {any} profile a CDP Profiler.Profile
 * @param {{ bundles?: Record<string, string>, top?: number }} [o] url path suffix → file on disk (for source maps)
 */
export function topSelfTime(profile, { bundles = {}, top = 12 } = {}) {
  if (!profile) return []
  /** @type {Map<number, any>} */
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  /** @type {Map<number, number>} node id → µs */
  const self = new Map()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0))
  }
  /** @type {Map<number, number>} child id → parent id */
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const mappers = Object.fromEntries(Object.entries(bundles).map(([suffix, file]) => [suffix, loadMap(file)]))
  /** @param {any} f a callFrame */
  const describe = (f) => {
    let name = f.functionName || '(anonymous)'
    let where = f.url ? `${new URL(f.url).pathname}:${f.lineNumber + 1}:${f.columnNumber + 1}` : ''
    for (const [suffix, mapper] of Object.entries(mappers)) {
      if (mapper && f.url.endsWith(suffix)) {
        const o = mapper(f.lineNumber, f.columnNumber)
        if (o) {
          where = `${o.source}:${o.line}`
          if (o.name && (name === '(anonymous)' || name.length <= 2)) name = `${o.name} (${name})`
        }
      }
    }
    return { name, where }
  }
  /** @type {Map<string, { name: string, where: string, us: number }>} */
  const byFunction = new Map()
  let total = 0
  for (const [id, us] of self) {
    const { callFrame: f } = nodes.get(id)
    if (f.functionName === '(idle)') continue
    total += us
    let { name, where } = describe(f)
    // Built-ins (JSON.stringify, toISOString…) have no script: name the caller.
    const up = parent.get(id)
    const upFrame = up !== undefined ? nodes.get(up).callFrame : undefined
    if (!f.url && !f.functionName && upFrame?.functionName === 'evaluate' && !upFrame.url) {
      // The bench's timing function (evaluated, so no script URL): its self
      // time is bench.run's loop, with the agent's call inlined into it.
      name = '(timing loop: bench.run with the logging call inlined)'
      where = ''
    } else if (!f.url && f.functionName !== '(garbage collector)' && f.functionName !== '(program)' && upFrame) {
      const caller = describe(upFrame)
      name = `${f.functionName || '(built-in)'}, called from ${caller.name}`
      where = caller.where
    }
    const key = `${name}\u0000${where}`
    const e = byFunction.get(key) ?? { name, where, us: 0 }
    e.us += us
    byFunction.set(key, e)
  }
  return [...byFunction.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ ...e, percent: total ? (100 * e.us) / total : 0 }))
}

/**
 * Minified bytes of a bundle per original source file, through its source
 * map: where the size goes.
 * @param {string} file
 */
export function bytesBySource(file) {
  const mapFile = `${file}.map`
  if (!existsSync(mapFile)) return []
  const map = JSON.parse(readFileSync(mapFile, 'utf8'))
  const code = readFileSync(file, 'utf8').split('\n')
  const lines = decodeMappings(map.mappings)
  /** @type {Map<string, number>} */
  const bytes = new Map()
  lines.forEach((segs, line) => {
    const text = code[line] ?? ''
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i]
      const end = i + 1 < segs.length ? segs[i + 1][0] : text.length
      const source = s.length >= 4 ? String(map.sources[s[1]]).replace(/^(\.\.\/)+/, '') : '(no source)'
      bytes.set(source, (bytes.get(source) ?? 0) + Buffer.byteLength(text.slice(s[0], end)))
    }
  })
  const total = [...bytes.values()].reduce((a, b) => a + b, 0)
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .map(([source, n]) => ({ source, bytes: n, percent: (100 * n) / total }))
}
