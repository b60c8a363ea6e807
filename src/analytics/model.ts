import * as v from 'valibot'
import { ISO_DATE, ISO_DATE_TIME, isRealDate } from '../dates'
import { HostName } from '../domains/hostname'
import { listQuery, Uuid } from '../http/resource'
import { msg } from '../http/validation'
import { GROUP_BY } from './groups'

/**
 * An ISO 8601 date-time with a time zone, or a plain date (UTC): a start date means its first
 * millisecond, an end date its last, so that `endDate=2024-01-31` includes all of January 31st.
 */
const dateBound = (edge: 'start' | 'end') =>
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

const filters = {
  linkId: v.optional(Uuid),
  partnerId: v.optional(Uuid),
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
})

export type AnalyticsQuery = v.InferOutput<typeof AnalyticsQuery>
export type SummaryQuery = v.InferOutput<typeof SummaryQuery>
export type { GroupBy } from './groups'
