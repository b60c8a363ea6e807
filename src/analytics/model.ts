import * as v from 'valibot'
import { listQuery, Uuid } from '../http/resource'
import { msg } from '../http/validation'

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i

function realDate(s: string): boolean {
  const [y, m, d] = s.slice(0, 10).split('-').map(Number)
  const cal = new Date(Date.UTC(y, m - 1, d))
  return cal.getUTCMonth() === m - 1 && cal.getUTCDate() === d && !Number.isNaN(Date.parse(s))
}

/**
 * An ISO 8601 date-time with a time zone, or a plain date (UTC): a start date means its first
 * millisecond, an end date its last, so that `endDate=2024-01-31` includes all of January 31st.
 */
const dateBound = (edge: 'start' | 'end') =>
  v.pipe(
    v.string(),
    v.check(
      (s) => (DATE.test(s) || DATE_TIME.test(s)) && realDate(s),
      msg(
        'must be an ISO 8601 date or date-time, such as 2024-01-31 or 2024-01-31T23:59:59Z',
        'يجب أن يكون تاريخًا أو تاريخًا ووقتًا بصيغة ISO 8601، مثل 2024-01-31 أو 2024-01-31T23:59:59Z',
      ),
    ),
    v.transform((s) => (DATE.test(s) && edge === 'end' ? Date.parse(s) + 86_399_999 : Date.parse(s))),
  )

const filters = {
  linkId: v.optional(Uuid),
  partnerId: v.optional(Uuid),
  startDate: v.optional(dateBound('start')),
  endDate: v.optional(dateBound('end')),
}

export const AnalyticsQuery = listQuery(filters)

export const GROUP_BY = [
  'day',
  'hour',
  'link',
  'partner',
  'country',
  'city',
  'device',
  'browser',
  'os',
  'referrer',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'qr',
] as const

export const SummaryQuery = v.strictObject({
  ...filters,
  tenantId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(255))),
  groupBy: v.optional(v.picklist(GROUP_BY)),
})

export type AnalyticsQuery = v.InferOutput<typeof AnalyticsQuery>
export type SummaryQuery = v.InferOutput<typeof SummaryQuery>
export type GroupBy = (typeof GROUP_BY)[number]
