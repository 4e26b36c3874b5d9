import type { Level, StatusRanges } from '../types'
import { ownRequests } from '../lib/own'
import { safe } from '../lib/console'
import { patch } from '../lib/patch'
import { stopAll } from '../lib/listen'

type Log = (level: Level, message: unknown) => void

/**
 * The page's failed requests become `WARN` entries: a `fetch` or
 * `XMLHttpRequest` that got no answer (network error, timeout, abort: the
 * error's or event's name says which), or whose status is in `statuses`.
 * One line each: what, method, URL, outcome, duration. Never a body or a
 * header. URLs are redacted like every string of an entry.
 *
 * `fetch` is wrapped by a function that hands back the very promise the
 * original returned (streaming, `AbortSignal`, errors: all as they were);
 * `XMLHttpRequest` keeps its constructor, and only its prototype's `open`
 * is wrapped (the request's own events time it), so `instanceof` and properties set before `send`
 * are untouched. The agent's own requests are told apart by their `init`
 * (`ownRequests`), not by their host. Returns `stop`, which restores each
 * patched function unless someone patched it after us.
 */
export function captureNetwork(log: Log, statuses: StatusRanges): () => void {
  /** `outcome`: the status, or what the request failed with. Never throws (it runs in our own `then`). */
  const report = safe((kind: string, method: unknown, url: unknown, start: number, outcome: unknown) => {
    if (typeof outcome == 'number' && !statuses.some(([low, high]) => outcome >= low && outcome <= high)) return
    const what = typeof outcome == 'number' ? outcome : 'failed: ' + outcome
    log('warn', `${kind} ${String(method || 'GET').toUpperCase()} ${url} ${what} (${Math.round(performance.now() - start)} ms)`)
  })
  const stopFetch = patch(window, 'fetch', (original) =>
    // One named parameter: `fetch.length` is 1, as the original's.
    function fetch(this: unknown, input: RequestInfo | URL) {
      const start = performance.now()
      const init = arguments[1] as RequestInit | undefined
      const promise: Promise<Response> = original.apply(this, arguments)
      if (!(init && ownRequests.has(init)))
        try {
          const method = init?.method || (input as Request).method
          const url = (input as Request).url || input
          promise.then(
            (response) => report('fetch', method, url, start, response.status),
            (error) => report('fetch', method, url, start, error),
          )
        } catch {}
      return promise
    },
  )

  // Per request: method, URL and start, from `open`; an asynchronous `send` moves the start to its `loadstart` (a synchronous one fires none).
  const requests = new WeakMap<XMLHttpRequest, [method: string, url: unknown, start: number]>()
  const proto = typeof XMLHttpRequest == 'function' && XMLHttpRequest.prototype
  const done = function (this: XMLHttpRequest, { type }: Event) {
    const request = requests.get(this)!
    if (type == 'loadstart') request[2] = performance.now()
    else report('xhr', request[0], request[1], request[2], type == 'load' ? this.status : type)
  }
  const stopXhr = patch(proto, 'open', (original) =>
    function open(this: XMLHttpRequest, method: string, url: string | URL) {
      // Listeners once per object, whatever it is reused for.
      if (!requests.has(this)) for (const type of ['loadstart', 'load', 'error', 'timeout', 'abort']) this.addEventListener(type, done)
      requests.set(this, [method, url, performance.now()])
      return original.apply(this, arguments)
    },
  )
  return stopAll([stopFetch, stopXhr])
}
