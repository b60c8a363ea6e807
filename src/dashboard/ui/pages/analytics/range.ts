/**
 * The date range of the analytics pages, as the API reads it. Preset ranges end now; 24 h is read
 * by the hour, longer ones by whole UTC days (the rollups' unit, so a summary over 90 days at 10M
 * clicks reads a few thousand rollup rows). A custom range is two plain dates, whole UTC days.
 */
export const RANGES = ['24h', '7d', '30d', '90d', 'custom'] as const
export type RangeKey = (typeof RANGES)[number]

export type Range = {
  key: RangeKey
  startDate: string
  endDate?: string
  groupBy: 'hour' | 'day'
  /** The start of every bucket in the range, in ms, oldest first: the chart's x values. */
  buckets: number[]
}

const HOUR = 3_600_000
const DAY = 86_400_000
const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit

function buckets(from: number, to: number, unit: number): number[] {
  const out: number[] = []
  for (let t = floorTo(from, unit); t <= to; t += unit) out.push(t)
  return out
}

/** A plain date that exists (2024-02-30 does not). */
export const isPlainDate = (s: string | null | undefined): s is string =>
  !!s && PLAIN_DATE.test(s) && isoDay(Date.parse(s)) === s

/**
 * The range named by the page's URL (`range`, and `start`/`end` for custom); anything unreadable
 * falls back to 30 days, and a custom range with its ends swapped is read the right way round.
 */
export function resolveRange(key: string | null, start: string | null, end: string | null, now = Date.now()): Range {
  if (key === '24h')
    return { key, startDate: new Date(now - 24 * HOUR).toISOString(), groupBy: 'hour', buckets: buckets(now - 24 * HOUR, now, HOUR) }
  if (key === 'custom' && isPlainDate(start) && isPlainDate(end)) {
    const [a, b] = start <= end ? [start, end] : [end, start]
    const from = Date.parse(a)
    const to = Math.min(Date.parse(b) + DAY - 1, Math.max(now, from))
    const byHour = Date.parse(b) - from < 2 * DAY
    return { key, startDate: a, endDate: b, groupBy: byHour ? 'hour' : 'day', buckets: buckets(from, to, byHour ? HOUR : DAY) }
  }
  const days = key === '7d' ? 7 : key === '90d' ? 90 : 30
  const from = floorTo(now, DAY) - (days - 1) * DAY
  return { key: key === '7d' || key === '90d' ? key : '30d', startDate: isoDay(from), groupBy: 'day', buckets: buckets(from, now, DAY) }
}

/** The ms of a summary's time key: `2024-01-31` or `2024-01-31T22:00:00Z`, both UTC. */
export const bucketTime = (key: string) => Date.parse(key.length === 10 ? `${key}T00:00:00Z` : key)

/** Default custom range shown when the user picks "custom": the last 7 UTC days. */
export function defaultCustom(now = Date.now()): { start: string; end: string } {
  return { start: isoDay(floorTo(now, DAY) - 6 * DAY), end: isoDay(now) }
}
