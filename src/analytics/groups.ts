import { CLICK, type ClickField } from '../clicks/row'
import type { Data } from '../db/data'

type Engine = Data['engine']

/**
 * A group key in SQL, given the alias of the counted row (`row`: a click, lead or sale; a lead or
 * sale carries its click's link and partner, and its own time), the alias of its click, and the
 * engine (SQLite when not given: the rollup thread's SQL).
 */
type Key = (row: string, click: string, engine?: Engine) => string
type Group = { key: Key; rollup: boolean; time?: true }

const own = (column: string): Key => (row) => `${row}.${column}`
const ofClick = (field: ClickField): Key => (_, click) => `${click}.${CLICK.column[field]}`
const utm = (name: string): Key => (_, click, engine) =>
  engine === 'pg' ? `(${click}.${CLICK.column.utm}::json ->> '${name}')` : `json_extract(${click}.${CLICK.column.utm}, '$.${name}')`

/** A UTC time bucket of `seconds` (SQL), as text: `format` is strftime's, `pgFormat` the same in to_char's words. */
export const timeText = (seconds: string, format: string, pgFormat: string, engine?: Engine) =>
  engine === 'pg' ? `to_char(to_timestamp(${seconds}) AT TIME ZONE 'UTC', '${pgFormat}')` : `strftime('${format}', ${seconds}, 'unixepoch')`
const bucket = (format: string, pgFormat: string): Key => (row, _, engine) => timeText(`${row}.created_at / 1000`, format, pgFormat, engine)

/**
 * Every groupBy of /api/analytics/summary, in the order the API lists them: the SQL of its key,
 * whether the rollups keep a dimension for it, and whether it is a time bucket (answered in time
 * order, not by clicks). `day` needs no dimension of its own: every rollup row has its day. `link`
 * has none: it is read through the clicks' link index, and would multiply the rollup rows by links.
 */
export const GROUPS = {
  day: { key: bucket('%Y-%m-%d', 'YYYY-MM-DD'), rollup: false, time: true },
  hour: { key: bucket('%Y-%m-%dT%H:00:00Z', 'YYYY-MM-DD"T"HH24:00:00"Z"'), rollup: true, time: true },
  link: { key: own('link_id'), rollup: false },
  partner: { key: own('partner_id'), rollup: true },
  country: { key: ofClick('countryCode'), rollup: true },
  city: { key: ofClick('city'), rollup: true },
  device: { key: ofClick('deviceType'), rollup: true },
  browser: { key: ofClick('browserName'), rollup: true },
  os: { key: ofClick('osName'), rollup: true },
  referrer: { key: ofClick('referrerHost'), rollup: true },
  utm_source: { key: utm('source'), rollup: true },
  utm_medium: { key: utm('medium'), rollup: true },
  utm_campaign: { key: utm('campaign'), rollup: true },
  qr: { key: ofClick('qr'), rollup: true },
  // '' is the host of HOKO_BASE_URL (see links.domain); the API shows it by its name.
  domain: { key: ofClick('domain'), rollup: true },
} satisfies Record<string, Group>

export type GroupBy = keyof typeof GROUPS
export const GROUP_BY = Object.keys(GROUPS) as [GroupBy, ...GroupBy[]]
