import type { Db } from '../db'
import { CLICK_FACTS } from '../clicks/facts'
import { startDbThread, THREAD_PRELUDE } from '../db/thread'
import { type GroupBy, GROUPS } from './groups'

/** The groupBy dimensions the rollups keep (see GROUPS), each with the SQL of its key on a click. */
export const ROLLUP_DIMS = Object.fromEntries(
  Object.entries(GROUPS).flatMap(([dim, g]) => (g.rollup ? [[dim, g.key('clicks', 'clicks')]] : [])),
) as Record<RolledUp, string>
type RolledUp = { [K in GroupBy]: (typeof GROUPS)[K]['rollup'] extends true ? K : never }[GroupBy]
export type RollupDim = RolledUp | 'total'

/**
 * One statement that counts the human clicks `where` selects (a condition on the clicks view) into
 * the rollups, as the rollup thread would: for clicks written with a time before the rollup mark
 * (seeding, import), which the thread, reading forward from its mark, would never see.
 */
export function rollupSql(where: string): [perTenant: string, allTenants: string] {
  const parts = [['total', "''"], ...Object.entries(ROLLUP_DIMS).map(([dim, key]) => [dim, `coalesce(${key}, '')`])].map(
    ([dim, key]) =>
      `SELECT workspace_id AS w, coalesce(tenant_id, '') AS t, created_at / 86400000 AS d, '${dim}' AS dim, ${key} AS key FROM clicks WHERE ${where} AND bot = 0`,
  )
  const counted = `(${parts.join(' UNION ALL ')}) WHERE true`
  return [
    `INSERT INTO click_rollups (workspace_id, tenant_id, day, dim, key, clicks)
      SELECT w, t, d, dim, key, count(*) FROM ${counted} GROUP BY 1, 2, 3, 4, 5
      ON CONFLICT (workspace_id, dim, day, tenant_id, key) DO UPDATE SET clicks = clicks + excluded.clicks`,
    `INSERT INTO click_rollups_all (workspace_id, day, dim, key, clicks)
      SELECT w, d, dim, key, count(*) FROM ${counted} GROUP BY 1, 2, 3, 4
      ON CONFLICT (workspace_id, dim, day, key) DO UPDATE SET clicks = clicks + excluded.clicks`,
  ]
}

/**
 * The rollup thread. Reading new clicks never blocks the click writer (WAL); it aggregates them in
 * memory, 5,000 clicks at a time, and writes their upserts and the new mark in one short
 * transaction — short, because the click writer waits for it — so that the rollups always count
 * exactly the clicks up to the mark, after a crash too. A transaction ends early once it has 1,000
 * rows to upsert (varied clicks: 100,000 links with their own campaigns, visitors from many cities):
 * 5,000 such clicks in one held the write lock for tens of milliseconds, and every redirect waited.
 */
const WORKER_SOURCE = `${THREAD_PRELUDE}
const DIMS = ${JSON.stringify(ROLLUP_DIMS)}
const FACTS = ${JSON.stringify(CLICK_FACTS)}
const CHUNK = 5000
const MAX_KEYS = 1000
self.onmessage = (event) => {
  if (event.data === 'stop') return stop()
  open(event.data.path)
  const markOf = db.prepare('SELECT click_rowid AS mark FROM rollup_state WHERE id = 1')
  // Rowids are times (see src/clicks/store.ts), far apart: the next clicks are read by count, bots
  // included so that the mark moves past them too.
  const select = db.prepare('SELECT rid, bot, workspace_id AS w, coalesce(tenant_id, \\'\\') AS t, created_at / 86400000 AS d, ' +
    Object.entries(DIMS).map(([k, col]) => 'coalesce(' + col + ", '') AS " + k).join(', ') +
    ' FROM (' + FACTS + ') AS clicks WHERE rid > ? ORDER BY rid LIMIT ' + CHUNK)
  const upsert = db.prepare('INSERT INTO click_rollups (workspace_id, tenant_id, day, dim, key, clicks) VALUES (?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (workspace_id, dim, day, tenant_id, key) DO UPDATE SET clicks = clicks + excluded.clicks')
  const upsertAll = db.prepare('INSERT INTO click_rollups_all (workspace_id, day, dim, key, clicks) VALUES (?, ?, ?, ?, ?) ' +
    'ON CONFLICT (workspace_id, dim, day, key) DO UPDATE SET clicks = clicks + excluded.clicks')
  const setMark = db.prepare('INSERT INTO rollup_state (id, click_rowid) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET click_rowid = excluded.click_rowid')
  statements.push(markOf, select, upsert, upsertAll, setMark)
  const write = db.transaction((counts, all, mark) => {
    for (const [k, n] of counts) { const p = JSON.parse(k); upsert.run(p[0], p[1], p[2], p[3], p[4], n) }
    for (const [k, n] of all) { const p = JSON.parse(k); upsertAll.run(p[0], p[1], p[2], p[3], n) }
    setMark.run(mark)
  }).immediate
  const tick = () => {
    try {
      let mark = markOf.get()?.mark ?? 0
      for (;;) {
        const rows = select.all(mark)
        if (rows.length === 0) break
        let counts = new Map()
        const add = (k) => counts.set(k, (counts.get(k) ?? 0) + 1)
        const commit = (upto) => {
          // The same counts over all tenants, from the per-tenant ones: far fewer than the clicks.
          const all = new Map()
          for (const [k, n] of counts) {
            const [w, , d, dim, key] = JSON.parse(k)
            const a = JSON.stringify([w, d, dim, key])
            all.set(a, (all.get(a) ?? 0) + n)
          }
          write(counts, all, upto)
          counts = new Map()
        }
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i]
          if (r.bot === 0) {
            add(JSON.stringify([r.w, r.t, r.d, 'total', '']))
            for (const dim in DIMS) add(JSON.stringify([r.w, r.t, r.d, dim, String(r[dim])]))
          }
          // Varied clicks (cities, campaigns, referrers) make many rows to upsert: their transaction
          // ends early, with the mark after this click, so the write lock is never held for long.
          if (counts.size >= MAX_KEYS && i < rows.length - 1) commit(r.rid)
        }
        mark = rows[rows.length - 1].rid
        commit(mark)
        if (rows.length < CHUNK) break
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
