import type { Data } from '../db/data'
import { CLICK, type ClickRow } from '../clicks/row'
import { csvRow } from '../http/csv'
import { UTM_KEYS } from '../links/model'
import type { ExportQuery } from './model'
import { CLICK_VIEW, clickView, forStorage, where } from './service'

/** Clicks read per step of the stream: memory stays the same at ten million clicks as at ten. */
const PAGE = 2_000

type Row = Pick<ClickRow, (typeof CLICK_VIEW)[number]> & { rid: number }
type View = ReturnType<typeof clickView>

/** The CSV columns: the click object's fields, utm spread over one column per key. */
const COLUMNS = [...CLICK_VIEW.filter((f) => f !== 'utm'), ...UTM_KEYS.map((k) => `utm_${k}`)]
const csvLine = (c: View) =>
  csvRow([...CLICK_VIEW.filter((f) => f !== 'utm').map((f) => c[f as Exclude<(typeof CLICK_VIEW)[number], 'utm'>]), ...UTM_KEYS.map((k) => c.utm?.[k] ?? null)])

/**
 * The clicks of GET /api/analytics's filters (bots excluded), oldest first, as CSV or NDJSON. A
 * ReadableStream that reads the next page after the last rowid (time and order) it sent each time
 * the client is ready for more: the workspace's index gives the order, nothing is held
 * beyond one page, and a slow client slows the reads instead of filling memory.
 */
export function exportClicks(d: Data, workspaceId: string, q: ExportQuery, baseHost: string): ReadableStream<string> {
  const w = where(d, 'c', workspaceId, forStorage(q, baseHost))
  const page = `SELECT ${CLICK.select(CLICK_VIEW)}, c.rid AS rid FROM clicks c WHERE ${w.sql} AND c.rid > ? ORDER BY c.rid LIMIT ?`
  let after = Number.MIN_SAFE_INTEGER
  let headerSent = q.format !== 'csv'
  return new ReadableStream<string>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true
        return controller.enqueue(csvRow(COLUMNS))
      }
      const rows = await d.all<Row>(page, [...w.params, after, PAGE])
      if (rows.length > 0) {
        after = rows[rows.length - 1].rid
        const views = rows.map(({ rid: _, ...c }) => clickView(c, baseHost))
        controller.enqueue(q.format === 'csv' ? views.map(csvLine).join('') : views.map((c) => `${JSON.stringify(c)}\n`).join(''))
      }
      if (rows.length < PAGE) controller.close()
    },
  })
}
