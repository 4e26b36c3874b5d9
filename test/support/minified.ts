/**
 * A small app minified by terser with its source map, and a real V8 stack
 * thrown from it: the minified file is run under the URL a browser would have
 * loaded it from, so every frame points at a real position of the minified code.
 */
import vm from 'node:vm'
import { minify } from 'terser'

export const ORIGINAL_FILE = 'src/checkout.js'

export const ORIGINAL = `// The checkout button of a conference UI, before minification.
function computeTotal(items) {
  let sum = 0
  for (const item of items) {
    if (item.price < 0) throw new Error('negative price: ' + item.name)
    sum += item.price
  }
  return sum
}

function handleClick(cart) {
  const total = computeTotal(cart.items)
  return total
}

globalThis.__hornCheckout = () => handleClick({ items: [{ name: 'a', price: 2 }, { name: 'b', price: -1 }] })
`

/** Where the throw is in {@link ORIGINAL}: line 5, the column of `new`. */
export const THROW_AT = { line: 5, column: ORIGINAL.split('\n')[4].indexOf('new Error') + 1 }
/** Where computeTotal is called: line 12. */
export const CALL_AT = { line: 12, column: ORIGINAL.split('\n')[11].indexOf('computeTotal(') + 1 }

export interface Minified {
  /** The minified code, ending in `//# sourceMappingURL=app.min.js.map`. */
  code: string
  /** The source map (JSON text), with the sources inside. */
  map: string
  /** A V8 stack thrown from the minified code loaded from `url`. */
  stack: string
}

/** Minifies {@link ORIGINAL} as `app.min.js` and throws from it, as loaded from `url`. */
export async function minifiedApp(url: string): Promise<Minified> {
  const out = await minify(
    { [ORIGINAL_FILE]: ORIGINAL },
    { sourceMap: { filename: 'app.min.js', url: 'app.min.js.map', includeSources: true }, toplevel: true, mangle: { toplevel: true }, compress: false },
  )
  const code = out.code!
  vm.runInThisContext(code, { filename: url })
  let stack = ''
  try {
    ;(globalThis as unknown as { __hornCheckout(): void }).__hornCheckout()
  } catch (error) {
    stack = (error as Error).stack!
  } finally {
    delete (globalThis as { __hornCheckout?: unknown }).__hornCheckout
  }
  if (!stack.includes(url)) throw new Error(`the stack does not point into ${url}:\n${stack}`)
  return { code, map: out.map as string, stack }
}
