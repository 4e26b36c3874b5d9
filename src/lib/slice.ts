/**
 * Work that may be long (preparing a burst for storage) runs in slices of at
 * most this many ms, then yields to the page. The write of what a slice
 * prepared (IndexedDB's structured clone) runs later in a task of its own and
 * costs about as much again, so both tasks stay near 8 ms: far under the
 * 50 ms of a long task even with a slow phone's CPU (DevTools' 4× throttling).
 */
export const SLICE_MS = 4

/** The `performance.now()` deadline of a slice starting now. */
export const sliceEnd = () => performance.now() + SLICE_MS
