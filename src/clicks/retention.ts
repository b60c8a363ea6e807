import type { Db } from '../db'
import { startDbThread } from '../db/thread'

/**
 * Every statement of retention that reads or deletes clicks; the thread below runs them as they are.
 * - `upTo`: the last rowid a pass may reach: the rollup mark (a click up to it is in the daily
 *   counts), short of the newest click.
 * - `batch(after, upTo, limit)`: clicks after rowid `after`, up to `upTo`, in the order they were
 *   written: `r` their rowid, `t` their createdAt.
 * - `deleteRows(from, to, cutoff)`: deletes the clicks of that rowid range older than `cutoff`, but
 *   never one a lead or sale points to (checked in the deleting transaction, so a conversion
 *   tracked meanwhile keeps its click), nor the newest click: SQLite gives a new row the largest
 *   rowid plus one, and a reused rowid at or below the mark would never be counted.
 */
export const RETENTION_SQL = {
  upTo: 'SELECT min(click_rowid, (SELECT max(rowid) FROM clicks) - 1) AS upTo FROM rollup_state WHERE id = 1',
  batch: 'SELECT rowid AS r, created_at AS t FROM clicks WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?',
  deleteRows:
    'DELETE FROM clicks WHERE rowid >= ? AND rowid <= ? AND created_at < ? AND rowid < (SELECT max(rowid) FROM clicks) ' +
    'AND NOT EXISTS (SELECT 1 FROM leads WHERE click_id = clicks.id) AND NOT EXISTS (SELECT 1 FROM sales WHERE click_id = clicks.id)',
}

/**
 * Clicks per deleting transaction, pages per incremental-vacuum step, and the pause after each. On the
 * 2-core benchmark machine a transaction of 1,000 clicks takes about 3 ms and a step of 256 pages
 * (1 MB) 2–5 ms, so the thread holds the write lock a tenth of the time at most while catching up
 * (some 20,000 clicks a second), and a click's commit waits a few milliseconds at worst.
 */
export const RETENTION_STEP = { rows: 1000, pages: 256, pauseMs: 20 }

/**
 * The retention thread (see db/thread.ts). Each pass walks the clicks in rowid order from where the
 * last one stopped, and deletes those older than the cutoff in transactions of RETENTION_STEP.rows,
 * each short (a few milliseconds: the click writer waits for it) and followed by a pause; it stops at
 * the first click still young enough, or at the rollup mark. Rowid order is the order the clicks
 * were written, so it is their time order too. Then, on a database in incremental auto-vacuum mode,
 * it gives the freed pages back to the file system in steps of RETENTION_STEP.pages.
 */
const workerSource = (days: number) => `
import { Database } from 'bun:sqlite'
const SQL = ${JSON.stringify(RETENTION_SQL)}
const STEP = ${JSON.stringify(RETENTION_STEP)}
const DAY_MS = 86400000
let db, timer, stopping = false, after = 0, firstPass = true
const statements = []
const pause = () => new Promise((resolve) => setTimeout(resolve, STEP.pauseMs))
self.onmessage = (event) => {
  if (event.data === 'stop') {
    // Passes run only between pauses: no statement is under way here.
    stopping = true
    clearTimeout(timer)
    for (const s of statements) s.finalize()
    db?.close()
    return self.postMessage('stopped')
  }
  db = new Database(event.data.path)
  db.exec('PRAGMA busy_timeout = 5000')
  const upToOf = db.prepare(SQL.upTo)
  const batch = db.prepare(SQL.batch)
  const deleteRows = db.prepare(SQL.deleteRows)
  const autoVacuum = db.prepare('PRAGMA auto_vacuum')
  const freelist = db.prepare('PRAGMA freelist_count')
  const vacuum = db.prepare('PRAGMA incremental_vacuum(' + STEP.pages + ')')
  statements.push(upToOf, batch, deleteRows, autoVacuum, freelist, vacuum)
  const remove = db.transaction((from, to, cutoff) => deleteRows.run(from, to, cutoff).changes).immediate
  // Bounded: pages other tables free meanwhile must not keep it going.
  const giveBack = async () => {
    if (autoVacuum.get().auto_vacuum !== 2) return
    const steps = Math.ceil(freelist.get().freelist_count / STEP.pages) + 2
    for (let i = 0; i < steps && !stopping && freelist.get().freelist_count > 0; i++) {
      vacuum.run()
      await pause()
    }
  }
  const pass = async () => {
    const cutoff = Date.now() - ${days} * DAY_MS
    const upTo = upToOf.get()?.upTo ?? 0
    let deleted = 0
    while (!stopping) {
      let first = null, last = null, seen = 0, young = false
      for (const row of batch.iterate(after, upTo, STEP.rows)) {
        seen++
        if (row.t >= cutoff) { young = true; break }
        first ??= row.r
        last = row.r
      }
      if (last !== null) {
        const n = remove(first, last, cutoff)
        after = last
        deleted += n
        if (n > 0) self.postMessage({ deleted: n })
        await pause()
      }
      if (young || seen < STEP.rows) break
    }
    // The first pass also finishes what a stop interrupted.
    if ((deleted > 0 || firstPass) && !stopping) await giveBack()
    firstPass = false
    if (deleted > 0) self.postMessage({ passDeleted: deleted })
  }
  const tick = async () => {
    try {
      await pass()
    } catch (e) {
      if (!stopping) self.postMessage({ error: String(e) })
    }
    if (!stopping) timer = setTimeout(tick, event.data.intervalMs)
  }
  self.postMessage('ready')
  tick()
}
`

/**
 * Starts the retention thread: raw clicks older than `days` days, already counted by the rollups,
 * are deleted (see workerSource). `deleted` hears of every transaction's count, `passed` of each
 * pass that deleted something.
 */
export function startRetention(
  db: Db,
  days: number,
  on: { deleted: (n: number) => void; passed?: (n: number) => void },
  intervalMs = 1000,
): { stop(): Promise<void> } {
  return startDbThread(workerSource(days), db, intervalMs, {
    name: 'click retention',
    message: (m) => {
      const data = m as { deleted?: number; passDeleted?: number }
      if (data.deleted !== undefined) on.deleted(data.deleted)
      if (data.passDeleted !== undefined) on.passed?.(data.passDeleted)
    },
  })
}
