import { api } from '../../api'
import { bucketTime, type Range } from './range'

/** A row of /api/analytics/summary (see README: saleAmountByCurrency keeps each currency apart). */
export type SummaryRow = {
  key: string | boolean | null
  clicks: number
  leads: number
  sales: number
  saleAmountByCurrency: Record<string, number>
}
export type Totals = Omit<SummaryRow, 'key'>

export type Click = {
  id: string
  linkId: string
  shortId: string
  referrer: string | null
  browserName: string | null
  osName: string | null
  deviceType: string | null
  country: string | null
  countryCode: string | null
  city: string | null
  createdAt: string
  qr: boolean
}

export const FILTERS = ['linkId', 'collectionId', 'tagId', 'partnerId', 'country', 'device'] as const
export type Filters = Partial<Record<(typeof FILTERS)[number], string>>

export const TOP_GROUPS = ['country', 'city', 'referrer', 'browser', 'os', 'device', 'utm_source', 'utm_medium', 'utm_campaign', 'qr'] as const
export type TopGroup = (typeof TOP_GROUPS)[number]
const TOP_N = 10
export const RECENT_PAGE = 20

/** The API query of a range and filters: AND across filters (README), every value as typed by the API. */
export function query(range: Pick<Range, 'startDate' | 'endDate'>, f: Filters, extra: Record<string, string | number> = {}) {
  const q = new URLSearchParams()
  q.set('startDate', range.startDate)
  if (range.endDate) q.set('endDate', range.endDate)
  for (const k of FILTERS) if (f[k]) q.set(k, f[k]!)
  for (const [k, v] of Object.entries(extra)) q.set(k, String(v))
  return q.toString()
}

export type Series = { x: number[]; clicks: number[]; leads: number[]; sales: number[]; revenue: Record<string, number[]> }

/** Summary time rows laid on every bucket of the range (the API leaves empty buckets out). */
export function toSeries(range: Range, rows: SummaryRow[]): Series {
  const at = new Map(range.buckets.map((t, i) => [t, i]))
  const n = range.buckets.length
  const s: Series = { x: range.buckets, clicks: Array(n).fill(0), leads: Array(n).fill(0), sales: Array(n).fill(0), revenue: {} }
  for (const r of rows) {
    const i = typeof r.key === 'string' ? at.get(bucketTime(r.key)) : undefined
    if (i === undefined) continue
    s.clicks[i] = r.clicks
    s.leads[i] = r.leads
    s.sales[i] = r.sales
    for (const [cur, amount] of Object.entries(r.saleAmountByCurrency ?? {})) (s.revenue[cur] ??= Array(n).fill(0))[i] = amount
  }
  return s
}

export type Report = { totals: Totals; series: Series; tops: Record<TopGroup, SummaryRow[]> }

/**
 * Everything but the recent clicks, read from the summary only: totals, one time series and the
 * top ten of each list — a dozen small answers, whatever the number of clicks.
 */
export async function loadReport(range: Range, f: Filters): Promise<Report> {
  const summary = <T>(extra: Record<string, string | number> = {}) => api<T>(`/api/analytics/summary?${query(range, f, extra)}`)
  const [totals, time, ...tops] = await Promise.all([
    summary<Totals>(),
    summary<SummaryRow[]>({ groupBy: range.groupBy }),
    ...TOP_GROUPS.map((g) => summary<SummaryRow[]>({ groupBy: g, take: TOP_N })),
  ])
  return {
    totals,
    series: toSeries(range, time),
    tops: Object.fromEntries(TOP_GROUPS.map((g, i) => [g, tops[i]!])) as Record<TopGroup, SummaryRow[]>,
  }
}

export const loadClicks = (range: Range, f: Filters, skip: number) =>
  api<Click[]>(`/api/analytics?${query(range, f, { take: RECENT_PAGE, skip })}`)
