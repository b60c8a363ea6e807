import type { Db } from '../db'
import { startDbThread } from '../db/thread'
import { type GroupBy, GROUPS } from './groups'

/** The groupBy dimensions the rollups keep (see GROUPS), each with the SQL of its key on a click. */
export const ROLLUP_DIMS = Object.fromEntries(
  Object.entries(GROUPS).flatMap(([dim, g]) => (g.rollup ? [[dim, g.key('clicks', 'clicks')]] : [])),
) as Record<RolledUp, string>
type RolledUp = { [K in GroupBy]: (typeof GROUPS)[K]['rollup'] extends true ? K : never }[GroupBy]
export type RollupDim = RolledUp | 'total'

/**
 * The rollup thread. Reading new clicks never blocks the click writer (WAL); it aggregates them in
 * memory, 5,000 clicks at a time, and writes their upserts and the new mark in one short
 * transaction — short, because the click writer waits for it — so that the rollups always count
 * exactly the clicks up to the mark, after a crash too.
 */
const WORKER_SOURCE = `
import { Database } from 'bun:sqlite'
const DIMS = ${JSON.stringify(ROLLUP_DIMS)}
const CHUNK = 5000
let db, timer, stopping = false
const statements = []
self.onmessage = (event) => {
  if (event.data === 'stop') {
    stopping = true
    clearTimeout(timer)
    for (const s of statements) s.finalize()
    db?.close()
    return self.postMessage('stopped')
  }
  db = new Database(event.data.path)
  db.exec('PRAGMA busy_timeout = 5000')
  const markOf = db.prepare('SELECT click_rowid AS mark FROM rollup_state WHERE id = 1')
  const last = db.prepare('SELECT max(rowid) AS last FROM clicks')
  const select = db.prepare('SELECT workspace_id AS w, coalesce(tenant_id, \\'\\') AS t, created_at / 86400000 AS d, ' +
    Object.entries(DIMS).map(([k, col]) => 'coalesce(' + col + ", '') AS " + k).join(', ') +
    ' FROM clicks WHERE rowid > ? AND rowid <= ? AND bot = 0')
  const upsert = db.prepare('INSERT INTO click_rollups (workspace_id, tenant_id, day, dim, key, clicks) VALUES (?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (workspace_id, dim, day, tenant_id, key) DO UPDATE SET clicks = clicks + excluded.clicks')
  const setMark = db.prepare('INSERT INTO rollup_state (id, click_rowid) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET click_rowid = excluded.click_rowid')
  statements.push(markOf, last, select, upsert, setMark)
  const write = db.transaction((counts, mark) => {
    for (const [k, n] of counts) { const p = JSON.parse(k); upsert.run(p[0], p[1], p[2], p[3], p[4], n) }
    setMark.run(mark)
  }).immediate
  const tick = () => {
    try {
      let mark = markOf.get()?.mark ?? 0
      const end = last.get()?.last ?? 0
      while (mark < end) {
        const upto = Math.min(end, mark + CHUNK)
        const counts = new Map()
        const add = (k) => counts.set(k, (counts.get(k) ?? 0) + 1)
        for (const r of select.iterate(mark, upto)) {
          add(JSON.stringify([r.w, r.t, r.d, 'total', '']))
          for (const dim in DIMS) add(JSON.stringify([r.w, r.t, r.d, dim, String(r[dim])]))
        }
        write(counts, upto)
        mark = upto
      }
    } catch (e) {
      self.postMessage({ error: String(e) })
    }
    if (!stopping) timer = setTimeout(tick, event.data.intervalMs)
  }
  tick()
}
`

/** Starts the rollup thread for a server's database. */
export const startRollups = (db: Db, intervalMs = 1000) => startDbThread(WORKER_SOURCE, db, intervalMs, { name: 'click rollup' })
