import type { Db } from '../db'
import { HokoError } from '../http/errors'
import type { AnalyticsQuery, GroupBy, SummaryQuery } from './model'

type Filters = Pick<SummaryQuery, 'linkId' | 'partnerId' | 'tenantId' | 'startDate' | 'endDate'>

/**
 * WHERE clause shared by the click list and the summary: the workspace, never bots, link and partner
 * (either, as every id filter of the API), tenant, and the inclusive date range.
 */
function where(workspaceId: string, f: Filters): { sql: string; params: (string | number)[] } {
  if (f.startDate !== undefined && f.endDate !== undefined && f.startDate > f.endDate)
    throw HokoError.validation('endDate: must not be before startDate', 'endDate: يجب ألا يسبق تاريخ البداية startDate')
  const parts = ['workspace_id = ?', 'bot = 0']
  const params: (string | number)[] = [workspaceId]
  const ids: string[] = []
  if (f.linkId) {
    ids.push('link_id = ?')
    params.push(f.linkId)
  }
  if (f.partnerId) {
    ids.push('partner_id = ?')
    params.push(f.partnerId)
  }
  if (ids.length) parts.push(`(${ids.join(' OR ')})`)
  if (f.tenantId !== undefined) {
    parts.push('tenant_id = ?')
    params.push(f.tenantId)
  }
  if (f.startDate !== undefined) {
    parts.push('created_at >= ?')
    params.push(f.startDate)
  }
  if (f.endDate !== undefined) {
    parts.push('created_at <= ?')
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
  const w = where(workspaceId, q)
  const dir = q.sort === 'asc' ? 'ASC' : 'DESC'
  return db.$client
    .query<ClickRaw, (string | number)[]>(
      `SELECT id, link_id, partner_id, visitor_id, visitor_session_id, referrer, destination, short_id, utm, external_id,
              tenant_id, browser_name, browser_version, os_name, os_version, device_type, country, country_code, city,
              created_at, qr
         FROM clicks WHERE ${w.sql} ORDER BY created_at ${dir}, id ${dir} LIMIT ? OFFSET ?`,
    )
    .all(...w.params, q.take, q.skip)
    .map(clickView)
}

const GROUP_KEYS: Record<GroupBy, string> = {
  day: "strftime('%Y-%m-%d', created_at / 1000, 'unixepoch')",
  hour: "strftime('%Y-%m-%dT%H:00:00Z', created_at / 1000, 'unixepoch')",
  link: 'link_id',
  partner: 'partner_id',
  country: 'country_code',
  city: 'city',
  device: 'device_type',
  browser: 'browser_name',
  os: 'os_name',
  referrer: 'referrer_host',
  utm_source: "json_extract(utm, '$.source')",
  utm_medium: "json_extract(utm, '$.medium')",
  utm_campaign: "json_extract(utm, '$.campaign')",
  qr: 'qr',
}
const TIME_BUCKETS = new Set<GroupBy>(['day', 'hour'])

export type SummaryRow = { key: string | boolean | null; clicks: number; leads: number; sales: number; saleAmount: number }

/** Totals, or totals per group: time buckets in time order, everything else by clicks, most first. */
export function summarize(db: Db, workspaceId: string, q: SummaryQuery) {
  const w = where(workspaceId, q)
  if (!q.groupBy) {
    const row = db.$client.query<{ clicks: number }, (string | number)[]>(`SELECT count(*) AS clicks FROM clicks WHERE ${w.sql}`).get(...w.params)
    return { clicks: row?.clicks ?? 0, leads: 0, sales: 0, saleAmount: 0 }
  }
  const key = GROUP_KEYS[q.groupBy]
  const order = TIME_BUCKETS.has(q.groupBy) ? 'key ASC' : 'clicks DESC, key ASC'
  return db.$client
    .query<{ key: string | number | null; clicks: number }, (string | number)[]>(
      `SELECT ${key} AS key, count(*) AS clicks FROM clicks WHERE ${w.sql} GROUP BY 1 ORDER BY ${order}`,
    )
    .all(...w.params)
    .map(
      (r): SummaryRow => ({
        key: q.groupBy === 'qr' ? r.key === 1 : (r.key as string | null),
        clicks: r.clicks,
        leads: 0,
        sales: 0,
        saleAmount: 0,
      }),
    )
}
