/** The types of `horn-logger/api`: its options, answers and resource groups. */

import type { LogRequest, RegisterRequest, RegisterResponse } from '../wire'

/** Headers as a plain object: `{ Authorization: "Bearer …" }`. */
export type HornHeaders = Record<string, string>

/** Options of {@link createHornApi}. */
export interface HornApiOptions {
  /**
   * Base URL of the Horn API, without the trailing slash (one is tolerated):
   * `"https://horn.example.com/api"`. An empty string makes every request
   * relative to the page (same origin).
   */
  apiUrl: string
  /**
   * Headers sent with every request: an object, or a function returning one
   * (or a promise of one), called once per request so a refreshed token is
   * picked up. Per-call `headers` ({@link CallOptions}) are merged over these.
   * @default {}
   */
  headers?: HornHeaders | (() => HornHeaders | Promise<HornHeaders>) | undefined
  /**
   * The fetch `credentials` mode (`"include"` to send cookies cross-origin).
   * @default undefined (the browser's default, `"same-origin"`)
   */
  credentials?: RequestCredentials | undefined
  /**
   * The fetch implementation. When absent, `globalThis.fetch` is looked up at
   * every call (so a test may stub it after the client is made).
   * @default globalThis.fetch
   */
  fetch?: typeof fetch | undefined
}

/** Options every call takes as its last argument. */
export interface CallOptions {
  /** Aborts the call; the returned promise then rejects with `signal.reason`. */
  signal?: AbortSignal | undefined
  /** Extra headers for this call only, merged over the client's headers. */
  headers?: HornHeaders | undefined
  /**
   * The fetch `keepalive` flag: lets a small request outlive the page
   * (browsers cap keepalive bodies at 64 KiB in total).
   * @default false
   */
  keepalive?: boolean | undefined
}

// ---------------------------------------------------------------------------
// Wire types (docs/protocol.md, "The Horn REST API"). Timestamps are milliseconds since the epoch.
// ---------------------------------------------------------------------------

/** A list answer: one page of `results` out of `total`. */
export interface Page<T> {
  /** How many items match the query, over all pages. */
  total: number
  /** This page's items. */
  results: T[]
}

/** Pagination of a list call. */
export interface PageQuery {
  /** Items to skip. */
  offset?: number | undefined
  /** Items per page (the server may cap it). */
  limit?: number | undefined
}

/**
 * Query of an `all()` iterator: the list call's filters, the `offset` to start
 * at, and the page size (`limit` of each request).
 */
export type AllQuery<Q extends PageQuery> = Omit<Q, 'limit'> & {
  /**
   * Items asked for per request.
   * @default 100
   */
  pageSize?: number | undefined
}

/**
 * A user linked to an app session. The API reference does not list its fields; servers
 * send at least the participant fields (the reference server adds `linked`,
 * when the user was first linked).
 */
export interface AppSessionUser extends Participant {
  /** Other fields the server sends. */
  [field: string]: unknown
}

/** "One unique instance of a Horn client application being run." */
export interface AppSession {
  id: string
  clientId: string
  url: string
  /** ms since the epoch. */
  started: number
  /** Channels the app session took part in. */
  channels: string[]
  /** Channel sessions the app session took part in. */
  channelsSessions: string[]
  /** Users linked to the app session. */
  users: AppSessionUser[]
}

/** Query of `GET /app_sessions`. */
export interface AppSessionQuery extends PageQuery {
  /** Only app sessions linked to this user. */
  user?: string | number | undefined
  /** Only app sessions that took part in this channel session. */
  channelSession?: string | undefined
  /** Only app sessions that took part in this channel. */
  channel?: string | undefined
  /** Only app sessions whose URL contains this substring. */
  url?: string | undefined
  /** Only app sessions started before this time (ms since the epoch). */
  startedBefore?: number | undefined
  /** Only app sessions started after this time (ms since the epoch). */
  startedAfter?: number | undefined
}

/** Image size query parameter of the session calls. */
export interface ImageQuery {
  /** Size in pixels of the images that the returned `imageUrl`s point to. */
  imgSize?: number | undefined
}

/** A channel session on the streaming server. */
export interface Session {
  id: string
  name: string
  serviceMode: 'conference' | 'panel'
  channel: string
  clientId: string
  participantsCount: number
  hadRecording: boolean
  /** ms since the epoch. */
  created: number
  /** ms since the epoch. */
  started?: number | undefined
  /** ms since the epoch. */
  ended?: number | undefined
  groupId?: string | undefined
  parentId?: string | undefined
  imageUrl?: string | undefined
}

/** A participant of a session or channel. */
export interface Participant {
  /** The user's id. */
  id: number
  /** The user's handle. */
  handle: string
  /** The user's picture, when they have one. */
  imageUrl?: string | undefined
}

/** A recorded asset of a session. */
export interface RecordingAsset {
  id: string
  recordingId: string
  /** `"CMS"`, `"MP4"`, … */
  format: 'CMS' | 'MP4' | (string & {})
  kind: 'audio' | 'video' | 'other'
  state: string
  label: string
  /** ms since the epoch. */
  startTime: number
  /** ms since the epoch. */
  endTime?: number | undefined
  /** Bytes. */
  size?: number | undefined
  url?: string | undefined
  relativePath?: string | undefined
  isIndividual: boolean
  streamUserId?: string | number | undefined
  userId?: string | number | undefined
  group?: string | undefined
}

/** Query of `GET /sessions`. */
export interface SessionQuery extends PageQuery, ImageQuery {
  /** Only sessions of this channel. */
  channel?: string | undefined
  /** Free-text search. */
  search?: string | undefined
  /** @default "started" */
  sort?: 'started' | 'ended' | 'name' | 'presence' | undefined
  /** @default "desc" */
  order?: 'asc' | 'desc' | undefined
  /** Start of the time range, ms since the epoch. */
  from?: number | undefined
  /** End of the time range, ms since the epoch. */
  to?: number | undefined
  /** Only sessions that have (or have not) a recording. */
  hasRecording?: boolean | undefined
}

/** Query of `GET /channels/{uuid}/participants`. */
export interface ParticipantQuery extends PageQuery, ImageQuery {
  /** Free-text search on the handle. */
  search?: string | undefined
}

/** `/app_sessions`: what the agent writes and what support tools read. */
export interface AppSessionsApi {
  /** `POST /app_sessions/new/{clientId}`: registers a new app session. */
  register(clientId: string, body: RegisterRequest, options?: CallOptions): Promise<RegisterResponse>
  /** `POST /app_sessions/{appSessionId}/logs`: sends one batch of log lines. */
  sendLog(appSessionId: string, body: LogRequest, options?: CallOptions): Promise<void>
  /**
   * `POST /app_sessions/{appSessionId}/link/user`: links the user the request
   * authenticates as (pass their `headers` here or in the client options).
   */
  linkUser(appSessionId: string, options?: CallOptions): Promise<void>
  /** `GET /app_sessions/{appSessionId}`. */
  get(appSessionId: string, options?: CallOptions): Promise<AppSession>
  /** `GET /app_sessions/{appSessionId}/logs`: the session's log data as text, in index order. */
  logs(appSessionId: string, options?: CallOptions): Promise<string>
  /** `GET /app_sessions`: one page of app sessions. */
  query(query?: AppSessionQuery, options?: CallOptions): Promise<Page<AppSession>>
  /** Every app session matching `query`, walking the pages of {@link AppSessionsApi.query}. */
  all(query?: AllQuery<AppSessionQuery>, options?: CallOptions): AsyncGenerator<AppSession, void, undefined>
}

/** `/sessions`: channel sessions on the streaming server. */
export interface SessionsApi {
  /** `GET /sessions/{sessionId}`. */
  get(sessionId: string, query?: ImageQuery, options?: CallOptions): Promise<Session>
  /** `GET /sessions/{sessionId}/participants`. */
  participants(sessionId: string, query?: ImageQuery, options?: CallOptions): Promise<Participant[]>
  /** `GET /sessions/{sessionId}/recordings`. */
  recordings(sessionId: string, options?: CallOptions): Promise<RecordingAsset[]>
  /** `GET /sessions`: one page of sessions (only channels where the caller is at least operator). */
  list(query?: SessionQuery, options?: CallOptions): Promise<Page<Session>>
  /** Every session matching `query`, walking the pages of {@link SessionsApi.list}. */
  all(query?: AllQuery<SessionQuery>, options?: CallOptions): AsyncGenerator<Session, void, undefined>
}

/** `/channels/{uuid}`. */
export interface ChannelsApi {
  /** `GET /channels/{uuid}/participants`: one page, most recent first. */
  participants(uuid: string, query?: ParticipantQuery, options?: CallOptions): Promise<Page<Participant>>
  /** Every participant of the channel, walking the pages of {@link ChannelsApi.participants}. */
  allParticipants(
    uuid: string,
    query?: AllQuery<ParticipantQuery>,
    options?: CallOptions,
  ): AsyncGenerator<Participant, void, undefined>
  /**
   * `DELETE /channels/{uuid}/session/{sessionId?}`: ends the channel's active
   * session, or only `sessionId` if it is the active one.
   */
  endSession(uuid: string, sessionId?: string, options?: CallOptions): Promise<void>
}

/** The client made by {@link createHornApi}. */
export interface HornApi {
  appSessions: AppSessionsApi
  sessions: SessionsApi
  channels: ChannelsApi
}
