/**
 * The context of each app session's first line: what support staff ask
 * first about the page a log came from. Only what any script on the page can
 * read and the browser mostly sends in headers anyway (user agent and its
 * low-entropy client hints, language): no fingerprinting beyond that, and no
 * `getHighEntropyValues()`. Missing values are left out.
 */

/** The parts of `navigator` that not every browser has (Chromium-only, mostly). */
interface NavigatorHints {
  /** Brands, platform and mobile: the low-entropy client hints, which its `toJSON()` gives. */
  userAgentData?: object
  deviceMemory?: number
  connection?: { effectiveType?: string }
}

export function pageInfo(release?: string, environment?: string): Record<string, unknown> {
  const nav = navigator as Navigator & NavigatorHints
  return {
    userAgent: nav.userAgent,
    userAgentData: nav.userAgentData,
    language: nav.language,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    screen: screen.width + 'x' + screen.height,
    viewport: innerWidth + 'x' + innerHeight,
    devicePixelRatio,
    deviceMemory: nav.deviceMemory,
    hardwareConcurrency: nav.hardwareConcurrency,
    connection: nav.connection?.effectiveType,
    release,
    environment,
  }
}
