import type { Db } from '../db'
import { HokoError } from '../http/errors'
import type { AnalyticsQuery, GroupBy, SummaryQuery } from './model'

type Filters = Pick<SummaryQuery, 'linkId' | 'partnerId' | 'tenantId' | 'startDate' | 'endDate'>

/**
 * WHERE clause of the click list and of the summary's three sources. `a` is the alias of the rows
 * counted (c: clicks, l: leads, s: sales; a lead or sale carries its click's link and partner and its
 * own time), `c` always the click: the workspace, never bot clicks, link and partner (either, as every
 * id filter of the API), the click's tenant, and the inclusive date range.
 */
function where(a: 'c' | 'l' | 's', workspaceId: string, f: Filters): { sql: string; params: (string | number)[] } {
  if (f.startDate !== undefined && f.endDate !== undefined && f.startDate > f.endDate)
    throw HokoError.validation('endDate: must not be before startDate', 'endDate: يجب ألا يسبق تاريخ البداية startDate')
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

type ClickRaw = {
  id: string
  link_id: string
  partner_id: string | null
  visitor_id: string | null
  visitor_session_id: string | null
  referrer: string | null
  destination: string
  short_id: string
  utm: string | null
  external_id: string | null
  tenant_id: string | null
  browser_name: string | null
  browser_version: string | null
  os_name: string | null
  os_version: string | null
  device_type: string | null
  country: string | null
  country_code: string | null
  city: string | null
  created_at: number
  qr: number
}

/** The spec's click object, in its field order, plus qr. */
const clickView = (c: ClickRaw) => ({
  id: c.id,
  linkId: c.link_id,
  partnerId: c.partner_id,
  visitorId: c.visitor_id,
  visitorSessionId: c.visitor_session_id,
  referrer: c.referrer,
  destination: c.destination,
  shortId: c.short_id,
  utm: c.utm === null ? null : (JSON.parse(c.utm) as Record<string, string>),
  externalId: c.external_id,
  tenantId: c.tenant_id,
  browserName: c.browser_name,
  browserVersion: c.browser_version,
  osName: c.os_name,
  osVersion: c.os_version,
  deviceType: c.device_type,
  country: c.country,
  countryCode: c.country_code,
  city: c.city,
  createdAt: new Date(c.created_at).toISOString(),
  qr: c.qr === 1,
})

export function listClicks(db: Db, workspaceId: string, q: AnalyticsQuery) {
  const w = where('c', workspaceId, q)
  const dir = q.sort === 'asc' ? 'ASC' : 'DESC'
  return db.$client
    .query<ClickRaw, (string | number)[]>(
      `SELECT id, link_id, partner_id, visitor_id, visitor_session_id, referrer, destination, short_id, utm, external_id,
              tenant_id, browser_name, browser_version, os_name, os_version, device_type, country, country_code, city,
              created_at, qr
         FROM clicks c WHERE ${w.sql} ORDER BY created_at ${dir}, id ${dir} LIMIT ? OFFSET ?`,
    )
    .all(...w.params, q.take, q.skip)
    .map(clickView)
}

/** The group key of a counted row `a` whose click is `c`: time buckets by the row's own time. */
const GROUP_KEYS: Record<GroupBy, (a: string) => string> = {
  day: (a) => `strftime('%Y-%m-%d', ${a}.created_at / 1000, 'unixepoch')`,
  hour: (a) => `strftime('%Y-%m-%dT%H:00:00Z', ${a}.created_at / 1000, 'unixepoch')`,
  link: (a) => `${a}.link_id`,
  partner: (a) => `${a}.partner_id`,
  country: () => 'c.country_code',
  city: () => 'c.city',
  device: () => 'c.device_type',
  browser: () => 'c.browser_name',
  os: () => 'c.os_name',
  referrer: () => 'c.referrer_host',
  utm_source: () => "json_extract(c.utm, '$.source')",
  utm_medium: () => "json_extract(c.utm, '$.medium')",
  utm_campaign: () => "json_extract(c.utm, '$.campaign')",
  qr: () => 'c.qr',
}
const TIME_BUCKETS = new Set<GroupBy>(['day', 'hour'])

export type SummaryRow = { key: string | boolean | null; clicks: number; leads: number; sales: number; saleAmount: number }

/**
 * The funnel: clicks, and the leads and sales attributed to them (with the sales' amounts added up),
 * in total or per group — time buckets in time order, everything else by clicks, most first. Leads and
 * sales are grouped by their click's attributes (country, device, …) and filtered by their own time.
 */
export function summarize(db: Db, workspaceId: string, q: SummaryQuery) {
  const clicks = where('c', workspaceId, q)
  const leads = where('l', workspaceId, q)
  const sales = where('s', workspaceId, q)
  const key = q.groupBy ? GROUP_KEYS[q.groupBy] : () => 'NULL'
  const sql = `
    SELECT key, sum(clicks) AS clicks, sum(leads) AS leads, sum(sales) AS sales, sum(amount) AS saleAmount FROM (
      SELECT ${key('c')} AS key, count(*) AS clicks, 0 AS leads, 0 AS sales, 0 AS amount
        FROM clicks c WHERE ${clicks.sql} GROUP BY 1
      UNION ALL
      SELECT ${key('l')}, 0, count(*), 0, 0
        FROM leads l JOIN clicks c ON c.id = l.click_id WHERE ${leads.sql} GROUP BY 1
      UNION ALL
      SELECT ${key('s')}, 0, 0, count(*), sum(s.amount)
        FROM sales s JOIN clicks c ON c.id = s.click_id WHERE ${sales.sql} GROUP BY 1
    ) GROUP BY key
    ORDER BY ${q.groupBy && TIME_BUCKETS.has(q.groupBy) ? 'key ASC' : 'clicks DESC, sales DESC, leads DESC, key ASC'}`
  const rows = db.$client
    .query<{ key: string | number | null; clicks: number; leads: number; sales: number; saleAmount: number }, (string | number)[]>(sql)
    .all(...clicks.params, ...leads.params, ...sales.params)
    .map(
      (r): SummaryRow => ({
        key: q.groupBy === 'qr' ? r.key === 1 : (r.key as string | null),
        clicks: r.clicks,
        leads: r.leads,
        sales: r.sales,
        saleAmount: r.saleAmount,
      }),
    )
  if (q.groupBy) return rows
  const { key: _, ...totals } = rows[0] ?? { key: null, clicks: 0, leads: 0, sales: 0, saleAmount: 0 }
  return totals
}
