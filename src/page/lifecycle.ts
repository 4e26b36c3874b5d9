import { listen, stopAll } from '../lib/listen'

export interface PageEvents {
  /** The page may be about to go: hidden, or being unloaded (or put in the back/forward cache). */
  onExit(): void
  /** The page is back (from the back/forward cache) or online again: carry on at once. */
  onResume(): void
  /** The page goes into the back/forward cache (`pagehide`, persisted): frozen next, not dead. Called before `onExit`. */
  onPark?(): void
  /** The page is back from that cache (`pageshow`, persisted). Called before `onResume`. */
  onUnpark?(): void
}

/**
 * Watches the page lifecycle. `pagehide` is the last reliable moment on
 * unload; `visibilitychange` to hidden is the last one on mobile, where a
 * hidden tab may be killed without any unload event. Returns `stop`.
 */
export function watchPage({ onExit, onResume, onPark, onUnpark }: PageEvents): () => void {
  return stopAll([
    listen<PageTransitionEvent>(window, 'pagehide', (event) => {
      if (event.persisted) onPark?.()
      onExit()
    }),
    listen<PageTransitionEvent>(window, 'pageshow', (event) => {
      if (event.persisted) onUnpark?.()
      onResume()
    }),
    listen(window, 'online', onResume),
    listen(document, 'visibilitychange', () => {
      if (document.visibilityState === 'hidden') onExit()
    }),
  ])
}
