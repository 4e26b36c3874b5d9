/**
 * Work that may be long (storing a burst) runs in slices of at most this
 * long, then yields to the page: with a slow phone's CPU (4× slower) a slice
 * and what follows it in its task stay well under the 50 ms of a long task.
 */
export const SLICE_MS = 8

/** The `performance.now()` deadline of a slice starting now. */
export const sliceEnd = () => performance.now() + SLICE_MS
