/**
 * The `init` objects of the agent's own `fetch` calls. The network capture
 * skips these, and only these: the page's own calls to the same Horn API
 * are the page's, and logged like any other.
 */
export const ownRequests = new WeakSet<object>()
