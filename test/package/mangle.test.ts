/**
 * mangle.json shortens internal property names in the script-tag and browser
 * builds. A public name in it would break the API silently (a `stats()`
 * counter coming back `undefined`), and a stored or wire name would break
 * other releases reading the same IndexedDB or the server: this keeps both out.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)
const pinned: Record<string, string> = JSON.parse(readFileSync(new URL('mangle.json', root), 'utf8')).props.props
const mangled = Object.keys(pinned).map((name) => name.slice(1))

describe('mangle.json', () => {
  it('lists no name of the public types (dist/horn-logger.d.ts)', () => {
    const types = readFileSync(new URL('dist/horn-logger.d.ts', root), 'utf8')
    const members = new Set([...types.matchAll(/^\s*(?:readonly\s+)?([A-Za-z_$][\w$]*)\??\s*[(:<]/gm)].map((m) => m[1]))
    expect(members.size).toBeGreaterThan(30) // the parse found the interfaces
    expect(mangled.filter((name) => members.has(name))).toEqual([])
  })

  const stored = ['id', 'clientId', 'started', 'url', 'channel', 'appSessionId', 'nextIndex', 'head', 'mark', 'n', 't', 's', 'l', 'i', 'b', 'y']
  const wire = ['time', 'data', 'index', 'status', 'body', 'headers', 'credentials', 'keepalive', 'signal', 'method']

  it('lists no stored or wire name', () => {
    expect(mangled.filter((name) => stored.includes(name) || wire.includes(name))).toEqual([])
  })

  // The short names are real property names in the built code: one that is also a stored or wire
  // name (the one-letter fields of stored records), the snippet's queue (`q`), or a listed name
  // would land on the same property.
  it('shortens to names of its own, each once', () => {
    const short = Object.values(pinned)
    expect(short.filter((name) => stored.includes(name) || wire.includes(name) || name == 'q' || mangled.includes(name))).toEqual([])
    expect(new Set(short).size).toBe(short.length)
  })
})
