import * as v from 'valibot'
import { ISO_DATE, ISO_DATE_TIME, isRealDate } from '../dates'
import { DEVICE_TYPES } from '../clicks/ua'
import { listQuery, MAX_BATCH, oneOrMany, Uuid } from '../http/resource'
import { CountryCode } from '../links/model'
import { HostName } from '../domains/hostname'
import { msg } from '../http/validation'
import { GROUP_BY } from './groups'

/**
 * An ISO 8601 date-time with a time zone, or a plain date (UTC): a start date means its first
 * millisecond, an end date its last, so that `endDate=2024-01-31` includes all of January 31st.
 */
export const dateBound = (edge: 'start' | 'end') =>
  v.pipe(
    v.string(),
    v.check(
      (s) => (ISO_DATE.test(s) || ISO_DATE_TIME.test(s)) && isRealDate(s),
      msg(
        'must be an ISO 8601 date or date-time, such as 2024-01-31 or 2024-01-31T23:59:59Z',
        'يجب أن يكون تاريخًا أو تاريخًا ووقتًا بصيغة ISO 8601، مثل 2024-01-31 أو 2024-01-31T23:59:59Z',
      ),
    ),
    v.transform((s) => (ISO_DATE.test(s) && edge === 'end' ? Date.parse(s) + 86_399_999 : Date.parse(s))),
  )

/**
 * linkId and partnerId are the spec's id filters: either matches (OR). Each of the others narrows the
 * answer (AND), and takes one value or several, of which any matches (OR).
 */
const filters = {
  linkId: v.optional(Uuid),
  partnerId: v.optional(Uuid),
  collectionId: v.optional(oneOrMany(Uuid)),
  tagId: v.optional(oneOrMany(Uuid)),
  country: v.optional(oneOrMany(CountryCode, 250)),
  device: v.optional(oneOrMany(v.picklist(DEVICE_TYPES))),
  /** The host of the clicked short URL: the base host's name or a domain's. */
  domain: v.optional(HostName),
  startDate: v.optional(dateBound('start')),
  endDate: v.optional(dateBound('end')),
}

export const AnalyticsQuery = listQuery(filters)

export const SummaryQuery = v.strictObject({
  ...filters,
  tenantId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(255))),
  groupBy: v.optional(v.picklist(GROUP_BY)),
  /** With groupBy: only the first rows (the top N); a dashboard's top lists need not carry every city. */
  take: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,9}$/, msg('must be a whole number', 'يجب أن يكون عددًا صحيحًا')),
      v.transform(Number),
      v.minValue(1),
      v.maxValue(MAX_BATCH),
    ),
  ),
})

/** GET /api/analytics/export: every click in the range, no paging (the answer is streamed). */
export const ExportQuery = v.strictObject({ ...filters, format: v.optional(v.picklist(['csv', 'ndjson']), 'csv') })

export type AnalyticsQuery = v.InferOutput<typeof AnalyticsQuery>
export type SummaryQuery = v.InferOutput<typeof SummaryQuery>
export type ExportQuery = v.InferOutput<typeof ExportQuery>
export type { GroupBy } from './groups'

const totals = {
  clicks: v.number(),
  leads: v.number(),
  sales: v.number(),
  saleAmount: v.number(),
  /** Amounts per currency (lower-case code): amounts in different currencies do not add up. */
  saleAmountByCurrency: v.record(v.string(), v.number()),
}
/** GET /api/analytics/summary: the totals, or one row per group with groupBy (summarize in ./service is checked against it). */
export const SummarySchema = v.union([
  v.strictObject(totals),
  v.array(v.strictObject({ key: v.union([v.string(), v.boolean(), v.null()]), ...totals })),
])

const nullableText = v.nullable(v.string())
/** A click in GET /api/analytics (clickView in ./service is checked against it). */
export const ClickViewSchema = v.strictObject({
  id: v.string(),
  linkId: v.string(),
  partnerId: nullableText,
  visitorId: nullableText,
  visitorSessionId: nullableText,
  referrer: nullableText,
  destination: v.string(),
  shortId: v.string(),
  domain: v.string(),
  utm: v.nullable(v.record(v.string(), v.string())),
  externalId: nullableText,
  tenantId: nullableText,
  browserName: nullableText,
  browserVersion: nullableText,
  osName: nullableText,
  osVersion: nullableText,
  deviceType: nullableText,
  country: nullableText,
  countryCode: nullableText,
  city: nullableText,
  createdAt: v.string(),
  qr: v.boolean(),
})
