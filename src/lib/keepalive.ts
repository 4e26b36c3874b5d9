/** Chromium allows 64 KiB of keepalive bodies in flight per page; leave room for headers. */
export const KEEPALIVE_BUDGET_BYTES = 60 * 1024
