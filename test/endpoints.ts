import type { Database } from 'bun:sqlite'
import type { Scope } from '../src/keys/scopes'
import { UA } from './harness'

/**
 * Every /api endpoint, once: its method, path, the one scope that opens it, the status of a valid
 * request, and how to prepare a valid request in a workspace (Unkey's `runCommonRouteTests`).
 * api-rules, isolation and fuzz run their cases over every row, and api-rules fails when the app
 * registers an /api route that has no row: a new endpoint needs one row here and gets them all.
 */

/** What preparing a request needs of a server: the subprocess one (harness.ts) or the in-process one. */
export type Client = {
  api(path: string, init?: RequestInit & { json?: unknown; key?: string | null }): Promise<Response>
}

/** A valid request: query parameters for GET (pairs, when one is repeated), a JSON body for the rest. */
export type Prepared = { query?: Record<string, string> | [string, string][]; body?: unknown }

export type Endpoint = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  path: string
  scope: Scope
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

async function customer(s: Client, key: string): Promise<{ id: string }> {
  const { clickId } = await click(s, key)
  return (await post(s, key, '/api/track/lead', { clickId, eventName: 'Sign up', customerExternalId: unique(), customerName: 'C' })).customer
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
  ...crud('/api/collections', 'collectionsRead', 'collectionsWrite', collection),
  ...crud('/api/tags', 'tagsRead', 'tagsWrite', tag),
  ...crud('/api/partners', 'partnersRead', 'partnersWrite', partner),
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
]

export const label = (e: Endpoint) => `${e.method} ${e.path}`

/** Sends a prepared request with `key` (null: no Authorization header; `headers` may set another). */
export function send(s: Client, e: Endpoint, req: Prepared, key: string | null, headers: Record<string, string> = {}): Promise<Response> {
  const qs = req.query ? `?${new URLSearchParams(req.query)}` : ''
  return s.api(e.path + qs, { method: e.method, key, headers, json: e.method === 'GET' ? undefined : req.body })
}

/** Tables of a workspace's data; the rollups, key use times and settings change on their own. */
const DATA = ['collections', 'tags', 'partners', 'customers', 'domains', 'links', 'clicks', 'leads', 'sales', 'idempotency_keys'] as const

/**
 * Every stored row of the data tables (of one workspace, if given), as text: equal before and after
 * a request means the request wrote nothing there.
 */
export function storedData(db: Database, workspaceId?: string): string {
  const where = workspaceId === undefined ? '' : 'WHERE workspace_id = ?'
  const args = workspaceId === undefined ? [] : [workspaceId]
  const rows: Record<string, unknown[]> = {}
  for (const t of DATA) rows[t] = db.query(`SELECT * FROM ${t} ${where} ORDER BY rowid`).all(...args)
  rows.link_tags = db
    .query(`SELECT * FROM link_tags WHERE link_id IN (SELECT id FROM links ${where}) ORDER BY link_id, tag_id`)
    .all(...args)
  return JSON.stringify(rows)
}

/** Ids, short ids and external ids of a workspace's data: none may appear in another workspace's answers. */
export function identifiersOf(db: Database, workspaceId: string): string[] {
  const q = (sql: string) => (db.query(sql).all(workspaceId) as { v: string | null }[]).map((r) => r.v).filter((v): v is string => !!v)
  return [
    ...['collections', 'tags', 'partners', 'customers', 'domains', 'links', 'clicks', 'leads', 'sales'].flatMap((t) => q(`SELECT id AS v FROM ${t} WHERE workspace_id = ?`)),
    ...q('SELECT name AS v FROM domains WHERE workspace_id = ?'),
    ...q('SELECT short_id AS v FROM links WHERE workspace_id = ?'),
    ...q('SELECT external_id AS v FROM links WHERE workspace_id = ?'),
    ...q('SELECT external_id AS v FROM customers WHERE workspace_id = ?'),
  ]
}
