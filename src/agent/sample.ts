/**
 * Whether this tab is in the sample: drawn once per tab and kept in
 * `sessionStorage` under a key named after the client id, so a reload keeps
 * the decision (and a new tab draws its own). Rates 0 and 100 need no draw
 * and write nothing. Where `sessionStorage` is blocked, each load draws anew.
 */
export function inSample(clientId: string, rate: number): boolean {
  if (rate >= 100) return true
  if (rate <= 0) return false
  const key = 'horn-logger:sampled:' + clientId
  let kept: string | null = null
  try {
    kept = sessionStorage.getItem(key)
  } catch {}
  if (kept === '1' || kept === '0') return kept === '1'
  const sampled = Math.random() * 100 < rate
  try {
    sessionStorage.setItem(key, sampled ? '1' : '0')
  } catch {}
  return sampled
}
