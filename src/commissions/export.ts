import type { Data } from '../db/data'
import { csvRow } from '../http/csv'
import type { ExportQuery } from './model'
import { whereOf } from './service'
import { COMMISSION_COLUMNS, commissionView, type CommissionRow } from './view'

/** Rows read per step of the stream: memory stays the same whatever the number of commissions. */
const PAGE = 2_000

type Row = CommissionRow & { partnerName: string | null; partnerEmail: string | null }

export const EXPORT_COLUMNS = [
  'id',
  'partnerId',
  'partnerName',
  'partnerEmail',
  'event',
  'status',
  'amount',
  'currency',
  'saleAmount',
  'customerId',
  'linkId',
  'clickId',
  'availableAt',
  'createdAt',
  'updatedAt',
] as const

function csvLine(r: Row): string {
  const c = commissionView(r)
  const values = { ...c, partnerName: r.partnerName, partnerEmail: r.partnerEmail }
  return csvRow(EXPORT_COLUMNS.map((k) => values[k]))
}

/**
 * The commissions of the list's filters as CSV, oldest first, streamed: each pull reads the next page
 * after the last (created_at, id) sent, so a slow client slows the reads instead of filling memory.
 * Partner names and emails go through csvRow, which neutralises formula-like values.
 */
export function exportCommissionsCsv(d: Data, workspaceId: string, q: ExportQuery): ReadableStream<string> {
  const w = whereOf(d, workspaceId, q)
  const page = `SELECT ${COMMISSION_COLUMNS}, p.name AS "partnerName", p.email AS "partnerEmail"
       FROM commissions c LEFT JOIN partners p ON p.id = c.partner_id
      WHERE ${w.sql} AND (c.created_at > ? OR (c.created_at = ? AND c.id > ?))
      ORDER BY c.created_at, c.id LIMIT ?`
  let after = { createdAt: Number.MIN_SAFE_INTEGER, id: '' }
  let headerSent = false
  return new ReadableStream<string>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true
        return controller.enqueue(csvRow([...EXPORT_COLUMNS]))
      }
      const rows = await d.all<Row>(page, [...w.params, after.createdAt, after.createdAt, after.id, PAGE])
      if (rows.length > 0) {
        controller.enqueue(rows.map(csvLine).join(''))
        const last = rows[rows.length - 1]
        after = { createdAt: last.createdAt, id: last.id }
      }
      if (rows.length < PAGE) controller.close()
    },
  })
}
