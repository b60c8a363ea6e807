import type { Db } from '../db'
import { HokoError } from '../http/errors'
import { CLICK, type ClickField, type ClickRow } from '../clicks/row'
import { type GroupBy, GROUPS } from './groups'
import type { AnalyticsQuery, SummaryQuery } from './model'

type Filters = Pick<SummaryQuery, 'linkId' | 'partnerId' | 'tenantId' | 'domain' | 'startDate' | 'endDate'>

/**
 * WHERE clause of the click list and of the summary's three sources. `a` is the alias of the rows
 * counted (c: clicks, l: leads, s: sales; a lead or sale carries its click's link and partner and its
 * own time), `c` always the click: the workspace, never bot clicks, link and partner (either, as every
 * id filter of the API), the click's tenant, and the inclusive date range.
 */
function where(a: 'c' | 'l' | 's', workspaceId: string, f: Filters): { sql: string; params: (string | number)[] } {
  if (f.startDate !== undefined && f.endDate !== undefined && f.startDate > f.endDate)
    throw new HokoError('end_before_start')
  const parts = [`${a}.workspace_id = ?`]
  const params: (string | number)[] = [workspaceId]
  if (a === 'c') parts.push('c.bot = 0')
  const ids: string[] = []
  if (f.linkId) {
    ids.push(`${a}.link_id = ?`)
    params.push(f.linkId)
  }
  if (f.partnerId) {
    ids.push(`${a}.partner_id = ?`)
    params.push(f.partnerId)
  }
  if (ids.length) parts.push(`(${ids.join(' OR ')})`)
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
    parts.push(`${a}.created_at >= ?`)
    params.push(f.startDate)
  }
  if (f.endDate !== undefined) {
    parts.push(`${a}.created_at <= ?`)
    params.push(f.endDate)
  }
  return { sql: parts.join(' AND '), params }
}

/** The fields of the spec's click object, in its order, plus qr and domain. */
const CLICK_VIEW = [
  'id', 'linkId', 'partnerId', 'visitorId', 'visitorSessionId', 'referrer', 'destination', 'shortId', 'domain', 'utm',
  'externalId', 'tenantId', 'browserName', 'browserVersion', 'osName', 'osVersion', 'deviceType', 'country',
  'countryCode', 'city', 'createdAt', 'qr',
] as const satisfies readonly ClickField[]

/** A click read with CLICK.select(CLICK_VIEW): its values as stored, in the view's order. */
const clickView = (c: Pick<ClickRow, (typeof CLICK_VIEW)[number]>, baseHost: string) => ({
  ...c,
  domain: c.domain === '' ? baseHost : c.domain,
  utm: c.utm === null ? null : (JSON.parse(c.utm) as Record<string, string>),
  createdAt: new Date(c.createdAt).toISOString(),
  qr: c.qr === 1,
})

/** A domain filter as the clicks store it: the base host is ''. */
const forStorage = <Q extends { domain?: string }>(q: Q, baseHost: string): Q =>
  q.domain === baseHost ? { ...q, domain: '' } : q

export function listClicks(db: Db, workspaceId: string, query: AnalyticsQuery, baseHost: string) {
  const q = forStorage(query, baseHost)
  const w = where('c', workspaceId, q)
  const dir = q.sort === 'asc' ? 'ASC' : 'DESC'
  return db.$client
    .query<Pick<ClickRow, (typeof CLICK_VIEW)[number]>, (string | number)[]>(
      `SELECT ${CLICK.select(CLICK_VIEW)} FROM clicks c WHERE ${w.sql} ORDER BY created_at ${dir}, id ${dir} LIMIT ? OFFSET ?`,
    )
    .all(...w.params, q.take, q.skip)
    .map((c) => clickView(c, baseHost))
}

const DAY_MS = 86_400_000

export type SummaryRow = { key: string | boolean | null; clicks: number; leads: number; sales: number; saleAmount: number }
type Key = string | number | null

/** One spelling per group, whichever source counted it: rollups write '' for a missing value. */
function normalize(groupBy: GroupBy | undefined, key: Key): string | boolean | null {
  if (groupBy === 'qr') return key === 1 || key === '1'
  return key === '' || key === null ? null : String(key)
}

type Counts = Map<string, SummaryRow>
function add(counts: Counts, groupBy: GroupBy | undefined, key: Key, values: Partial<Omit<SummaryRow, 'key'>>) {
  const k = normalize(groupBy, key)
  const id = JSON.stringify(k)
  let row = counts.get(id)
  if (!row) counts.set(id, (row = { key: k, clicks: 0, leads: 0, sales: 0, saleAmount: 0 }))
  row.clicks += values.clicks ?? 0
  row.leads += values.leads ?? 0
  row.sales += values.sales ?? 0
  row.saleAmount += values.saleAmount ?? 0
}

/**
 * Clicks straight from the clicks table, with extra conditions (`more`) on top of the filters.
 * `tail`: only clicks after the rollup mark, read by rowid range (an index on the workspace would
 * make SQLite walk all of its clicks instead).
 */
function rawClicks(db: Db, workspaceId: string, q: SummaryQuery, counts: Counts, more = '', moreParams: number[] = [], tail = false) {
  const w = where('c', workspaceId, q)
  const key = q.groupBy ? GROUPS[q.groupBy].key('c', 'c') : 'NULL'
  const rows = db.$client
    .query<{ key: Key; n: number }, (string | number)[]>(
      `SELECT ${key} AS key, count(*) AS n FROM clicks c ${tail ? 'NOT INDEXED' : ''} WHERE ${w.sql}${more} GROUP BY 1`,
    )
    .all(...w.params, ...moreParams)
  for (const r of rows) add(counts, q.groupBy, r.key, { clicks: r.n })
}

/**
 * Workspace-wide clicks: whole days from the rollups (clicks up to the rollup mark), and from the
 * clicks table the rest — clicks after the mark, and the parts of partial days at either end of
 * the date range. Nothing is counted twice: the rollup part is limited to whole days up to the mark.
 */
function rolledUpClicks(db: Db, workspaceId: string, q: SummaryQuery, counts: Counts) {
  const mark = db.$client.query<{ m: number }, []>('SELECT click_rowid AS m FROM rollup_state WHERE id = 1').get()?.m ?? 0
  const firstDay = q.startDate === undefined ? null : Math.ceil(q.startDate / DAY_MS)
  const lastDay = q.endDate === undefined ? null : Math.floor((q.endDate + 1) / DAY_MS) - 1
  const dim = q.groupBy === undefined || q.groupBy === 'day' ? 'total' : q.groupBy
  const parts = ['workspace_id = ?', 'dim = ?']
  const params: (string | number)[] = [workspaceId, dim]
  if (q.tenantId !== undefined) parts.push('tenant_id = ?') && params.push(q.tenantId)
  if (firstDay !== null) parts.push('day >= ?') && params.push(firstDay)
  if (lastDay !== null) parts.push('day <= ?') && params.push(lastDay)
  const key = q.groupBy === 'day' ? "strftime('%Y-%m-%d', day * 86400, 'unixepoch')" : 'key'
  if (firstDay === null || lastDay === null || firstDay <= lastDay) {
    const rows = db.$client
      .query<{ key: Key; n: number }, (string | number)[]>(`SELECT ${key} AS key, sum(clicks) AS n FROM click_rollups WHERE ${parts.join(' AND ')} GROUP BY 1`)
      .all(...params)
    for (const r of rows) add(counts, q.groupBy, r.key, { clicks: r.n })
    rawClicks(db, workspaceId, q, counts, ' AND c.rowid > ?', [mark], true)
    if (firstDay !== null) rawClicks(db, workspaceId, q, counts, ' AND c.rowid <= ? AND c.created_at < ?', [mark, firstDay * DAY_MS])
    if (lastDay !== null) rawClicks(db, workspaceId, q, counts, ' AND c.rowid <= ? AND c.created_at >= ?', [mark, (lastDay + 1) * DAY_MS])
  } else rawClicks(db, workspaceId, q, counts)
}

/** Leads and sales, grouped by their click's attributes and their own time. */
function conversions(db: Db, workspaceId: string, q: SummaryQuery, counts: Counts) {
  const leads = where('l', workspaceId, q)
  const sales = where('s', workspaceId, q)
  const key = q.groupBy ? GROUPS[q.groupBy].key : () => 'NULL'
  const rows = db.$client
    .query<{ key: Key; leads: number; sales: number; amount: number }, (string | number)[]>(
      `SELECT ${key('l', 'c')} AS key, count(*) AS leads, 0 AS sales, 0 AS amount
         FROM leads l JOIN clicks c ON c.id = l.click_id WHERE ${leads.sql} GROUP BY 1
       UNION ALL
       SELECT ${key('s', 'c')}, 0, count(*), sum(s.amount)
         FROM sales s JOIN clicks c ON c.id = s.click_id WHERE ${sales.sql} GROUP BY 1`,
    )
    .all(...leads.params, ...sales.params)
  for (const r of rows) add(counts, q.groupBy, r.key, { leads: r.leads, sales: r.sales, saleAmount: r.amount })
}

const compareKeys = (a: SummaryRow['key'], b: SummaryRow['key']) =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : String(a) < String(b) ? -1 : 1

/**
 * The funnel: clicks, and the leads and sales attributed to them (with the sales' amounts added up),
 * in total or per group — time buckets in time order, everything else by clicks, most first. Leads and
 * sales are grouped by their click's attributes (country, device, …) and filtered by their own time.
 * Workspace-wide click counts come from the rollups; a link or partner filter reads its clicks
 * through their indexes, and so does grouping by link.
 */
export function summarize(db: Db, workspaceId: string, query: SummaryQuery, baseHost: string) {
  const q = forStorage(query, baseHost)
  const counts: Counts = new Map()
  // The rollups count no dimension per domain and value: a domain filter reads the workspace's clicks.
  if (q.linkId || q.partnerId || q.domain !== undefined || q.groupBy === 'link') rawClicks(db, workspaceId, q, counts)
  else rolledUpClicks(db, workspaceId, q, counts)
  conversions(db, workspaceId, q, counts)
  if (!q.groupBy) {
    const { key: _, ...totals } = counts.get('null') ?? { key: null, clicks: 0, leads: 0, sales: 0, saleAmount: 0 }
    return totals
  }
  const rows = [...counts.values()]
  // The base host's clicks (stored as '', read back as null) by its name.
  if (q.groupBy === 'domain') for (const r of rows) r.key ??= baseHost
  return 'time' in GROUPS[q.groupBy]
    ? rows.sort((a, b) => compareKeys(a.key, b.key))
    : rows.sort((a, b) => b.clicks - a.clicks || b.sales - a.sales || b.leads - a.leads || compareKeys(a.key, b.key))
}
