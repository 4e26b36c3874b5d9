/**
 * Secrets planted by their shape, as a hostile page would, for the Chromium
 * test (`test/browser/shapes.test.ts`) and the three-engine promise. Every
 * marker in `SECRETS` must stay in the page; every `HARMLESS` string must
 * arrive as it is.
 */

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUNSRVQtSldUIn0.SECRET-JWT-SIG'
const BASIC = 'U0VDUkVULWFsaWNlOlNFQ1JFVC1iYXNpYw=='

/** Secrets no key names, each as a string an app could log. */
export const SHAPES = [
  'https://alice:SECRET-userinfo@db.example/x',
  'Authorization: Bearer SECRET-bearer-msg',
  'Bearer SECRET-bearer-value',
  `Basic ${BASIC}`,
  `token ${JWT}`,
  '-----BEGIN PRIVATE KEY-----\nSECRET-PEM-LINE-1\nSECRET-PEM-LINE-2\n-----END PRIVATE KEY-----',
  'request body {"user":"ann","password":"SECRET-json-pw"}',
  '{"type":"join","room":"blue","token":"SECRET-json-token"}',
  'paid with 4111 1111 1111 1111',
]

/** The markers that must not be found anywhere the agent writes. */
export const SECRETS = ['SECRET-', 'U0VDUkVU', 'eyJzdWIi', '4111 1111 1111 1111', 'PLANTED-']

/** Text support staff need: prose about tokens, ids, SHAs, times, public keys, a number that fails Luhn. */
export const HARMLESS = [
  'harmless: token expired, refreshing',
  'release 3f2a9c1d4b5e6f708192a3b4c5d6e7f809123456',
  '550e8400-e29b-41d4-a716-446655440000',
  'at 1764643200000',
  'order 4111 1111 1111 1112',
  'channel 0b8f2c1e',
]

/** The page's own query and fragment: a token encoded inside another URL's parameter, and OAuth's fragment. */
export const PLANTED_URL_QUERY = '?next=%2Fcb%3Ftoken%3DPLANTED-next%26x%3D1&room=blue#access_token=PLANTED-hash&state=ok'

/**
 * Runs in the page (passed as source): logs every shape as a message, as
 * context values under innocent keys, in an `Error`'s message and `cause`,
 * and as console arguments; then fetch-style header pairs, a `URL` object
 * with userinfo, the page URL and its bare fragment, and the harmless text.
 */
export function plantShapes(log: any, shapes: string[], harmless: string[]): void {
  shapes.forEach((shape, i) => {
    log.info(`message ${i} ${shape}`)
    log.info(`context ${i}`, { note: shape, list: [shape], nested: { deeper: shape } })
    log.error(new Error(`error ${i} ${shape}`, { cause: new Error(`cause ${i} ${shape}`) }))
    console.warn(`console ${i} ${shape}`, shape, { note: shape })
  })
  const pairs = [['Authorization', 'SECRET-pair-1'], ['X-Api-Key', 'SECRET-pair-2'], ['Accept', 'text/plain']]
  log.info('fetch', { init: { method: 'POST', headers: pairs } })
  console.log('fetch', '/api/x', { headers: pairs })
  log.info('url object', { db: new URL('https://bob:SECRET-url-object@db.example/') })
  log.info('page ' + location.href, { href: location.href, hash: location.hash.slice(1) })
  log.info(location.hash.slice(1))
  for (const text of harmless) log.info(text, { text })
}

/** Runs in the page (passed to `evaluate`): every record of the agent's IndexedDB database, as JSON text. */
export function readAgentDatabase(): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const open = indexedDB.open('horn-logger')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const db = open.result
      const names = [...db.objectStoreNames]
      const tx = db.transaction(names, 'readonly')
      const all: unknown[] = []
      for (const name of names) {
        const request = tx.objectStore(name).getAll()
        request.onsuccess = () => all.push(request.result)
      }
      tx.oncomplete = () => {
        db.close()
        resolve(JSON.stringify(all, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v)))
      }
      tx.onerror = () => reject(tx.error)
    }
  })
}
