import type { Db } from '../db'
import type { Data } from '../db/data'
import type { ClickRow } from '../clicks/row'
import { everyPass } from '../db/passes'
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

/** A click as the rollups count it: the fields the dimensions read (CLICK_FACTS, or a click being written). */
export type RollupFact = Pick<
  ClickRow,
  | 'workspaceId' | 'tenantId' | 'createdAt' | 'bot' | 'partnerId' | 'countryCode' | 'city' | 'deviceType' | 'browserName'
  | 'osName' | 'referrerHost' | 'utm' | 'qr' | 'domain'
>

/** A utm value as SQLite's json_extract gives it (a number as a number, true as 1, an object as JSON), null when absent. */
const utmValue = (name: string) => (c: RollupFact) => {
  if (c.utm === null) return null
  let v: unknown
  try {
    v = (JSON.parse(c.utm) as Record<string, unknown>)?.[name]
  } catch {
    return null
  }
  return v === undefined || v === null ? null : typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'object' ? JSON.stringify(v) : v
}

/**
 * ROLLUP_DIMS worked out in JavaScript, for PostgreSQL: the same keys from the same click, whatever
 * the engine's SQL functions (strftime and json_extract are SQLite's).
 */
export const ROLLUP_KEYS: Record<RolledUp, (c: RollupFact) => unknown> = {
  hour: (c) => `${new Date(Math.floor(c.createdAt / 3_600_000) * 3_600_000).toISOString().slice(0, 13)}:00:00Z`,
  partner: (c) => c.partnerId,
  country: (c) => c.countryCode,
  city: (c) => c.city,
  device: (c) => c.deviceType,
  browser: (c) => c.browserName,
  os: (c) => c.osName,
  referrer: (c) => c.referrerHost,
  utm_source: utmValue('source'),
  utm_medium: utmValue('medium'),
  utm_campaign: utmValue('campaign'),
  qr: (c) => c.qr,
  domain: (c) => c.domain,
}

/** Per-tenant counts by [workspace, tenant, day, dim, key], as JSON text keys. */
export type RollupCounts = Map<string, number>

/** Adds a human click to `counts` under every dimension. */
export function countClick(counts: RollupCounts, c: RollupFact): void {
  if (c.bot === 1) return
  const add = (dim: string, key: unknown) => {
    const k = JSON.stringify([c.workspaceId, c.tenantId ?? '', Math.floor(c.createdAt / 86_400_000), dim, key === null || key === undefined ? '' : String(key)])
    counts.set(k, (counts.get(k) ?? 0) + 1)
  }
  add('total', '')
  for (const dim in ROLLUP_KEYS) add(dim, ROLLUP_KEYS[dim as RolledUp](c))
}

/** Adds the counts to both rollup tables in the caller's transaction, ≤500 rows a statement. */
export async function upsertCounts(tx: Data, counts: RollupCounts): Promise<void> {
  const all = new Map<string, number>()
  const per: unknown[][] = []
  for (const [k, n] of counts) {
    const [w, t, d, dim, key] = JSON.parse(k) as [string, string, number, string, string]
    per.push([w, t, d, dim, key, n])
    const a = JSON.stringify([w, d, dim, key])
    all.set(a, (all.get(a) ?? 0) + n)
  }
  const rows = (list: unknown[][], width: number) => list.map(() => `(${Array(width).fill('?').join(', ')})`).join(', ')
  for (let i = 0; i < per.length; i += 500) {
    const part = per.slice(i, i + 500)
    await tx.run(
      `INSERT INTO click_rollups (workspace_id, tenant_id, day, dim, key, clicks) VALUES ${rows(part, 6)}
       ON CONFLICT (workspace_id, dim, day, tenant_id, key) DO UPDATE SET clicks = click_rollups.clicks + excluded.clicks`,
      part.flat(),
    )
  }
  const allRows = [...all].map(([k, n]) => [...(JSON.parse(k) as unknown[]), n])
  for (let i = 0; i < allRows.length; i += 500) {
    const part = allRows.slice(i, i + 500)
    await tx.run(
      `INSERT INTO click_rollups_all (workspace_id, day, dim, key, clicks) VALUES ${rows(part, 5)}
       ON CONFLICT (workspace_id, dim, day, key) DO UPDATE SET clicks = click_rollups_all.clicks + excluded.clicks`,
      part.flat(),
    )
  }
}

/**
 * PostgreSQL advisory locks of the rollups (taken in this order, never the other):
 * - ROLLUP_LOCK: one rollup pass at a time, across instances; a writer of clicks with times of their
 *   own (import, seeding) takes it too, to count those behind the mark itself.
 * - FENCE_LOCK: every click writer's transaction holds it shared; a rollup pass takes it alone for a
 *   moment to publish the fence (rollup_state row 2): the largest rid committed then. A writer reads
 *   the fence after taking its lock and gives a click whose rid is not above it a new rid (and id)
 *   above it. So no click at or below the fence commits after it was published: the pass counts the
 *   clicks from the mark (row 1) to the fence with none missing, however late another instance's
 *   batch of older rids commits.
 */
export const ROLLUP_LOCK = "hashtext('hoko click rollups')"
export const FENCE_LOCK = "hashtext('hoko click fence')"
export const FENCE_SQL = 'SELECT click_rowid AS f FROM rollup_state WHERE id = 2'

const FACT_ROWS = `SELECT rid, bot, workspace_id AS "workspaceId", tenant_id AS "tenantId", created_at AS "createdAt",
  partner_id AS "partnerId", country_code AS "countryCode", city, device_type AS "deviceType", browser_name AS "browserName",
  os_name AS "osName", referrer_host AS "referrerHost", utm, qr, domain
  FROM (${CLICK_FACTS}) AS clicks WHERE rid > CAST(? AS BIGINT) AND rid <= CAST(? AS BIGINT) ORDER BY rid LIMIT ${5000}`

/** One pass: the fence moved up, then the clicks up to it counted, 5,000 a transaction, each with its mark. */
export async function rollUpPg(d: Data): Promise<void> {
  const mine = await d.tx(async (tx) => {
    if (!(await tx.get<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${ROLLUP_LOCK}) AS ok`))?.ok) return false
    // Waits for the writers' transactions under way; new ones wait for this short one.
    await tx.run(`SELECT pg_advisory_xact_lock(${FENCE_LOCK})`)
    await tx.run(
      `INSERT INTO rollup_state (id, click_rowid) VALUES (2, coalesce((SELECT max(rid) FROM click_rows), 0))
       ON CONFLICT (id) DO UPDATE SET click_rowid = greatest(rollup_state.click_rowid, excluded.click_rowid)`,
    )
    return true
  })
  if (!mine) return
  for (let more = true; more; ) {
    more = await d.tx(async (tx) => {
      if (!(await tx.get<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${ROLLUP_LOCK}) AS ok`))?.ok) return false
      const state = await tx.get<{ m: number | null; f: number | null }>(
        `SELECT (SELECT click_rowid FROM rollup_state WHERE id = 1) AS m, (${FENCE_SQL}) AS f`,
      )
      const mark = state?.m ?? 0
      const fence = state?.f ?? 0
      if (fence <= mark) return false
      const rows = await tx.all<RollupFact & { rid: number }>(FACT_ROWS, [mark, fence])
      const counts: RollupCounts = new Map()
      for (const r of rows) countClick(counts, r)
      await upsertCounts(tx, counts)
      const full = rows.length === 5000
      await tx.run(
        'INSERT INTO rollup_state (id, click_rowid) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET click_rowid = excluded.click_rowid',
        [full ? rows[rows.length - 1].rid : fence],
      )
      return full
    })
  }
}

/** The rollups on PostgreSQL: on the event loop (the work is the database's), one pass a second. */
export const startPgRollups = (d: Data, intervalMs = 1000) => everyPass('click rollup pass', intervalMs, () => rollUpPg(d))
