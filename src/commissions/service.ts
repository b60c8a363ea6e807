import type { Db } from '../db'
import { HokoError } from '../http/errors'
import { requireLiveIds } from '../http/resource'
import type { Outbox } from '../webhooks/outbox'
import { type CommissionQuery, type CommissionUpdate, COMMISSION_NOUN, type Filters, type SummaryQuery, TRANSITIONS } from './model'
import { COMMISSION, COMMISSION_COLUMNS, commissionView, type CommissionRow } from './view'

/** The filters as SQL over `commissions c`: any value of one filter matches (OR), the filters narrow (AND). */
export function whereOf(workspaceId: string, q: Filters) {
  if (q.startDate !== undefined && q.endDate !== undefined && q.startDate > q.endDate) throw new HokoError('end_before_start')
  const parts = ['c.workspace_id = ?']
  const params: (string | number)[] = [workspaceId]
  for (const [column, values] of [['c.id', q.id], ['c.partner_id', q.partnerId], ['c.status', q.status]] as const) {
    if (!values?.length) continue
    parts.push(`${column} IN (SELECT value FROM json_each(?))`)
    params.push(JSON.stringify(values))
  }
  if (q.startDate !== undefined) parts.push('c.created_at >= ?') && params.push(q.startDate)
  if (q.endDate !== undefined) parts.push('c.created_at <= ?') && params.push(q.endDate)
  return { sql: parts.join(' AND '), params }
}

/** GET /api/commissions: newest first unless asked, with how many the filters select in all. */
export function listCommissions(db: Db, workspaceId: string, q: CommissionQuery) {
  const w = whereOf(workspaceId, q)
  const dir = q.sort === 'asc' ? 'ASC' : 'DESC'
  const rows = db.$client
    .query<CommissionRow, (string | number)[]>(
      `SELECT ${COMMISSION_COLUMNS} FROM commissions c WHERE ${w.sql} ORDER BY c.created_at ${dir}, c.id ${dir} LIMIT ? OFFSET ?`,
    )
    .all(...w.params, q.take, q.skip)
  const { total } = db.$client.query<{ total: number }, (string | number)[]>(`SELECT count(*) AS total FROM commissions c WHERE ${w.sql}`).get(...w.params)!
  return { items: rows.map(commissionView), total }
}

/**
 * PUT /api/commissions: every change is checked before any is written, so the batch is all or
 * nothing; each one tells webhooks commission.updated in the same transaction.
 */
export function updateCommissions(db: Db, outbox: Outbox, workspaceId: string, items: CommissionUpdate[]) {
  const c = db.$client
  const get = c.prepare<CommissionRow, [string]>(`SELECT ${COMMISSION_COLUMNS} FROM commissions c WHERE c.id = ?`)
  const set = c.prepare<CommissionRow, { $status: string; $updatedAt: number; $id: string }>(
    `UPDATE commissions SET status = $status, updated_at = $updatedAt WHERE id = $id RETURNING ${COMMISSION.select()}`,
  )
  return db.transaction(
    () => {
      requireLiveIds(db, 'commissions', workspaceId, items.map((i) => i.id), COMMISSION_NOUN)
      const now = Date.now()
      const rows = items.map((item, i) => {
        const row = get.get(item.id)!
        const path = `commissions[${i}]`
        if (!TRANSITIONS[row.status].includes(item.status))
          throw new HokoError('commission_transition', { path, id: item.id, from: row.status, to: item.status })
        if (item.status === 'approved' && now < row.availableAt && !item.force)
          throw new HokoError('commission_on_hold', { path, id: item.id, availableAt: new Date(row.availableAt).toISOString() })
        return row
      })
      const views = rows.map((row, i) => commissionView(set.get({ $status: items[i].status, $updatedAt: now, $id: row.id })!))
      outbox.emit(workspaceId, 'commission.updated', () => views)
      return views
    },
    { behavior: 'immediate' },
  )
}

const GROUPS = {
  partner: { select: 'c.partner_id AS partnerId, p.name AS partnerName, p.email AS partnerEmail', by: 'c.partner_id' },
  status: { select: 'c.status AS status', by: 'c.status' },
  currency: { select: '', by: '' },
  month: { select: "strftime('%Y-%m', c.created_at / 1000, 'unixepoch') AS month", by: 'month' },
} as const

/**
 * GET /api/commissions/summary: one row per group and currency, with how many commissions and
 * their amount. Amounts of different currencies are never added together.
 */
export function summarizeCommissions(db: Db, workspaceId: string, q: SummaryQuery) {
  const w = whereOf(workspaceId, q)
  const g = GROUPS[q.groupBy]
  const select = [g.select, 'c.currency AS currency', 'count(*) AS count', 'sum(c.amount) AS amount', 'sum(c.sale_amount) AS saleAmount'].filter(Boolean)
  const by = [g.by, 'c.currency'].filter(Boolean).join(', ')
  return db.$client
    .query<Record<string, string | number | null>, (string | number)[]>(
      `SELECT ${select.join(', ')} FROM commissions c LEFT JOIN partners p ON p.id = c.partner_id
        WHERE ${w.sql} GROUP BY ${by} ORDER BY ${by}`,
    )
    .all(...w.params)
}
