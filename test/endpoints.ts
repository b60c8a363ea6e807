import type { Database } from 'bun:sqlite'
import type { Scope } from '../src/keys/scopes'
import { type TestServer, UA } from './harness'

/**
 * Every /api endpoint, once: its method, path, the one scope that opens it, the status of a valid
 * request, and how to prepare a valid request in a workspace (Unkey's `runCommonRouteTests`).
 * api-rules, isolation and fuzz run their cases over every row, and api-rules fails when the app
 * registers an /api route that has no row: a new endpoint needs one row here and gets them all.
 */

/** What preparing a request needs of a server: the subprocess one (harness.ts) or the in-process one. */
export type Client = {
  api(path: string, init?: RequestInit & { json?: unknown; key?: string | null }): Promise<Response>
  /** What the server printed at start (its setup link): the subprocess tier has it. */
  stdout?: string
}

/** A dashboard login: the cookie, the CSRF token from /api/me, the workspace it works in. */
export type Session = { cookie: string; csrf: string; workspace?: string }

/** A valid request: query parameters for GET (pairs, when one is repeated), a JSON body for the rest. */
export type Prepared = {
  query?: Record<string, string> | [string, string][]
  body?: unknown
  /** A CSV body (text/csv), for the import. */
  csv?: string
  /** For the endpoints only a session may call: the session of a user in the key's workspace. */
  session?: Session
}

export type Endpoint = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  path: string
  /** The scope that opens it; null: no scope, any caller (or, with `session`, any such session). */
  scope: Scope | null
  /** Only a dashboard session may call it ('user'), or only an instance admin's ('admin'): keys get 403. */
  session?: 'user' | 'admin'
  /** The status a valid request answers. */
  ok: 200 | 201
  /** A valid request for the workspace of `key` (all scopes), creating through the API whatever it refers to. */
  prepare(s: Client, key: string): Promise<Prepared>
}

async function post(s: Client, key: string, path: string, body: unknown) {
  const res = await s.api(path, { method: 'POST', json: body, key })
  const json = await res.json()
  if (res.status !== 201) throw new Error(`preparing: POST ${path} answered ${res.status}: ${JSON.stringify(json)}`)
  return json
}

const unique = () => crypto.randomUUID()
export const collection = async (s: Client, key: string): Promise<{ id: string }> =>
  (await post(s, key, '/api/collections', [{ name: `c-${unique()}` }]))[0]
export const tag = async (s: Client, key: string): Promise<{ id: string }> => (await post(s, key, '/api/tags', [{ name: `t-${unique()}` }]))[0]
export const partner = async (s: Client, key: string): Promise<{ id: string }> =>
  (await post(s, key, '/api/partners', [{ name: `p-${unique()}` }]))[0]

/** A custom domain: names are unique across the instance, so each one is new. */
export const domain = async (s: Client, key: string): Promise<{ id: string; name: string }> =>
  (await post(s, key, '/api/domains', [{ name: `d-${unique()}.example.test`, rootUrl: 'https://example.com/home' }]))[0]

/** A link with every kind of reference: collection, partner, tag. */
export async function link(s: Client, key: string): Promise<{ id: string; shortId: string }> {
  const [c, p, t] = await Promise.all([collection(s, key), partner(s, key), tag(s, key)])
  return (await post(s, key, '/api/links', [{ url: 'https://example.com/p', collectionId: c.id, partnerId: p.id, tagIds: [t.id], externalId: unique(), tenantId: 'tenant-1' }]))[0]
}

/** A visit of a new link: the click id the redirect hands to the destination. */
export async function click(s: Client, key: string): Promise<{ clickId: string; linkId: string }> {
  const l = await link(s, key)
  const res = await s.api(`/${l.shortId}`, { key: null, redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })
  const location = res.headers.get('location')
  if (res.status !== 302 || !location) throw new Error(`preparing: GET /${l.shortId} answered ${res.status}`)
  return { clickId: new URL(location).searchParams.get('hoko_id')!, linkId: l.id }
}

/**
 * A webhook on a loopback address: the servers of the endpoint suites send nothing (see harness.ts),
 * and a server that did would refuse this address without HOKO_WEBHOOK_ALLOW_PRIVATE.
 */
export const webhook = async (s: Client, key: string): Promise<{ id: string; secret: string }> =>
  (await post(s, key, '/api/webhooks', [{ url: 'https://127.0.0.1:9/hoko', events: ['link.created', 'partner.deleted'], description: `w-${unique()}` }]))[0]

/** A webhook.test delivery of a new webhook. */
async function delivery(s: Client, key: string): Promise<{ id: string; webhookId: string }> {
  const w = await webhook(s, key)
  return (await post(s, key, '/api/webhooks/test', [w.id]))[0]
}

async function customer(s: Client, key: string): Promise<{ id: string }> {
  const { clickId } = await click(s, key)
  return (await post(s, key, '/api/track/lead', { clickId, eventName: 'Sign up', customerExternalId: unique(), customerName: 'C' })).customer
}

/** A pending commission, of a lead through the link of a partner with a flat lead reward and no hold period. */
async function commission(s: Client, key: string): Promise<{ id: string; partnerId: string }> {
  const [[p], c] = await Promise.all([
    post(s, key, '/api/partners', [{ name: `p-${unique()}`, rewards: [{ event: 'lead', type: 'flat', amount: 500, holdDays: 0 }] }]),
    collection(s, key),
  ])
  const [l] = await post(s, key, '/api/links', [{ url: 'https://example.com/c', collectionId: c.id, partnerId: p.id }])
  const res = await s.api(`/${l.shortId}`, { key: null, redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })
  const clickId = new URL(res.headers.get('location')!).searchParams.get('hoko_id')!
  await post(s, key, '/api/track/lead', { clickId, eventName: 'Sign up', customerExternalId: unique(), customerName: 'C' })
  const [earned] = await (await s.api(`/api/commissions?partnerId=${p.id}`, { key })).json()
  if (!earned) throw new Error('preparing: the lead earned no commission')
  return { id: earned.id, partnerId: p.id }
}

/** GET, POST, PUT and DELETE of a plain resource (collections, tags, partners). */
function crud(path: string, read: Scope, write: Scope, make: (s: Client, key: string) => Promise<{ id: string }>): Endpoint[] {
  return [
    { method: 'GET', path, scope: read, ok: 200, prepare: async (s, key) => ({ query: { id: (await make(s, key)).id } }) },
    { method: 'POST', path, scope: write, ok: 201, prepare: async () => ({ body: [{ name: `n-${unique()}` }] }) },
    { method: 'PUT', path, scope: write, ok: 200, prepare: async (s, key) => ({ body: [{ id: (await make(s, key)).id, name: 'Renamed' }] }) },
    { method: 'DELETE', path, scope: write, ok: 200, prepare: async (s, key) => ({ body: [(await make(s, key)).id] }) },
  ]
}

export const ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: '/api/links', scope: 'linksRead', ok: 200, prepare: async (s, key) => ({ query: { id: (await link(s, key)).id } }) },
  {
    method: 'POST',
    path: '/api/links',
    scope: 'linksWrite',
    ok: 201,
    prepare: async (s, key) => {
      const [c, p, t] = await Promise.all([collection(s, key), partner(s, key), tag(s, key)])
      return { body: [{ url: 'https://example.com/new', collectionId: c.id, partnerId: p.id, tagIds: [t.id], externalId: unique(), title: 'New' }] }
    },
  },
  {
    method: 'PUT',
    path: '/api/links',
    scope: 'linksWrite',
    ok: 200,
    prepare: async (s, key) => {
      const [l, t] = await Promise.all([link(s, key), tag(s, key)])
      return { body: [{ id: l.id, title: 'Renamed', tagIds: [t.id], utm: { source: 'news' } }] }
    },
  },
  { method: 'DELETE', path: '/api/links', scope: 'linksWrite', ok: 200, prepare: async (s, key) => ({ body: [(await link(s, key)).id] }) },
  {
    method: 'POST',
    path: '/api/links/import',
    scope: 'linksWrite',
    ok: 200,
    prepare: async (s, key) => ({
      query: { collectionId: (await collection(s, key)).id, format: 'hoko' },
      csv: `shortId,url,title,tags\r\ni-${unique()},https://example.com/imported,Imported,t-${unique()}\r\n`,
    }),
  },
  { method: 'GET', path: '/api/links/export', scope: 'linksRead', ok: 200, prepare: async () => ({ query: { format: 'csv' } }) },
  ...crud('/api/collections', 'collectionsRead', 'collectionsWrite', collection),
  ...crud('/api/tags', 'tagsRead', 'tagsWrite', tag),
  ...crud('/api/partners', 'partnersRead', 'partnersWrite', partner),
  { method: 'GET', path: '/api/commissions', scope: 'commissionsRead', ok: 200, prepare: async (s, key) => ({ query: { id: (await commission(s, key)).id } }) },
  {
    method: 'PUT',
    path: '/api/commissions',
    scope: 'commissionsWrite',
    ok: 200,
    prepare: async (s, key) => ({ body: [{ id: (await commission(s, key)).id, status: 'approved' }] }),
  },
  {
    method: 'GET',
    path: '/api/commissions/summary',
    scope: 'commissionsRead',
    ok: 200,
    prepare: async (s, key) => ({ query: { partnerId: (await commission(s, key)).partnerId, groupBy: 'partner' } }),
  },
  {
    method: 'GET',
    path: '/api/commissions/export',
    scope: 'commissionsRead',
    ok: 200,
    prepare: async (s, key) => ({ query: { partnerId: (await commission(s, key)).partnerId, format: 'csv' } }),
  },
  { method: 'GET', path: '/api/domains', scope: 'domainsRead', ok: 200, prepare: async (s, key) => ({ query: { name: (await domain(s, key)).name } }) },
  {
    method: 'POST',
    path: '/api/domains',
    scope: 'domainsWrite',
    ok: 201,
    prepare: async () => ({ body: [{ name: `n-${unique()}.example.test`, notFoundUrl: 'https://example.com/404' }] }),
  },
  {
    method: 'PUT',
    path: '/api/domains',
    scope: 'domainsWrite',
    ok: 200,
    prepare: async (s, key) => ({ body: [{ id: (await domain(s, key)).id, rootUrl: null, notFoundUrl: 'https://example.com/missing' }] }),
  },
  { method: 'DELETE', path: '/api/domains', scope: 'domainsWrite', ok: 200, prepare: async (s, key) => ({ body: [(await domain(s, key)).id] }) },
  { method: 'GET', path: '/api/customers', scope: 'customersRead', ok: 200, prepare: async (s, key) => ({ query: { id: (await customer(s, key)).id } }) },
  { method: 'GET', path: '/api/analytics', scope: 'analyticsRead', ok: 200, prepare: async (s, key) => ({ query: { linkId: (await click(s, key)).linkId, sort: 'asc' } }) },
  {
    method: 'GET',
    path: '/api/analytics/summary',
    scope: 'analyticsRead',
    ok: 200,
    prepare: async (s, key) => ({ query: { linkId: (await click(s, key)).linkId, groupBy: 'country' } }),
  },
  {
    method: 'GET',
    path: '/api/analytics/export',
    scope: 'analyticsRead',
    ok: 200,
    prepare: async (s, key) => ({ query: { linkId: (await click(s, key)).linkId, format: 'ndjson', startDate: '2020-01-01' } }),
  },
  {
    method: 'POST',
    path: '/api/track/lead',
    scope: 'conversionsWrite',
    ok: 201,
    prepare: async (s, key) => ({ body: { clickId: (await click(s, key)).clickId, eventName: 'Sign up', customerExternalId: unique(), customerName: 'C', metadata: { plan: 'pro' } } }),
  },
  {
    method: 'POST',
    path: '/api/track/sale',
    scope: 'conversionsWrite',
    ok: 201,
    prepare: async (s, key) => ({ body: { clickId: (await click(s, key)).clickId, customerExternalId: unique(), customerName: 'C', amount: 1999, currency: 'usd' } }),
  },
  { method: 'GET', path: '/api/leads', scope: 'analyticsRead', ok: 200, prepare: async (s, key) => ({ query: { customerId: (await customer(s, key)).id } }) },
  {
    method: 'GET',
    path: '/api/sales',
    scope: 'analyticsRead',
    ok: 200,
    prepare: async (s, key) => {
      const { clickId, linkId } = await click(s, key)
      await post(s, key, '/api/track/sale', { clickId, customerExternalId: unique(), customerName: 'C', amount: 500 })
      return { query: { linkId, startDate: '2020-01-01' } }
    },
  },
  // The dashboard's: the current user, their sessions, keys, members, invites, the workspace, admin.
  { method: 'GET', path: '/api/me', scope: null, ok: 200, prepare: async () => ({ query: {} }) },
  { method: 'PUT', path: '/api/me', scope: null, session: 'user', ok: 200, prepare: async (s, key) => ({ body: { name: 'Renamed', language: 'ar' }, session: await userSession(s, key) }) },
  {
    method: 'POST',
    path: '/api/me/password',
    scope: null,
    session: 'user',
    ok: 200,
    prepare: async (s, key) => {
      const session = await userSession(s, key)
      return { body: { currentPassword: session.password, newPassword: session.password }, session }
    },
  },
  { method: 'GET', path: '/api/sessions', scope: null, session: 'user', ok: 200, prepare: async (s, key) => ({ query: {}, session: await userSession(s, key) }) },
  {
    method: 'DELETE',
    path: '/api/sessions',
    scope: null,
    session: 'user',
    ok: 200,
    prepare: async (s, key) => {
      const session = await userSession(s, key)
      // A second login of the same user: the one to end.
      const other = await login(s, session.email, session.password, session.workspace)
      const list = await (await s.api('/api/sessions', { key: null, headers: sessionHeaders(other) })).json()
      return { body: [list.find((x: { current: boolean }) => x.current).id], session }
    },
  },
  { method: 'GET', path: '/api/keys', scope: 'keysRead', ok: 200, prepare: async () => ({ query: { take: '10' } }) },
  { method: 'POST', path: '/api/keys', scope: 'keysWrite', ok: 201, prepare: async () => ({ body: [{ name: `k-${unique()}` }] }) },
  { method: 'DELETE', path: '/api/keys', scope: 'keysWrite', ok: 200, prepare: async (s, key) => ({ body: [(await post(s, key, '/api/keys', [{ name: 'to revoke' }]))[0].id] }) },
  { method: 'GET', path: '/api/members', scope: 'membersRead', ok: 200, prepare: async () => ({ query: { take: '10' } }) },
  { method: 'PUT', path: '/api/members', scope: 'membersWrite', ok: 200, prepare: async (s, key) => ({ body: [{ userId: (await userSession(s, key, 'member')).userId, role: 'viewer' }] }) },
  { method: 'DELETE', path: '/api/members', scope: 'membersWrite', ok: 200, prepare: async (s, key) => ({ body: [(await userSession(s, key, 'viewer')).userId] }) },
  { method: 'GET', path: '/api/invites', scope: 'membersWrite', ok: 200, prepare: async () => ({ query: { take: '10' } }) },
  { method: 'POST', path: '/api/invites', scope: 'membersWrite', ok: 201, prepare: async () => ({ body: [{ role: 'member', expiresInDays: 3 }] }) },
  { method: 'DELETE', path: '/api/invites', scope: 'membersWrite', ok: 200, prepare: async (s, key) => ({ body: [(await post(s, key, '/api/invites', [{ role: 'viewer' }]))[0].id] }) },
  { method: 'GET', path: '/api/workspace', scope: 'workspaceRead', ok: 200, prepare: async () => ({ query: {} }) },
  { method: 'PUT', path: '/api/workspace', scope: 'workspaceWrite', ok: 200, prepare: async () => ({ body: { name: 'Renamed workspace' } }) },
  { method: 'GET', path: '/api/admin/users', scope: null, session: 'admin', ok: 200, prepare: async (s) => ({ query: {}, session: await adminSession(s) }) },
  {
    method: 'POST',
    path: '/api/admin/users',
    scope: null,
    session: 'admin',
    ok: 201,
    prepare: async (s, key) => ({
      body: [{ email: `n-${unique()}@example.test`, name: 'New', password: 'a-long-password', workspaceId: await workspaceOf(s, key), role: 'viewer' }],
      session: await adminSession(s),
    }),
  },
  { method: 'POST', path: '/api/admin/workspaces', scope: null, session: 'admin', ok: 201, prepare: async (s) => ({ body: [{ name: `W ${unique()}` }], session: await adminSession(s) }) },
  { method: 'GET', path: '/api/webhooks', scope: 'webhooksRead', ok: 200, prepare: async (s, key) => ({ query: { id: (await webhook(s, key)).id } }) },
  {
    method: 'POST',
    path: '/api/webhooks',
    scope: 'webhooksWrite',
    ok: 201,
    prepare: async () => ({ body: [{ url: 'https://127.0.0.1:9/new', events: ['link.clicked', 'sale.created'], description: 'New' }] }),
  },
  {
    method: 'PUT',
    path: '/api/webhooks',
    scope: 'webhooksWrite',
    ok: 200,
    prepare: async (s, key) => ({ body: [{ id: (await webhook(s, key)).id, events: ['lead.created'], description: 'Renamed', disabled: true }] }),
  },
  { method: 'DELETE', path: '/api/webhooks', scope: 'webhooksWrite', ok: 200, prepare: async (s, key) => ({ body: [(await webhook(s, key)).id] }) },
  { method: 'POST', path: '/api/webhooks/rotate-secret', scope: 'webhooksWrite', ok: 200, prepare: async (s, key) => ({ body: [(await webhook(s, key)).id] }) },
  { method: 'POST', path: '/api/webhooks/test', scope: 'webhooksWrite', ok: 201, prepare: async (s, key) => ({ body: [(await webhook(s, key)).id] }) },
  {
    method: 'GET',
    path: '/api/webhooks/deliveries',
    scope: 'webhooksRead',
    ok: 200,
    prepare: async (s, key) => ({ query: { webhookId: (await delivery(s, key)).webhookId, status: 'pending' } }),
  },
  { method: 'POST', path: '/api/webhooks/deliveries/retry', scope: 'webhooksWrite', ok: 200, prepare: async (s, key) => ({ body: [(await delivery(s, key)).id] }) },
]

export const label = (e: Endpoint) => `${e.method} ${e.path}`

/** The headers a dashboard page sends: cookie, CSRF token, workspace. */
export const sessionHeaders = (session: Session): Record<string, string> => ({
  cookie: `hoko_session=${session.cookie}`,
  'x-csrf-token': session.csrf,
  ...(session.workspace ? { 'x-hoko-workspace': session.workspace } : {}),
})

/**
 * Sends a prepared request with a key (null: no Authorization header; `headers` may set another)
 * or as a dashboard session.
 */
export function send(s: Client, e: Endpoint, req: Prepared, auth: string | Session | null, headers: Record<string, string> = {}): Promise<Response> {
  const qs = req.query ? `?${new URLSearchParams(req.query)}` : ''
  const asSession = auth !== null && typeof auth === 'object'
  if (req.csv !== undefined)
    return s.api(e.path + qs, { method: e.method, key: asSession ? null : auth, headers: { 'content-type': 'text/csv', ...(asSession ? sessionHeaders(auth) : {}), ...headers }, body: req.csv })
  return s.api(e.path + qs, {
    method: e.method,
    key: asSession ? null : auth,
    headers: asSession ? { ...sessionHeaders(auth), ...headers } : headers,
    json: e.method === 'GET' ? undefined : req.body,
  })
}

/** How a table's valid request is sent: as its session when it has one, else with the key. */
export const authOf = (req: Prepared, key: string): string | Session => req.session ?? key

const cookieOf = (res: Response) => /hoko_session=([^;]+)/.exec(res.headers.getSetCookie().join('\n'))?.[1]

/** Logs in through the form; the CSRF token comes from /api/me, as the dashboard gets it. */
export async function login(s: Client, email: string, password: string, workspace?: string): Promise<Session> {
  const res = await s.api('/login', { method: 'POST', key: null, body: new URLSearchParams({ email, password }), redirect: 'manual' })
  const cookie = cookieOf(res)
  if (res.status !== 303 || !cookie) throw new Error(`login of ${email} answered ${res.status}`)
  return withCsrf(s, cookie, workspace)
}

async function withCsrf(s: Client, cookie: string, workspace?: string): Promise<Session> {
  const me = await s.api('/api/me', { key: null, headers: { cookie: `hoko_session=${cookie}`, ...(workspace ? { 'x-hoko-workspace': workspace } : {}) } })
  if (me.status !== 200) throw new Error(`/api/me answered ${me.status}`)
  return { cookie, csrf: (await me.json()).csrfToken, workspace }
}

/** A new user of `role` in the workspace of `key` (which can invite), logged in: through an invite link. */
export async function userSession(s: Client, key: string, role: 'owner' | 'member' | 'viewer' = 'owner'): Promise<Session & { email: string; password: string; userId: string }> {
  // The setup link works only while no user exists: the admin comes first.
  if (s.stdout?.includes('/setup?token=')) await adminSession(s)
  const [invite] = await post(s, key, '/api/invites', [{ role }])
  const email = `u-${unique()}@example.test`
  const password = `pw-${unique()}`
  const token = new URL(invite.url).searchParams.get('token')!
  const res = await s.api('/invite', { method: 'POST', key: null, body: new URLSearchParams({ token, email, name: 'User', password }), redirect: 'manual' })
  const cookie = cookieOf(res)
  if (res.status !== 303 || !cookie) throw new Error(`preparing: accepting an invite answered ${res.status}: ${await res.text()}`)
  const workspace = (await (await s.api('/api/me', { key })).json()).workspace.id
  const session = await withCsrf(s, cookie, workspace)
  const me = await (await s.api('/api/me', { key: null, headers: sessionHeaders(session) })).json()
  return { ...session, email, password, userId: me.user.id }
}

export const ADMIN = { email: 'admin@example.test', password: 'admin-password-0', name: 'Admin' }
const admins = new WeakMap<Client, Promise<Session>>()

/**
 * The instance admin: created through the server's setup link on first use (the first user is the
 * admin), then logged in again whenever asked.
 */
export function adminSession(s: Client): Promise<Session> {
  let made = admins.get(s)
  if (!made) {
    made = (async () => {
      const link = /create the first dashboard user: \S+\/setup\?token=(\S+)/.exec(s.stdout ?? '')
      if (!link) throw new Error('preparing: the server printed no setup link')
      await s.api('/setup', { method: 'POST', key: null, body: new URLSearchParams({ token: link[1], ...ADMIN }), redirect: 'manual' })
      return login(s, ADMIN.email, ADMIN.password)
    })()
    admins.set(s, made)
  }
  return made
}

const workspaceOf = async (s: Client, key: string): Promise<string> => (await (await s.api('/api/me', { key })).json()).workspace.id

/** Tables of a workspace's data; the rollups, key use times and settings change on their own. */
const DATA = ['collections', 'tags', 'partners', 'customers', 'domains', 'links', 'clicks', 'leads', 'sales', 'idempotency_keys', 'memberships', 'invites', 'webhooks', 'webhook_deliveries', 'commissions'] as const

/** A stable order of each table's rows on both engines (PostgreSQL has no rowid). */
const ORDER: Partial<Record<string, string>> = { clicks: 'rid', idempotency_keys: 'workspace_id, key', memberships: 'workspace_id, user_id' }

/** The queries of storedData: name, SQL with `?` placeholders, parameters. */
function storedQueries(workspaceId?: string): [string, string, string[]][] {
  const where = workspaceId === undefined ? '' : 'WHERE workspace_id = ?'
  const args = workspaceId === undefined ? [] : [workspaceId]
  return [
    ...DATA.map((t): [string, string, string[]] => [t, `SELECT * FROM ${t} ${where} ORDER BY ${ORDER[t] ?? 'id'}`, args]),
    // Keys without their use time; the users of the workspace without their sessions (seen times move).
    ['api_keys', `SELECT id, workspace_id, name, hash, scopes, expires_at, revoked_at FROM api_keys ${where} ORDER BY id`, args],
    ['users', `SELECT * FROM users ${workspaceId === undefined ? '' : 'WHERE id IN (SELECT user_id FROM memberships WHERE workspace_id = ?)'} ORDER BY id`, args],
    ['link_tags', `SELECT * FROM link_tags WHERE link_id IN (SELECT id FROM links ${where}) ORDER BY link_id, tag_id`, args],
  ]
}

/**
 * Every stored row of the data tables (of one workspace, if given), as text: equal before and after
 * a request means the request wrote nothing there.
 */
/** Something to read stored rows from: a test server on either engine, or an in-process app's SQLite file (`rowsOf`). */
export type RowSource = Pick<TestServer, 'rows' | 'rowsMany'>
export const rowsOf = (db: Database): RowSource => {
  const rows = async <T>(text: string, params: unknown[] = []) => db.query(text).all(...(params as never[])) as T[]
  return { rows, rowsMany: async <T>(queries: [string, unknown[]][]) => Promise.all(queries.map(([t, p]) => rows<T>(t, p))) }
}

export async function storedData(s: RowSource, workspaceId?: string): Promise<string> {
  const queries = storedQueries(workspaceId)
  const answers = await s.rowsMany(queries.map(([, text, args]) => [text, args]))
  return JSON.stringify(Object.fromEntries(queries.map(([name], i) => [name, answers[i]])))
}

/** Ids, short ids and external ids of a workspace's data: none may appear in another workspace's answers. */
export async function identifiersOf(s: RowSource, workspaceId: string): Promise<string[]> {
  const rows = await s.rows<{ v: string | null }>(IDENTIFIERS.join(' UNION ALL '), IDENTIFIERS.map(() => workspaceId))
  return rows.flatMap((r) => (r.v ? [r.v] : []))
}

const IDENTIFIERS = [
  ...['collections', 'tags', 'partners', 'customers', 'domains', 'links', 'clicks', 'leads', 'sales', 'webhooks', 'webhook_deliveries', 'commissions'].map((t) => `SELECT id AS v FROM ${t} WHERE workspace_id = ?`),
  'SELECT name AS v FROM domains WHERE workspace_id = ?',
  'SELECT secret AS v FROM webhooks WHERE workspace_id = ?',
  'SELECT previous_secret AS v FROM webhooks WHERE workspace_id = ?',
  'SELECT short_id AS v FROM links WHERE workspace_id = ?',
  'SELECT external_id AS v FROM links WHERE workspace_id = ?',
  'SELECT external_id AS v FROM customers WHERE workspace_id = ?',
  'SELECT id AS v FROM api_keys WHERE workspace_id = ?',
  'SELECT id AS v FROM invites WHERE workspace_id = ?',
  'SELECT user_id AS v FROM memberships WHERE workspace_id = ?',
]
