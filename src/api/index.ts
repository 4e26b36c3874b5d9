/**
 * `horn-logger/api`: a small typed client for the Horn REST API (docs/protocol.md lists its calls).
 *
 * Its own entry point, imported by nothing in the agent, so the script-tag
 * build does not grow by a byte. `client` holds the request core and the three resource
 * groups, `types` the options and answers, `errors` the two error classes; the
 * agent's calls (paths, bodies) and the error base class come from the modules
 * the agent uses too.
 *
 * @packageDocumentation
 */

export { HornError } from '../errors'
export type { LogRequest, RegisterRequest, RegisterResponse } from '../wire'
export * from './types'
export * from './errors'
export { createHornApi } from './client'
