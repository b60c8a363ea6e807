import type { Db } from '../db'
import type { Data } from '../db/data'
import { everyPass } from '../db/passes'
import { clickPartitions, type ClickPartitions, monthRids, partitionName } from './partitions'
import { ridAt } from './store'
import { startDbThread, THREAD_PRELUDE } from '../db/thread'

/**
 * Every statement of retention that reads or deletes clicks; the thread below runs them as they are.
 * - `upTo`: the last rowid a pass may reach: the rollup mark (a click up to it is in the daily
 *   counts), short of the newest click.
 * - `batch(after, upTo, limit)`: clicks after rowid `after`, up to `upTo`, in the order they were
 *   written: `r` their rowid, `t` their createdAt.
 * - `deleteRows(from, to, cutoff)`: deletes the clicks of that rowid range older than `cutoff`, but
 *   never one a lead or sale points to (checked in the deleting transaction, so a conversion
 *   tracked meanwhile keeps its click), nor the newest click: the click writer starts its rowids after the
 *   largest one, and a rowid at or below the mark would never be counted.
 * - `deleteIds(from, to)`: the kept UUIDs (click_legacy_ids) of the clicks of that range just deleted.
 */
export const RETENTION_SQL = {
  upTo: 'SELECT min(click_rowid, (SELECT max(rid) FROM click_rows) - 1) AS upTo FROM rollup_state WHERE id = 1',
  // The rowid is the time (src/clicks/store.ts): created_at is rid >> 10.
  batch: 'SELECT rid AS r, rid >> 10 AS t FROM click_rows WHERE rid > ? AND rid <= ? ORDER BY rid LIMIT ?',
  deleteRows:
    'DELETE FROM click_rows WHERE rid >= ?1 AND rid <= ?2 AND rid < ?3 * 1024 AND rid < (SELECT max(rid) FROM click_rows) ' +
    'AND NOT EXISTS (SELECT 1 FROM leads WHERE click_rid = click_rows.rid) AND NOT EXISTS (SELECT 1 FROM sales WHERE click_rid = click_rows.rid)',
  /** The kept ids of the clicks just deleted (clicks from before the compact form). */
  deleteIds: 'DELETE FROM click_legacy_ids WHERE rid >= ? AND rid <= ? AND NOT EXISTS (SELECT 1 FROM click_rows r WHERE r.rid = click_legacy_ids.rid)',
}

/**
 * How much each transaction of the thread does, and the pause after it. Deleting a click touches a page
 * of each index, scattered over the file when clicks go to thousands of links: on the 2-core benchmark
 * machine, 1,000 clicks of 1,000 links took 10–60 ms under load, 250 about a quarter of that. So the
 * number of clicks per transaction adapts, from `minRows` to `maxRows`, to take about `targetMs`, and
 * the pause after a transaction is at least 4 times as long as it took: the thread holds the write
 * lock a fifth of the time at most, and a click's commit waits for it a few milliseconds at worst.
 * An incremental-vacuum step gives back `pages` pages (256 KB).
 */
export const RETENTION_STEP = { rows: 250, minRows: 25, maxRows: 2000, targetMs: 4, pages: 64, pauseMs: 20 }

/**
 * The retention thread (see db/thread.ts). Each pass walks the clicks in rowid order from where the
 * last one stopped, and deletes those older than the cutoff in short transactions (see
 * RETENTION_STEP: the click writer waits for them), each followed by a pause; it stops at
 * the first click still young enough, or at the rollup mark. Rowid order is the order the clicks
 * were written, so it is their time order too. On a database in incremental auto-vacuum mode, a step
 * of RETENTION_STEP.pages follows each deleting transaction, and the pass ends by giving back the rest
 * of the freed pages to the file system.
 */
const workerSource = (days: number) => `${THREAD_PRELUDE}
const SQL = ${JSON.stringify(RETENTION_SQL)}
const STEP = ${JSON.stringify(RETENTION_STEP)}
const DAY_MS = 86400000
let after = 0, firstPass = true
let rows = STEP.rows
/** Runs one write transaction, then pauses at least 4 times as long as it took. */
const timed = async (write) => {
  const started = performance.now()
  const result = write()
  const ms = performance.now() - started
  await new Promise((resolve) => setTimeout(resolve, Math.max(STEP.pauseMs, 4 * ms)))
  return { result, ms }
}
self.onmessage = (event) => {
  // Passes run only between pauses: no statement is under way when 'stop' arrives.
  if (event.data === 'stop') return stop()
  open(event.data.path)
  const upToOf = db.prepare(SQL.upTo)
  const batch = db.prepare(SQL.batch)
  const deleteRows = db.prepare(SQL.deleteRows)
  const deleteIds = db.prepare(SQL.deleteIds)
  const autoVacuum = db.prepare('PRAGMA auto_vacuum')
  const freelist = db.prepare('PRAGMA freelist_count')
  const vacuum = db.prepare('PRAGMA incremental_vacuum(' + STEP.pages + ')')
  statements.push(upToOf, batch, deleteRows, deleteIds, autoVacuum, freelist, vacuum)
  const remove = db.transaction((from, to, cutoff) => {
    const n = deleteRows.run(from, to, cutoff).changes
    deleteIds.run(from, to)
    return n
  }).immediate
  // One step of at most STEP.pages pages; false when there was nothing to give back.
  const vacuumStep = async (incremental) => {
    if (!incremental || stopping || freelist.get().freelist_count === 0) return false
    await timed(() => vacuum.run())
    return true
  }
  const pass = async () => {
    const cutoff = Date.now() - ${days} * DAY_MS
    const upTo = upToOf.get()?.upTo ?? 0
    const incremental = autoVacuum.get().auto_vacuum === 2
    let deleted = 0
    while (!stopping) {
      const limit = rows
      let first = null, last = null, seen = 0, young = false
      for (const row of batch.iterate(after, upTo, limit)) {
        seen++
        if (row.t >= cutoff) { young = true; break }
        first ??= row.r
        last = row.r
      }
      if (last !== null) {
        const { result: n, ms } = await timed(() => remove(first, last, cutoff))
        after = last
        deleted += n
        if (n > 0) self.postMessage({ deleted: n })
        if (ms > 2 * STEP.targetMs) rows = Math.max(STEP.minRows, Math.floor(rows / 2))
        else if (ms < STEP.targetMs / 2 && seen === limit) rows = Math.min(STEP.maxRows, rows * 2)
        // A long catch-up gives space back as it goes, not only at its end.
        if (n > 0) await vacuumStep(incremental)
      }
      if (young || seen < limit) break
    }
    // Then the rest; the first pass also finishes what a stop interrupted. Bounded: pages that other
    // tables free meanwhile must not keep it going.
    if ((deleted > 0 || firstPass) && !stopping)
      for (let steps = Math.ceil(freelist.get().freelist_count / STEP.pages) + 2; steps > 0 && (await vacuumStep(incremental)); steps--);
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

/** Clicks deleted per statement by retention on PostgreSQL (months that cannot go whole, the boundary month). */
const PG_DELETE_ROWS = 5000

/**
 * One retention pass on PostgreSQL, by one instance at a time (an advisory lock). Raw clicks older
 * than the cutoff and already counted by the rollups (at or below the mark) go:
 * - a month entirely before both, none of whose clicks a lead or sale points to, is dropped whole
 *   (DROP TABLE of its partition: no row-by-row delete, no dead rows to vacuum);
 * - the others (the boundary month, months with converted clicks, the default partition) lose their
 *   old clicks by DELETE, PG_DELETE_ROWS at a time, those of conversions kept.
 * Returns how many clicks went.
 */
export async function retentionPassPg(d: Data, days: number, partitions: ClickPartitions, deleted: (n: number) => void): Promise<number> {
  const cutoff = ridAt(Date.now() - days * 86_400_000)
  const mark = (await d.get<{ m: number }>('SELECT click_rowid AS m FROM rollup_state WHERE id = 1'))?.m ?? 0
  const upTo = Math.min(mark, cutoff - 1)
  if (upTo <= 0) return 0
  let total = 0
  const kept = (from: string) =>
    `NOT EXISTS (SELECT 1 FROM leads WHERE click_rid = ${from}.rid) AND NOT EXISTS (SELECT 1 FROM sales WHERE click_rid = ${from}.rid)`
  for (const month of await partitions.list()) {
    const [from, to] = monthRids(month)
    if (to - 1 > upTo) break
    const n = await d.tx(async (tx) => {
      if (!(await tx.get<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK}) AS ok`))?.ok) return -1
      // Dropping a partition locks click_rows whole: never queue the clicks behind a long query for it.
      await tx.run("SET LOCAL lock_timeout = '200ms'")
      const converted = await tx.get(
        `SELECT 1 AS x FROM leads WHERE click_rid >= CAST(? AS BIGINT) AND click_rid < CAST(? AS BIGINT)
         UNION ALL SELECT 1 FROM sales WHERE click_rid >= CAST(? AS BIGINT) AND click_rid < CAST(? AS BIGINT) LIMIT 1`,
        [from, to, from, to],
      )
      if (converted) return -1
      const name = partitionName(month)
      const { n } = (await tx.get<{ n: number }>(`SELECT count(*) AS n FROM ${name}`))!
      await tx.run(`DROP TABLE ${name}`)
      await tx.run('DELETE FROM click_legacy_ids WHERE rid >= CAST(? AS BIGINT) AND rid < CAST(? AS BIGINT)', [from, to])
      return n
    }).catch((e) => {
      if ((e as { errno?: string }).errno === LOCK_NOT_AVAILABLE) return -1 // tried again next pass
      throw e
    })
    if (n < 0) continue
    partitions.dropped(month)
    total += n
    if (n > 0) deleted(n)
  }
  // What is left at or below upTo: kept clicks of conversions, and clicks the whole months above did not take.
  for (;;) {
    const n = await d.tx(async (tx) => {
      if (!(await tx.get<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK}) AS ok`))?.ok) return 0
      const gone = await tx.all<{ rid: number }>(
        `DELETE FROM click_rows WHERE rid IN (SELECT rid FROM click_rows r WHERE rid <= CAST(? AS BIGINT) AND ${kept('r')} ORDER BY rid LIMIT ${PG_DELETE_ROWS}) RETURNING rid`,
        [upTo],
      )
      if (gone.length > 0)
        await tx.run(`DELETE FROM click_legacy_ids WHERE rid IN (SELECT CAST(value AS BIGINT) FROM ${tx.list})`, [JSON.stringify(gone.map((r) => r.rid))])
      return gone.length
    })
    total += n
    if (n > 0) deleted(n)
    if (n < PG_DELETE_ROWS) break
  }
  return total
}

const RETENTION_LOCK = "hashtext('hoko click retention')"
/** SQLSTATE of a lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03'

/** Retention on PostgreSQL: a pass every `intervalMs` on the event loop (the work is the database's). */
export function startRetentionPg(
  d: Data,
  days: number,
  on: { deleted: (n: number) => void; passed?: (n: number) => void },
  intervalMs = 1000,
): { stop(): Promise<void> } {
  const partitions = clickPartitions(d)
  return everyPass('click retention pass', intervalMs, async () => {
    const n = await retentionPassPg(d, days, partitions, on.deleted)
    if (n > 0) on.passed?.(n)
  })
}
