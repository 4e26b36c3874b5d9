// @ts-check
/**
 * The fixture: people, users with their tokens and roles, channels, channel
 * sessions and recordings (read-only; `demo/fixture.json` by default), and the
 * person view every answer that names someone uses.
 */
import { readFileSync } from 'node:fs'

export const DEFAULT_IMG_SIZE = 64

/**
 * @typedef {{ id: number, handle: string, name?: string, image?: boolean }} Person
 * @typedef {{ id: number, token: string, roles: Record<string, string>, support?: boolean }} FixtureUser
 *   `support`: support staff, who read every app session (but end no channel session).
 * @typedef {{ uuid: string, name: string, clientId: string }} Channel
 * @typedef {{ id: string, name: string, serviceMode: 'conference' | 'panel', channel: string, clientId: string,
 *   created: number, started?: number, ended?: number, groupId?: string, parentId?: string, participants: number[] }} FixtureSession
 * @typedef {Record<string, unknown> & { session: string, id: string }} FixtureRecording
 * @typedef {{ people: Person[], users: FixtureUser[], channels: Channel[], sessions: FixtureSession[], recordings: FixtureRecording[] }} Fixture
 * @typedef {(kind: 'person' | 'session', id: string | number, size: number) => string} ImageUrl
 */

/**
 * Reads and sanity-checks a fixture file.
 * @param {string} file
 * @returns {Fixture}
 */
export function loadFixture(file) {
  const fixture = JSON.parse(readFileSync(file, 'utf8'))
  for (const key of ['people', 'users', 'channels', 'sessions', 'recordings']) {
    if (!Array.isArray(fixture[key])) throw new Error(`fixture ${file}: "${key}" must be an array`)
  }
  return fixture
}

/**
 * The fixture's people and users, looked up by id and token.
 * @param {Fixture} fixture @param {ImageUrl} imageUrl
 */
export function createPeople(fixture, imageUrl) {
  const people = new Map(fixture.people.map((p) => [p.id, p]))
  const usersByToken = new Map(fixture.users.map((u) => [u.token, u]))

  /** @param {number} id @param {number | undefined} size */
  function person(id, size) {
    const p = people.get(id)
    /** @type {{ id: number, handle: string, imageUrl?: string }} */
    const view = { id, handle: p?.handle ?? `user-${id}` }
    if (p && p.image !== false) view.imageUrl = imageUrl('person', id, size ?? DEFAULT_IMG_SIZE)
    return view
  }

  return {
    person,
    /** @param {string} handle */
    byHandle: (handle) => [...people.values()].find((p) => p.handle === handle),
    /** @param {string | undefined} token @returns {FixtureUser | undefined} */
    userByToken: (token) => (token ? usersByToken.get(token) : undefined),
    users: () => fixture.users.map((u) => ({ ...person(u.id, undefined), name: people.get(u.id)?.name, token: u.token, roles: { ...u.roles }, support: !!u.support })),
  }
}
