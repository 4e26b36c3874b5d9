/**
 * The documentation a user gets (README, CHANGELOG, docs/) stands on its own:
 * every link points at a file of this repository, or a heading that exists,
 * and nothing refers to files outside it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const documents = ['README.md', 'CHANGELOG.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]

/** The text outside fenced code blocks and inline code: code may show URLs that are not links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '')
}

/** Every link target: inline `[text](target)` and `![alt](target)`, reference definitions, and HTML href/src. */
function links(markdown: string): string[] {
  const text = prose(markdown)
  return [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
    ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]),
    ...[...text.matchAll(/<(?:a|img)\b[^>]*?\s(?:href|src)="([^"]+)"/g)].map((m) => m[1]),
  ]
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const [, title] of prose(markdown.replace(/`([^`\n]*)`/g, '$1')).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = title
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    result.add(n ? `${base}-${n}` : base)
  }
  return result
}

describe('documentation links', () => {
  it('finds the links it checks', () => {
    // The README links the protocol document and its screenshots: a parser that finds nothing checks nothing.
    expect(links(readFileSync(join(root, 'README.md'), 'utf8'))).toEqual(expect.arrayContaining(['docs/protocol.md', 'docs/demo.png']))
    expect(anchors('## Quick start: ES module\n## The `horn-logger/api` client\n## A\n## A')).toEqual(
      new Set(['quick-start-es-module', 'the-horn-loggerapi-client', 'a', 'a-1']),
    )
  })

  for (const document of documents) {
    it(`${document}: every link resolves inside the repository`, () => {
      const markdown = readFileSync(join(root, document), 'utf8')
      const broken: string[] = []
      for (const target of links(markdown)) {
        const [path, anchor] = target.split('#') as [string, string | undefined]
        if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//')) {
          broken.push(`${target}: outside the repository`)
          continue
        }
        const file = path ? resolve(dirname(join(root, document)), decodeURI(path)) : join(root, document)
        const inside = relative(root, file)
        if (inside.startsWith('..') || inside.split(/[\\/]/)[0] === 'node_modules') broken.push(`${target}: outside the repository`)
        else if (!existsSync(file)) broken.push(`${target}: no such file`)
        else if (anchor && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${target}: no such heading`)
      }
      expect(broken).toEqual([])
    })
  }

  it('nothing user-facing refers to the contract outside the repository', () => {
    const outside = ['..', 'shared', 'SPEC.md'].join('/').slice(3) // "shared/SPEC.md", not written out so this file does not match
    for (const document of documents) expect(readFileSync(join(root, document), 'utf8')).not.toContain(outside)
  })
})
