import type { Status } from './model'

export type CommissionRow = {
  id: string
  partner_id: string
  link_id: string
  customer_id: string
  click_id: string
  event: 'lead' | 'sale'
  amount: number
  currency: string
  sale_amount: number | null
  status: Status
  available_at: number
  created_at: number
  updated_at: number
}

export const COMMISSION_COLUMNS = 'c.id, c.partner_id, c.link_id, c.customer_id, c.click_id, c.event, c.amount, c.currency, c.sale_amount, c.status, c.available_at, c.created_at, c.updated_at'

const iso = (ms: number) => new Date(ms).toISOString()

export const commissionView = (r: CommissionRow) => ({
  id: r.id,
  partnerId: r.partner_id,
  linkId: r.link_id,
  customerId: r.customer_id,
  clickId: r.click_id,
  event: r.event,
  amount: r.amount,
  currency: r.currency,
  saleAmount: r.sale_amount,
  status: r.status,
  availableAt: iso(r.available_at),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
})
export type CommissionView = ReturnType<typeof commissionView>
