import type * as v from 'valibot'
import { sameShape } from '../http/same-shape'
import type { Data } from '../db/data'
import { HokoError } from '../http/errors'
import { CLICK, type ClickField, type ClickRow } from '../clicks/row'
import { ridAt, visitorText } from '../clicks/store'
import { type GroupBy, GROUPS, timeText } from './groups'
import type { RollupDim } from './rollups'
import type { AnalyticsQuery, ClickViewSchema, SummaryQuery, SummarySchema } from './model'

type Filters = Pick<
  SummaryQuery,
  'linkId' | 'partnerId' | 'collectionId' | 'tagId' | 'country' | 'device' | 'tenantId' | 'domain' | 'startDate' | 'endDate'
>

/** What the click counts depend on: the filters and the grouping. */
type ClickQuery = Filters & { groupBy?: GroupBy }

/**
 * WHERE clause of the click list and of the summary's three sources. `a` is the alias of the rows
 * counted (c: clicks, l: leads, s: sales; a lead or sale carries its click's link and partner and its
 * own time), `c` always the click: the workspace, never bot clicks, link or partner (either, as every
 * id filter of the spec), and then each of the other filters: collection and tag (through the links,
 * deleted ones too: their clicks stay), the click's country, device and tenant, the inclusive date range.
 */
export function where(d: Data, a: 'c' | 'l' | 's', workspaceId: string, f: Filters): { sql: string; params: (string | number)[] } {
  if (f.startDate !== undefined && f.endDate !== undefined && f.startDate > f.endDate)
    throw new HokoError('end_before_start')
  // A link, partner, collection or tag filter selects links: their clicks are read through the link
  // index, and the links chosen are the workspace's own (click_links knows each one's workspace).
  // Otherwise the workspace index. Clicks are filtered on their stored references (see the clicks
  // view), which the indexes hold, and on the rowid for time.
  const byLinks = a === 'c' && (f.linkId !== undefined || f.partnerId !== undefined || f.collectionId !== undefined || f.tagId !== undefined)
  const parts: string[] = []
  const params: (string | number)[] = []
  if (a !== 'c') parts.push(`${a}.workspace_id = ?`) && params.push(workspaceId)
  else {
    if (!byLinks) parts.push('c.ws = (SELECT id FROM click_workspaces WHERE workspace_id = ?)') && params.push(workspaceId)
    parts.push('c.bot = 0')
  }
  /** Clicks of the workspace's links chosen by `sql` (on click_links: the links as their clicks saw them); leads and sales by their own link_id. */
  const links = (sql: () => string) => {
    if (a !== 'c') return `${a}.${sql()}`
    params.push(workspaceId)
    return `c.link_ref IN (SELECT id FROM click_links WHERE workspace_id = ? AND ${sql()})`
  }
  const ids: string[] = []
  if (f.linkId) ids.push(links(() => (params.push(f.linkId!), 'link_id = ?')))
  if (f.partnerId) ids.push(links(() => (params.push(f.partnerId!), 'partner_id = ?')))
  if (ids.length) parts.push(`(${ids.join(' OR ')})`)
  const anyOf = (values: string[]) => {
    params.push(JSON.stringify(values))
    return `(SELECT value FROM ${d.list})`
  }
  if (f.collectionId)
    parts.push(links(() => (params.push(workspaceId), `link_id IN (SELECT id FROM links WHERE workspace_id = ? AND collection_id IN ${anyOf(f.collectionId!)})`)))
  if (f.tagId) parts.push(links(() => `link_id IN (SELECT link_id FROM link_tags WHERE tag_id IN ${anyOf(f.tagId!)})`))
  if (f.country) parts.push(`c.country_code IN ${anyOf(f.country)}`)
  if (f.device) parts.push(`c.device_type IN ${anyOf(f.device)}`)
  if (f.tenantId !== undefined) {
    parts.push('c.tenant_id = ?')
    params.push(f.tenantId)
  }
  // Already in stored form: '' for the base host (see forStorage).
  if (f.domain !== undefined) {
    parts.push('c.domain = ?')
    params.push(f.domain)
  }
  if (f.startDate !== undefined) {
    parts.push(a === 'c' ? 'c.rid >= ?' : `${a}.created_at >= ?`)
    params.push(a === 'c' ? ridAt(f.startDate) : f.startDate)
  }
  if (f.endDate !== undefined) {
    parts.push(a === 'c' ? 'c.rid < ?' : `${a}.created_at <= ?`)
    params.push(a === 'c' ? ridAt(f.endDate + 1) : f.endDate)
  }
  return { sql: parts.join(' AND '), params }
}

/** The fields of the spec's click object, in its order, plus qr and domain. */
export const CLICK_VIEW = [
  'id', 'linkId', 'partnerId', 'visitorId', 'visitorSessionId', 'referrer', 'destination', 'shortId', 'domain', 'utm',
  'externalId', 'tenantId', 'browserName', 'browserVersion', 'osName', 'osVersion', 'deviceType', 'country',
  'countryCode', 'city', 'createdAt', 'qr',
] as const satisfies readonly ClickField[]

/** A click read with CLICK.select(CLICK_VIEW): its values as stored, in the view's order. */
export const clickView = (c: Pick<ClickRow, (typeof CLICK_VIEW)[number]>, baseHost: string) => ({
  ...c,
  visitorId: visitorText(c.visitorId),
  visitorSessionId: visitorText(c.visitorSessionId),
  domain: c.domain === '' ? baseHost : c.domain,
  utm: c.utm === null ? null : (JSON.parse(c.utm) as Record<string, string>),
  createdAt: new Date(c.createdAt).toISOString(),
  qr: c.qr === 1,
})

/** A domain filter as the clicks store it: the base host is ''. */
export const forStorage = <Q extends { domain?: string }>(q: Q, baseHost: string): Q =>
  q.domain === baseHost ? { ...q, domain: '' } : q

export async function listClicks(d: Data, workspaceId: string, query: AnalyticsQuery, baseHost: string) {
  const q = forStorage(query, baseHost)
  const w = where(d, 'c', workspaceId, q)
  const dir = q.sort === 'asc' ? 'ASC' : 'DESC'
  const rows = await d.all<Pick<ClickRow, (typeof CLICK_VIEW)[number]>>(
    `SELECT ${CLICK.select(CLICK_VIEW)} FROM clicks c WHERE ${w.sql} ORDER BY c.rid ${dir} LIMIT ? OFFSET ?`,
    [...w.params, q.take, q.skip],
  )
  return rows.map((c) => clickView(c, baseHost))
}

const DAY_MS = 86_400_000

/** `saleAmountByCurrency`: the amounts per currency (lower-case code), since amounts in different currencies do not add up. */
export type SummaryRow = {
  key: string | boolean | null
  clicks: number
  leads: number
  sales: number
  saleAmount: number
  saleAmountByCurrency: Record<string, number>
}
type Values = Partial<Omit<SummaryRow, 'key' | 'saleAmountByCurrency'>> & { currency?: string | null }
type Key = string | number | null

/** One spelling per group, whichever source counted it: rollups write '' for a missing value. */
function normalize(groupBy: GroupBy | undefined, key: Key): string | boolean | null {
  if (groupBy === 'qr') return key === 1 || key === '1'
  return key === '' || key === null ? null : String(key)
}

type Counts = Map<string, SummaryRow>
function add(counts: Counts, groupBy: GroupBy | undefined, key: Key, values: Values) {
  const k = normalize(groupBy, key)
  const id = JSON.stringify(k)
  let row = counts.get(id)
  if (!row) counts.set(id, (row = { key: k, clicks: 0, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} }))
  row.clicks += values.clicks ?? 0
  row.leads += values.leads ?? 0
  row.sales += values.sales ?? 0
  row.saleAmount += values.saleAmount ?? 0
  if (values.currency) row.saleAmountByCurrency[values.currency] = (row.saleAmountByCurrency[values.currency] ?? 0) + (values.saleAmount ?? 0)
}

/** Clicks straight from the clicks table, with extra conditions (`more`) on top of the filters. */
async function rawClicks(d: Data, workspaceId: string, q: ClickQuery, counts: Counts, more = '', moreParams: number[] = []) {
  const w = where(d, 'c', workspaceId, q)
  const key = q.groupBy ? GROUPS[q.groupBy].key('c', 'c', d.engine) : 'NULL'
  const rows = await d.all<{ key: Key; n: number }>(`SELECT ${key} AS key, count(*) AS n FROM clicks c WHERE ${w.sql}${more} GROUP BY 1`, [
    ...w.params,
    ...moreParams,
  ])
  for (const r of rows) add(counts, q.groupBy, r.key, { clicks: r.n })
}

/** The filters that are rollup dimensions, with the keys they select. */
function filterDims(q: ClickQuery): [RollupDim, string[]][] {
  const dims: [RollupDim, string[] | undefined][] = [
    ['partner', q.partnerId === undefined ? undefined : [q.partnerId]],
    ['country', q.country],
    ['device', q.device],
  ]
  return dims.filter((d): d is [RollupDim, string[]] => d[1] !== undefined)
}

/**
 * The rollup rows that can count these clicks (a dimension, and the keys a filter selects in it), or
 * null when only the clicks table can. Each rollup row counts one dimension: one partner, country or
 * device filter is answered from that dimension's rows when the grouping is none, by day, or by that
 * same dimension. Links, collections and tags are read through the clicks' link index instead.
 */
function rollupRows(q: ClickQuery): { dim: RollupDim; keys?: string[] } | null {
  // The rollups count no dimension per domain and value: a domain filter reads the clicks.
  if (q.linkId || q.collectionId || q.tagId || q.domain !== undefined || q.groupBy === 'link') return null
  const grouped: RollupDim = q.groupBy === undefined || q.groupBy === 'day' ? 'total' : q.groupBy
  const filtered = filterDims(q)
  if (filtered.length === 0) return { dim: grouped }
  const [[dim, keys]] = filtered
  return filtered.length === 1 && (grouped === 'total' || grouped === dim) ? { dim, keys } : null
}

/**
 * Clicks counted by the rollups: whole days from the rollup rows of `dim` (clicks up to the rollup
 * mark), and from the clicks table the rest — clicks after the mark, and the parts of partial days at
 * either end of the date range. Nothing is counted twice: the rollup part is limited to whole days up
 * to the mark.
 */
async function rolledUpClicks(d: Data, workspaceId: string, q: ClickQuery, { dim, keys }: { dim: RollupDim; keys?: string[] }, counts: Counts) {
  const mark = (await d.get<{ m: number }>('SELECT click_rowid AS m FROM rollup_state WHERE id = 1'))?.m ?? 0
  const firstDay = q.startDate === undefined ? null : Math.ceil(q.startDate / DAY_MS)
  const lastDay = q.endDate === undefined ? null : Math.floor((q.endDate + 1) / DAY_MS) - 1
  const parts = ['workspace_id = ?', 'dim = ?']
  const params: (string | number)[] = [workspaceId, dim]
  if (keys) parts.push(`key IN (SELECT value FROM ${d.list})`) && params.push(JSON.stringify(keys))
  // One tenant's rows, or the rows over all tenants (click_rollups_all): never a sum over tenants' rows.
  const table = q.tenantId === undefined ? 'click_rollups_all' : 'click_rollups'
  if (q.tenantId !== undefined) parts.push('tenant_id = ?') && params.push(q.tenantId)
  if (firstDay !== null) parts.push('day >= ?') && params.push(firstDay)
  if (lastDay !== null) parts.push('day <= ?') && params.push(lastDay)
  const key = q.groupBy === undefined ? 'NULL' : q.groupBy === 'day' ? timeText('day * 86400', '%Y-%m-%d', 'YYYY-MM-DD', d.engine) : 'key'
  if (firstDay === null || lastDay === null || firstDay <= lastDay) {
    const rows = await d.all<{ key: Key; n: number }>(
      `SELECT ${key} AS key, CAST(sum(clicks) AS BIGINT) AS n FROM ${table} WHERE ${parts.join(' AND ')} GROUP BY 1`,
      params,
    )
    for (const r of rows) add(counts, q.groupBy, r.key, { clicks: r.n })
    await rawClicks(d, workspaceId, q, counts, ' AND c.rid > ?', [mark])
    if (firstDay !== null) await rawClicks(d, workspaceId, q, counts, ' AND c.rid <= ? AND c.rid < ?', [mark, ridAt(firstDay * DAY_MS)])
    if (lastDay !== null) await rawClicks(d, workspaceId, q, counts, ' AND c.rid <= ? AND c.rid >= ?', [mark, ridAt((lastDay + 1) * DAY_MS)])
  } else await rawClicks(d, workspaceId, q, counts)
}

/** Leads and sales, grouped by their click's attributes and their own time. */
async function conversions(d: Data, workspaceId: string, q: SummaryQuery, counts: Counts) {
  const leads = where(d, 'l', workspaceId, q)
  const sales = where(d, 's', workspaceId, q)
  const key = q.groupBy ? GROUPS[q.groupBy].key : () => 'NULL'
  const rows = await d.all<{ key: Key; leads: number; sales: number; amount: number; currency: string | null }>(
    `SELECT ${key('l', 'c', d.engine)} AS key, count(*) AS leads, 0 AS sales, 0 AS amount, NULL AS currency
       FROM leads l JOIN clicks c ON c.rid = l.click_rid WHERE ${leads.sql} GROUP BY 1
     UNION ALL
     SELECT ${key('s', 'c', d.engine)}, 0, count(*), CAST(sum(s.amount) AS BIGINT), s.currency
       FROM sales s JOIN clicks c ON c.rid = s.click_rid WHERE ${sales.sql} GROUP BY 1, s.currency`,
    [...leads.params, ...sales.params],
  )
  for (const r of rows)
    add(counts, q.groupBy, r.key, { leads: r.leads, sales: r.sales, saleAmount: r.amount, currency: r.currency })
}

async function countClicks(d: Data, workspaceId: string, q: ClickQuery, counts: Counts) {
  const rows = rollupRows(q)
  if (rows === null) await rawClicks(d, workspaceId, q, counts)
  else await rolledUpClicks(d, workspaceId, q, rows, counts)
}

/** How many clicks the filters of GET /api/analytics select (its X-Total-Count), read as the summary reads them. */
export async function totalClicks(d: Data, workspaceId: string, query: Filters, baseHost: string): Promise<number> {
  const counts: Counts = new Map()
  await countClicks(d, workspaceId, forStorage(query, baseHost), counts)
  return counts.get('null')?.clicks ?? 0
}

const compareKeys = (a: SummaryRow['key'], b: SummaryRow['key']) =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : String(a) < String(b) ? -1 : 1

/**
 * The funnel: clicks, and the leads and sales attributed to them (with the sales' amounts added up),
 * in total or per group — time buckets in time order, everything else by clicks, most first. Leads and
 * sales are grouped by their click's attributes (country, device, …) and filtered by their own time.
 * Click counts come from the rollups where they hold the filters (see rollupRows).
 */
export async function summarize(d: Data, workspaceId: string, query: SummaryQuery, baseHost: string) {
  const q = forStorage(query, baseHost)
  const counts: Counts = new Map()
  await countClicks(d, workspaceId, q, counts)
  await conversions(d, workspaceId, q, counts)
  if (!q.groupBy) {
    const { key: _, ...totals } = counts.get('null') ?? { key: null, clicks: 0, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} }
    return totals
  }
  const rows = [...counts.values()]
  // The base host's clicks (stored as '', read back as null) by its name.
  if (q.groupBy === 'domain') for (const r of rows) r.key ??= baseHost
  const sorted = 'time' in GROUPS[q.groupBy]
    ? rows.sort((a, b) => compareKeys(a.key, b.key))
    : rows.sort((a, b) => b.clicks - a.clicks || b.sales - a.sales || b.leads - a.leads || compareKeys(a.key, b.key))
  return q.take === undefined ? sorted : sorted.slice(0, q.take)
}

// The answer and its documented schema (./model) cannot drift apart.
sameShape<Awaited<ReturnType<typeof summarize>>, v.InferOutput<typeof SummarySchema>>()
sameShape<ReturnType<typeof clickView>, v.InferOutput<typeof ClickViewSchema>>()
