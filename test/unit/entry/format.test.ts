import { afterEach, describe, expect, it, vi } from 'vitest'
import { fresh } from '../../support/helpers'
import type { Entry } from '../../../src/types'

const entry = (over: Partial<Entry> = {}): Entry => ({
  time: Date.UTC(2026, 10, 27, 10, 0, 0, 5),
  level: 'info',
  message: 'joined',
  seq: 7,
  ...over,
})

const load = () => fresh(() => import('../../../src/entry/format'))

afterEach(() => {
  vi.restoreAllMocks()
})

describe('text format', () => {
  it('writes ISO time, upper-case level, message, context as JSON, one newline', async () => {
    const { formatText } = await load()
    expect(formatText(entry({ context: { room: 'blue', n: 1 } }))).toBe('2026-11-27T10:00:00.005Z INFO joined {"room":"blue","n":1}\n')
    expect(formatText(entry({ level: 'warn' }))).toBe('2026-11-27T10:00:00.005Z WARN joined\n')
  })

  it('escapes newlines inside the message so an entry stays one line', async () => {
    const { formatText } = await load()
    const line = formatText(entry({ message: 'a\nb\r\nc\rd', context: { s: 'x\ny' } }))
    expect(line).toBe('2026-11-27T10:00:00.005Z INFO a\\nb\\nc\\nd {"s":"x\\ny"}\n')
    expect(line.split('\n')).toHaveLength(2)
  })

  it('does not throw on an invalid time', async () => {
    const { formatText } = await load()
    expect(() => formatText(entry({ time: NaN }))).not.toThrow()
  })
})

describe('json format', () => {
  it('writes one object per line that parses back, with seq', async () => {
    const { formatJson } = await load()
    const e = entry({ level: 'error', message: 'line1\nline2', context: { a: [1, 2] } })
    const line = formatJson(e)
    expect(line.endsWith('\n')).toBe(true)
    expect(line.slice(0, -1)).not.toContain('\n')
    expect(JSON.parse(line)).toEqual({ time: e.time, level: 'error', seq: 7, message: 'line1\nline2', context: { a: [1, 2] } })
  })
})

describe('createFormatter', () => {
  it('picks text by default and json on request; warns on an unknown name', async () => {
    const { createFormatter, formatText, formatJson, warn } = await load()
    expect(createFormatter(undefined)).toBe(formatText)
    expect(createFormatter('text')).toBe(formatText)
    expect(createFormatter('json')).toBe(formatJson)
    expect(warn).not.toHaveBeenCalled()
    expect(createFormatter('xml')).toBe(formatText)
    expect(warn).toHaveBeenCalledTimes(1)
  })

  it('uses a custom function, escaping its newlines and ending in exactly one newline', async () => {
    const { createFormatter } = await load()
    const custom = createFormatter((e: Entry) => `${e.seq}|${e.message}`)
    expect(custom(entry({ message: 'a\nb' }))).toBe('7|a\\nb\n')
    const withNewline = createFormatter(() => 'x\ny\n')
    expect(withNewline(entry())).toBe('x\\ny\n')
  })

  it('falls back to text, warning once, when the function throws', async () => {
    const { createFormatter, formatText, warn } = await load()
    const custom = createFormatter(() => {
      throw new Error('bad formatter')
    })
    expect(custom(entry())).toBe(formatText(entry()))
    expect(custom(entry({ seq: 8 }))).toBe(formatText(entry({ seq: 8 })))
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0][0])).toContain('bad formatter')
  })

  it('falls back to text when the function returns something other than a string', async () => {
    const { createFormatter, formatText, warn } = await load()
    for (const result of [undefined, 42, { line: 'x' }, null]) {
      const custom = createFormatter(() => result as unknown as string)
      expect(custom(entry())).toBe(formatText(entry()))
    }
    expect(warn).toHaveBeenCalledTimes(1)
  })
})
