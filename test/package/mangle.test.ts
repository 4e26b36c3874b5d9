/**
 * mangle.json shortens internal property names in the script-tag and browser
 * builds. A public name in it would break the API silently (a `stats()`
 * counter coming back `undefined`), and a stored or wire name would break
 * other releases reading the same IndexedDB or the server: this keeps both out.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)
const mangled = Object.keys(JSON.parse(readFileSync(new URL('mangle.json', root), 'utf8')).props.props).map((name) => name.slice(1))

describe('mangle.json', () => {
  it('lists no name of the public types (dist/horn-logger.d.ts)', () => {
    const types = readFileSync(new URL('dist/horn-logger.d.ts', root), 'utf8')
    const members = new Set([...types.matchAll(/^\s*(?:readonly\s+)?([A-Za-z_$][\w$]*)\??\s*[(:<]/gm)].map((m) => m[1]))
    expect(members.size).toBeGreaterThan(30) // the parse found the interfaces
    expect(mangled.filter((name) => members.has(name))).toEqual([])
  })

  it('lists no stored or wire name', () => {
    const stored = ['id', 'clientId', 'started', 'url', 'channel', 'appSessionId', 'nextIndex', 'head', 'mark', 'n', 't', 's', 'l', 'i', 'b', 'y']
    const wire = ['time', 'data', 'index', 'status', 'body', 'headers', 'credentials', 'keepalive', 'signal', 'method']
    expect(mangled.filter((name) => stored.includes(name) || wire.includes(name))).toEqual([])
  })
})
