import type { Data } from '../db/data'
import { HokoError } from '../http/errors'
import { requireLiveIds } from '../http/resource'
import type { Outbox } from '../webhooks/outbox'
import { type CommissionQuery, type CommissionUpdate, COMMISSION_NOUN, type Filters, type SummaryQuery, TRANSITIONS } from './model'
import { COMMISSION, COMMISSION_COLUMNS, commissionView, type CommissionRow } from './view'

/** The filters as SQL over `commissions c`: any value of one filter matches (OR), the filters narrow (AND). */
export function whereOf(d: Data, workspaceId: string, q: Filters) {
  if (q.startDate !== undefined && q.endDate !== undefined && q.startDate > q.endDate) throw new HokoError('end_before_start')
  const parts = ['c.workspace_id = ?']
  const params: (string | number)[] = [workspaceId]
  for (const [column, values] of [['c.id', q.id], ['c.partner_id', q.partnerId], ['c.status', q.status]] as const) {
    if (!values?.length) continue
    parts.push(`${column} IN (SELECT value FROM ${d.list})`)
    params.push(JSON.stringify(values))
  }
  if (q.startDate !== undefined) parts.push('c.created_at >= ?') && params.push(q.startDate)
  if (q.endDate !== undefined) parts.push('c.created_at <= ?') && params.push(q.endDate)
  return { sql: parts.join(' AND '), params }
}

/** GET /api/commissions: newest first unless asked, with how many the filters select in all. */
export async function listCommissions(d: Data, workspaceId: string, q: CommissionQuery) {
  const w = whereOf(d, workspaceId, q)
  const dir = q.sort === 'asc' ? 'ASC' : 'DESC'
  const rows = await d.all<CommissionRow>(
    `SELECT ${COMMISSION_COLUMNS} FROM commissions c WHERE ${w.sql} ORDER BY c.created_at ${dir}, c.id ${dir} LIMIT ? OFFSET ?`,
    [...w.params, q.take, q.skip],
  )
  const { total } = (await d.get<{ total: number }>(`SELECT count(*) AS total FROM commissions c WHERE ${w.sql}`, w.params))!
  return { items: rows.map(commissionView), total }
}

/**
 * PUT /api/commissions: every change is checked before any is written, so the batch is all or
 * nothing; each one tells webhooks commission.updated in the same transaction. On PostgreSQL the rows
 * are locked while checked, so that two instances moving the same commission take turns and the
 * second sees the first one's status.
 */
export function updateCommissions(d: Data, outbox: Outbox, workspaceId: string, items: CommissionUpdate[]) {
  return d.tx(async (tx) => {
    const ids = items.map((i) => i.id)
    await requireLiveIds(tx, 'commissions', workspaceId, ids, COMMISSION_NOUN)
    const list = JSON.stringify(ids)
    const current = await tx.all<CommissionRow>(
      `SELECT ${COMMISSION_COLUMNS} FROM commissions c WHERE c.id IN (SELECT value FROM ${tx.list})${tx.engine === 'pg' ? ' FOR UPDATE' : ''}`,
      [list],
    )
    const byId = new Map(current.map((r) => [r.id, r]))
    const now = Date.now()
    items.forEach((item, i) => {
      const row = byId.get(item.id)!
      const path = `commissions[${i}]`
      if (!TRANSITIONS[row.status].includes(item.status))
        throw new HokoError('commission_transition', { path, id: item.id, from: row.status, to: item.status })
      if (item.status === 'approved' && now < row.availableAt && !item.force)
        throw new HokoError('commission_on_hold', { path, id: item.id, availableAt: new Date(row.availableAt).toISOString() })
    })
    // One statement per status asked for, however many commissions.
    const toStatus = Map.groupBy(items, (item) => item.status)
    const updated = new Map<string, CommissionRow>()
    for (const [status, group] of toStatus)
      for (const row of await tx.all<CommissionRow>(
        `UPDATE commissions SET status = ?, updated_at = ? WHERE id IN (SELECT value FROM ${tx.list}) RETURNING ${COMMISSION.select()}`,
        [status, now, JSON.stringify(group.map((g) => g.id))],
      ))
        updated.set(row.id, row)
    const views = items.map((item) => commissionView(updated.get(item.id)!))
    await outbox.emit(tx, workspaceId, 'commission.updated', () => views)
    return views
  })
}

const GROUPS = {
  // The partner's name and email follow from its id: grouped by too, as PostgreSQL asks.
  partner: () => ({ select: 'c.partner_id AS "partnerId", p.name AS "partnerName", p.email AS "partnerEmail"', by: 'c.partner_id, p.name, p.email' }),
  status: () => ({ select: 'c.status AS status', by: 'c.status' }),
  currency: () => ({ select: '', by: '' }),
  // The month of created_at (Unix ms), in UTC.
  month: (engine: Data['engine']) => ({
    select: `${engine === 'pg' ? "to_char(to_timestamp(c.created_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM')" : "strftime('%Y-%m', c.created_at / 1000, 'unixepoch')"} AS month`,
    by: 'month',
  }),
}

/**
 * GET /api/commissions/summary: one row per group and currency, with how many commissions and
 * their amount. Amounts of different currencies are never added together.
 */
export function summarizeCommissions(d: Data, workspaceId: string, q: SummaryQuery) {
  const w = whereOf(d, workspaceId, q)
  const g = GROUPS[q.groupBy](d.engine)
  const select = [
    g.select,
    'c.currency AS currency',
    'count(*) AS count',
    // A PostgreSQL sum of bigints is numeric (read as text): every amount fits a bigint.
    'CAST(sum(c.amount) AS BIGINT) AS amount',
    'CAST(sum(c.sale_amount) AS BIGINT) AS "saleAmount"',
  ].filter(Boolean)
  const by = [g.by, 'c.currency'].filter(Boolean).join(', ')
  return d.all<Record<string, string | number | null>>(
    `SELECT ${select.join(', ')} FROM commissions c LEFT JOIN partners p ON p.id = c.partner_id
      WHERE ${w.sql} GROUP BY ${by} ORDER BY ${by}`,
    w.params,
  )
}
