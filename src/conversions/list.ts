import type * as v from 'valibot'
import type { Data } from '../db/data'
import { HokoError } from '../http/errors'
import { sameShape } from '../http/same-shape'
import type { ConversionQuery, LeadViewSchema, SaleViewSchema } from './model'

type EventRow = {
  id: string
  event_name: string
  metadata: string | null
  created_at: number
  click_id: string
  link_id: string
  short_id: string | null
  partner_id: string | null
  customer_id: string
}
type SaleRow = EventRow & { amount: number; currency: string; lead_id: string | null }

/** What each event has beyond the object of its track response: where it was attributed, and to whom. */
const attribution = (r: EventRow) => ({
  createdAt: new Date(r.created_at).toISOString(),
  clickId: r.click_id,
  linkId: r.link_id,
  shortId: r.short_id,
  partnerId: r.partner_id,
  customerId: r.customer_id,
})
const metadataOf = (r: EventRow) => (r.metadata === null ? null : (JSON.parse(r.metadata) as Record<string, unknown>))

const VIEWS = {
  leads: { columns: '', view: (r: EventRow) => ({ id: r.id, eventName: r.event_name, metadata: metadataOf(r), ...attribution(r) }) },
  sales: {
    columns: ', e.amount, e.currency, e.lead_id',
    view: (r: SaleRow) => ({
      id: r.id,
      amount: r.amount,
      currency: r.currency,
      eventName: r.event_name,
      metadata: metadataOf(r),
      ...attribution(r),
      leadId: r.lead_id,
    }),
  },
}

/**
 * GET /api/leads and /api/sales: a workspace's events, newest first unless asked, with how many the
 * filters select in all. The link's shortId is read from the link, deleted or not.
 */
export async function listConversions<K extends keyof typeof VIEWS>(d: Data, table: K, workspaceId: string, q: ConversionQuery) {
  if (q.startDate !== undefined && q.endDate !== undefined && q.startDate > q.endDate) throw new HokoError('end_before_start')
  const parts = ['e.workspace_id = ?']
  const params: (string | number)[] = [workspaceId]
  const ids: string[] = []
  for (const [column, value] of [['customer_id', q.customerId], ['link_id', q.linkId], ['partner_id', q.partnerId]] as const) {
    if (value === undefined) continue
    ids.push(`e.${column} = ?`)
    params.push(value)
  }
  if (ids.length) parts.push(`(${ids.join(' OR ')})`)
  if (q.startDate !== undefined) parts.push('e.created_at >= ?') && params.push(q.startDate)
  if (q.endDate !== undefined) parts.push('e.created_at <= ?') && params.push(q.endDate)
  const where = parts.join(' AND ')
  const dir = q.sort === 'asc' ? 'ASC' : 'DESC'
  const { columns, view } = VIEWS[table]
  const rows = await d.all<SaleRow>(
    `SELECT e.id, e.event_name, e.metadata, e.created_at, e.click_id, e.link_id, l.short_id, e.partner_id, e.customer_id${columns}
       FROM ${table} e LEFT JOIN links l ON l.id = e.link_id
      WHERE ${where} ORDER BY e.created_at ${dir}, e.id ${dir} LIMIT ? OFFSET ?`,
    [...params, q.take, q.skip],
  )
  const { total } = (await d.get<{ total: number }>(`SELECT count(*) AS total FROM ${table} e WHERE ${where}`, params))!
  return { items: rows.map((r) => view(r) as ReturnType<(typeof VIEWS)[K]['view']>), total }
}

// The views and their documented schemas (./model) cannot drift apart.
sameShape<ReturnType<typeof VIEWS.leads.view>, v.InferOutput<typeof LeadViewSchema>>()
sameShape<ReturnType<typeof VIEWS.sales.view>, v.InferOutput<typeof SaleViewSchema>>()
