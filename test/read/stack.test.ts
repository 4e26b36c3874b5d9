/**
 * The reading side: log lines into their parts, stacks of the three engines
 * into frames, and frames of a real terser-minified file mapped back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lineFilter, parseLine } from '../../src/read/line'
import { findStacks, frameText, parseStack } from '../../src/read/stack'
import { createStackMapper } from '../../src/read/sourcemaps'
import { CALL_AT, ORIGINAL_FILE, THROW_AT, minifiedApp, type Minified } from '../support/minified'

const APP = 'https://conf.example.com/assets/app.min.js'

// Real stacks of one error thrown from a minified bundle, as each engine writes `error.stack`.
const CHROMIUM = `TypeError: Cannot read properties of undefined (reading 'id')
    at n (https://conf.example.com/assets/app.min.js:1:48213)
    at HTMLButtonElement.<anonymous> (https://conf.example.com/assets/app.min.js:1:50112)
    at async Promise.all (index 0)
    at https://conf.example.com/assets/app.min.js:2:77`
const FIREFOX = `n@https://conf.example.com/assets/app.min.js:1:48213
t/<@https://conf.example.com/assets/app.min.js:1:50112
EventListener.handleEvent*@https://conf.example.com/assets/app.min.js:1:51000
@https://conf.example.com/assets/app.min.js:2:77
`
const SAFARI = `n@https://conf.example.com/assets/app.min.js:1:48213
@https://conf.example.com/assets/app.min.js:1:50112
dispatchEvent@[native code]
global code@https://conf.example.com/assets/app.min.js:2:77`

describe('parseStack', () => {
  it('reads a Chromium stack: function, file, line, column; the message line and async markers are no frames', () => {
    const frames = parseStack(CHROMIUM)
    expect(frames.map(frameText)).toEqual([`n (${APP}:1:48213)`, `HTMLButtonElement.<anonymous> (${APP}:1:50112)`, `${APP}:2:77`])
    expect(frames[0]).toMatchObject({ functionName: 'n', fileName: APP, lineNumber: 1, columnNumber: 48213 })
  })

  it('reads a Firefox stack', () => {
    const frames = parseStack(FIREFOX)
    expect(frames.filter((f) => f.fileName === APP).map((f) => [f.lineNumber, f.columnNumber])).toEqual([[1, 48213], [1, 50112], [1, 51000], [2, 77]])
    expect(frames[0].functionName).toBe('n')
  })

  it('reads a Safari stack, native frames without a file', () => {
    const frames = parseStack(SAFARI)
    expect(frames.filter((f) => f.fileName === APP).map((f) => [f.functionName, f.lineNumber, f.columnNumber])).toEqual([
      ['n', 1, 48213],
      [undefined, 1, 50112],
      ['global code', 2, 77],
    ])
  })

  it('finds nothing in a string that is no stack, and never throws', () => {
    expect(parseStack('')).toEqual([])
    expect(parseStack('just words')).toEqual([])
  })
})

describe('log lines', () => {
  const text = `2026-11-27T10:00:00.000Z ERROR TypeError: x is {weird} {"error":{"name":"TypeError","message":"x","stack":${JSON.stringify(CHROMIUM)},"cause":{"stack":${JSON.stringify(FIREFOX)}}}}`
  const json = JSON.stringify({ time: Date.UTC(2026, 10, 27, 10), level: 'warn', seq: 3, message: 'slow', context: { reason: { stack: SAFARI } } })

  it('splits the text format into time, level, message and context (braces in the message too)', () => {
    const line = parseLine(text)
    expect(line).toMatchObject({ time: Date.UTC(2026, 10, 27, 10), level: 'ERROR', message: 'TypeError: x is {weird}' })
    expect(findStacks(line).map((s) => [s.path, s.frames.length > 0])).toEqual([['error.stack', true], ['error.cause.stack', true]])
  })

  it('reads JSON lines, and keeps a custom format as a message', () => {
    expect(parseLine(json)).toMatchObject({ level: 'WARN', message: 'slow', time: Date.UTC(2026, 10, 27, 10) })
    expect(findStacks(parseLine(json))[0].path).toBe('reason.stack')
    expect(parseLine('custom: hello {not json')).toEqual({ message: 'custom: hello {not json', raw: 'custom: hello {not json' })
  })

  it('filters by level and above, and by text in any case', () => {
    const lines = ['2026-11-27T10:00:00.000Z DEBUG a', '2026-11-27T10:00:00.000Z INFO  b', text, json, 'custom']
    expect(lines.filter(lineFilter({ level: 'WARN' }))).toEqual([text, json])
    expect(lines.filter(lineFilter({ grep: 'SLOW' }))).toEqual([json])
    expect(lines.filter(lineFilter({}))).toEqual(lines)
  })
})

describe('createStackMapper', () => {
  let dir: string
  let app: Minified

  beforeAll(async () => {
    app = await minifiedApp(APP)
    dir = mkdtempSync(join(tmpdir(), 'horn-maps-'))
    writeFileSync(join(dir, 'app.min.js.map'), app.map)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('maps a real V8 stack of a minified file to the original file, line, column and function', async () => {
    const frames = await createStackMapper({ sourceMapsDir: dir }).mapStack(app.stack)
    expect(frames[0].fileName).toBe(APP)
    expect(frames[0].functionName).not.toBe('computeTotal') // minified
    expect(frames[0].original).toEqual({ source: ORIGINAL_FILE, line: THROW_AT.line, column: THROW_AT.column, functionName: 'computeTotal' })
    expect(frames[1].original).toMatchObject({ source: ORIGINAL_FILE, line: CALL_AT.line, column: CALL_AT.column, functionName: 'handleClick' })
  })

  it('maps the same positions written as Firefox or Safari would', async () => {
    const frames = parseStack(app.stack).filter((f) => f.fileName === APP)
    const gecko = frames.map((f) => `${f.functionName?.replace(/^.*\./, '') ?? ''}@${f.fileName}:${f.lineNumber}:${f.columnNumber}`).join('\n')
    const mapped = await createStackMapper({ sourceMapsDir: dir }).mapStack(gecko)
    expect(mapped.map((f) => f.original && [f.original.line, f.original.functionName])).toEqual([
      [THROW_AT.line, 'computeTotal'],
      [CALL_AT.line, 'handleClick'],
      [16, '__hornCheckout'],
    ])
  })

  it('follows the sourceMappingURL of a fetched file when no directory has the map', async () => {
    const fetched: string[] = []
    const fetchStub = (async (url: string) => {
      fetched.push(url)
      if (url === APP) return new Response(app.code)
      if (url === APP + '.map') return new Response(app.map)
      return new Response('no', { status: 404 })
    }) as typeof fetch
    const mapper = createStackMapper({ fetchMaps: true, fetch: fetchStub })
    const line = `2026-11-27T10:00:00.000Z ERROR Error: negative price: b {"error":{"name":"Error","message":"negative price: b","stack":${JSON.stringify(app.stack)}}}`
    const [stack] = await mapper.mapLine(line)
    expect(stack.path).toBe('error.stack')
    expect(stack.frames[0].original).toMatchObject({ source: ORIGINAL_FILE, line: THROW_AT.line, functionName: 'computeTotal' })
    await mapper.mapLine(line)
    expect(fetched).toEqual([APP, APP + '.map']) // once per file
    // Without fetchMaps nothing is fetched, and frames stay as written.
    const offline = await createStackMapper({ fetch: fetchStub }).mapLine(line)
    expect(offline[0].frames.every((f) => !f.original)).toBe(true)
    expect(fetched).toHaveLength(2)
  })

  it('says what failed and leaves the frames as written: a map that is not one, a file that names none', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'horn-maps-'))
    try {
      writeFileSync(join(bad, 'app.min.js.map'), '{"version":3,')
      const mapper = createStackMapper({ sourceMapsDir: bad })
      const frames = await mapper.mapStack(app.stack)
      expect(frames.every((f) => !f.original)).toBe(true)
      expect(mapper.problems.join('\n')).toMatch(/app\.min\.js\.map: not a source map/)
    } finally {
      rmSync(bad, { recursive: true, force: true })
    }
  })
})
