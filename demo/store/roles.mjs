// @ts-check
/** The fixture's roles: who may read and end what. */

/** participant < operator = host < admin = owner; `GET /sessions` needs at least operator. */
export const ROLE_RANK = /** @type {Record<string, number>} */ ({ participant: 1, operator: 2, host: 2, admin: 3, owner: 3 })
export const OPERATOR_RANK = 2

/** @param {import('./fixture.mjs').FixtureUser | undefined} user @param {string} channel */
export function rank(user, channel) {
  return (user && ROLE_RANK[user.roles[channel]]) || 0
}

/** @param {import('./fixture.mjs').FixtureUser} user @returns {string[]} the channels where `user` is at least operator */
export function operatedChannels(user) {
  return Object.keys(user.roles).filter((c) => rank(user, c) >= OPERATOR_RANK)
}
