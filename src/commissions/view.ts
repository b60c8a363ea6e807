import type * as v from 'valibot'
import { sameShape } from '../http/same-shape'
import type { CommissionViewSchema } from './model'
import { TableColumns } from '../db/columns'
import { commissions } from '../db/schema'

export type CommissionRow = typeof commissions.$inferSelect
export const COMMISSION = new TableColumns<keyof CommissionRow>(commissions)

/** The columns of `commissions c` read back under their field names (quoted: PostgreSQL folds names to lower case), for queries that join partners. */
export const COMMISSION_COLUMNS = COMMISSION.fields.map((f) => `c.${COMMISSION.column[f]} AS "${f}"`).join(', ')

const iso = (ms: number) => new Date(ms).toISOString()

export const commissionView = (r: CommissionRow) => ({
  id: r.id,
  partnerId: r.partnerId,
  linkId: r.linkId,
  customerId: r.customerId,
  clickId: r.clickId,
  event: r.event,
  amount: r.amount,
  currency: r.currency,
  saleAmount: r.saleAmount,
  status: r.status,
  availableAt: iso(r.availableAt),
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
})
export type CommissionView = ReturnType<typeof commissionView>
// The answer and its documented schema (./model) cannot drift apart.
sameShape<CommissionView, v.InferOutput<typeof CommissionViewSchema>>()
