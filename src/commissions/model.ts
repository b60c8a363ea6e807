import * as v from 'valibot'
import { dateBound } from '../analytics/model'
import { batchOf, listQuery, type Noun, oneOrMany, Uuid } from '../http/resource'

export const COMMISSION_NOUN: Noun = { en: 'commission', ar: 'عمولة' }

export const STATUSES = ['pending', 'approved', 'paid', 'canceled'] as const
export type Status = (typeof STATUSES)[number]

/** pending → approved → paid; pending or approved → canceled. Nothing else, not even a status to itself. */
export const TRANSITIONS: Record<Status, readonly Status[]> = {
  pending: ['approved', 'canceled'],
  approved: ['paid', 'canceled'],
  paid: [],
  canceled: [],
}

/** Each filter takes one value or several (any matches); the filters narrow each other. */
const filters = {
  id: v.optional(oneOrMany(Uuid)),
  partnerId: v.optional(oneOrMany(Uuid)),
  status: v.optional(oneOrMany(v.picklist(STATUSES))),
  startDate: v.optional(dateBound('start')),
  endDate: v.optional(dateBound('end')),
}

export const CommissionQuery = listQuery(filters)
export const SummaryQuery = v.strictObject({ ...filters, groupBy: v.optional(v.picklist(['partner', 'status', 'currency', 'month']), 'currency') })
export const ExportQuery = v.strictObject({ ...filters, format: v.optional(v.picklist(['csv']), 'csv') })

export const CommissionUpdate = v.strictObject({
  id: Uuid,
  status: v.picklist(STATUSES),
  /** Approve before the end of the hold period (availableAt). */
  force: v.optional(v.boolean(), false),
})
export const UpdateCommissionsBody = batchOf(CommissionUpdate)

export type Filters = Pick<v.InferOutput<typeof SummaryQuery>, keyof typeof filters>
export type CommissionQuery = v.InferOutput<typeof CommissionQuery>
export type SummaryQuery = v.InferOutput<typeof SummaryQuery>
export type ExportQuery = v.InferOutput<typeof ExportQuery>
export type CommissionUpdate = v.InferOutput<typeof CommissionUpdate>

/** A commission as answered (src/commissions/view.ts), checked against the view by the type below. */
export const CommissionViewSchema = v.strictObject({
  id: v.string(),
  partnerId: v.string(),
  linkId: v.string(),
  customerId: v.string(),
  clickId: v.string(),
  event: v.picklist(['lead', 'sale']),
  amount: v.number(),
  currency: v.string(),
  saleAmount: v.nullable(v.number()),
  status: v.picklist(STATUSES),
  availableAt: v.string(),
  createdAt: v.string(),
  updatedAt: v.string(),
})
export const CommissionViewList = v.array(CommissionViewSchema)

/** A row of GET /api/commissions/summary: the group's own fields, then its currency and totals. */
export const CommissionSummaryList = v.array(
  v.strictObject({
    partnerId: v.optional(v.nullable(v.string())),
    partnerName: v.optional(v.nullable(v.string())),
    partnerEmail: v.optional(v.nullable(v.string())),
    status: v.optional(v.picklist(STATUSES)),
    month: v.optional(v.string()),
    currency: v.string(),
    count: v.number(),
    amount: v.number(),
    saleAmount: v.nullable(v.number()),
  }),
)
