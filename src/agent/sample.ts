/**
 * Whether this tab is in the sample: drawn once per tab and kept in
 * `sessionStorage` under a key named after the client id, so a reload keeps
 * the decision (and a new tab draws its own). Rates 0 and 100 need no draw
 * and write nothing. Where `sessionStorage` is blocked, each load draws anew.
 */
export function inSample(clientId: string, rate: number): boolean {
  if (rate % 100 == 0) return rate > 0
  let sampled = Math.random() * 100 < rate
  try {
    const key = 'horn-logger:sampled:' + clientId
    const kept = sessionStorage.getItem(key)
    if (kept) sampled = kept == '1'
    else sessionStorage.setItem(key, sampled ? '1' : '0')
  } catch {}
  return sampled
}
