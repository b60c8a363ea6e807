import type { Data } from '../db/data'
import { log } from '../log'
import { ridAt, ridTime } from './store'

/**
 * PostgreSQL keeps click_rows partitioned by month (drizzle-pg/0002_click_partitions.sql): a month is
 * a range of rids, since a rid is its click's millisecond times 1024. Months are numbered y·12 + m.
 * Retention drops a whole old month instead of deleting its rows one by one.
 */
export const monthOf = (ms: number) => {
  const d = new Date(ms)
  return d.getUTCFullYear() * 12 + d.getUTCMonth()
}
export const monthStart = (month: number) => Date.UTC(Math.floor(month / 12), month % 12, 1)
/** The rids of a month: [from, to). */
export const monthRids = (month: number): [number, number] => [ridAt(monthStart(month)), ridAt(monthStart(month + 1))]
export const partitionName = (month: number) => `click_rows_y${Math.floor(month / 12)}m${String((month % 12) + 1).padStart(2, '0')}`
const NAMED = /^click_rows_y(\d{4,})m(\d\d)$/

/** How many months ahead of this one exist at any time (this one and the next two). */
const AHEAD = 3

/** The partitions of one database: those known to exist, and made when a click needs a new one. */
export class ClickPartitions {
  private readonly known = new Set<number>()
  private loaded = false
  /** The month of the last click seen covered, to check most clicks with two comparisons. */
  private current: [number, number] = [0, 0]
  /** After a failed attempt to make a partition, when the click writer may try again. */
  private retryAt = 0

  constructor(private readonly d: Data) {}

  /** The months that have a partition of their own, oldest first. */
  async list(): Promise<number[]> {
    const rows = await this.d.all<{ name: string }>(
      "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'click_rows'::regclass",
    )
    const months: number[] = []
    for (const { name } of rows) {
      const m = NAMED.exec(name)
      if (m) months.push(Number(m[1]) * 12 + Number(m[2]) - 1)
    }
    return months.sort((a, b) => a - b)
  }

  /** Makes sure the months of these rids have partitions (clicks of other months would go to the default one). */
  async cover(rids: number[]): Promise<void> {
    const [from, to] = this.current
    let missing: Set<number> | null = null
    for (const rid of rids) {
      if (rid >= from && rid < to) continue
      const month = monthOf(ridTime(rid))
      if (this.known.has(month)) this.current = monthRids(month)
      else (missing ??= new Set()).add(month)
    }
    if (!missing || Date.now() < this.retryAt) return
    try {
      await this.ensure([...missing])
    } catch (e) {
      // The clicks go to the default partition meanwhile: a redirect never fails for want of a partition.
      this.retryAt = Date.now() + 10_000
      log('warn', 'could not make a month partition of click_rows; its clicks go to the default partition meanwhile', { error: String(e) })
    }
  }

  /** This month and the next ones (AHEAD): at start, then daily, so that no click waits for a new month's. */
  ahead(now = Date.now()): Promise<void> {
    const month = monthOf(now)
    return this.ensure(Array.from({ length: AHEAD }, (_, i) => month + i))
  }

  async ensure(months: number[]): Promise<void> {
    if (!this.loaded) {
      for (const m of await this.list()) this.known.add(m)
      this.loaded = true
    }
    const missing = months.filter((m) => !this.known.has(m))
    if (missing.length === 0) return
    await this.d.tx(async (tx) => {
      // Instances take turns; IF NOT EXISTS makes the second one's attempt a no-op.
      await tx.run("SELECT pg_advisory_xact_lock(hashtext('hoko click partitions'))")
      // A new partition locks click_rows whole for a moment: rather fail (and try later) than queue
      // every click behind a long query on the table.
      await tx.run("SET LOCAL lock_timeout = '1s'")
      for (const month of missing) {
        const [from, to] = monthRids(month)
        // A month whose rows already went to the default partition stays there: PostgreSQL refuses a
        // new partition that rows of the default one belong to.
        if (await tx.get('SELECT 1 AS x FROM click_rows_default WHERE rid >= CAST(? AS BIGINT) AND rid < CAST(? AS BIGINT) LIMIT 1', [from, to])) continue
        await tx.run(`CREATE TABLE IF NOT EXISTS ${partitionName(month)} PARTITION OF click_rows FOR VALUES FROM (${from}) TO (${to})`)
      }
    })
    for (const m of missing) this.known.add(m)
  }

  /**
   * Months whose clicks are in the default partition (copied in by `hoko import`, or written while
   * their partition could not be made) get a partition of their own, their clicks moved into it:
   * then retention can drop them whole too. Each month in one transaction, which holds click_rows
   * whole while it moves them: at start, and hourly when there are any.
   */
  async adoptDefault(): Promise<number> {
    const months = await this.d.all<{ m: number }>(
      `SELECT DISTINCT CAST(EXTRACT(YEAR FROM t) * 12 + EXTRACT(MONTH FROM t) - 1 AS BIGINT) AS m
         FROM (SELECT to_timestamp((rid >> 10) / 1000.0) AT TIME ZONE 'UTC' AS t FROM click_rows_default) AS d ORDER BY 1`,
    )
    let moved = 0
    for (const { m: month } of months) {
      const [from, to] = monthRids(month)
      moved += await this.d.tx(async (tx) => {
        await tx.run("SELECT pg_advisory_xact_lock(hashtext('hoko click partitions'))")
        await tx.run("SET LOCAL lock_timeout = '5s'")
        await tx.run('CREATE TEMPORARY TABLE click_rows_moving (LIKE click_rows) ON COMMIT DROP')
        const n = await tx.run(
          `WITH moved AS (DELETE FROM click_rows_default WHERE rid >= CAST(? AS BIGINT) AND rid < CAST(? AS BIGINT) RETURNING *)
           INSERT INTO click_rows_moving SELECT * FROM moved`,
          [from, to],
        )
        await tx.run(`CREATE TABLE IF NOT EXISTS ${partitionName(month)} PARTITION OF click_rows FOR VALUES FROM (${from}) TO (${to})`)
        await tx.run('INSERT INTO click_rows SELECT * FROM click_rows_moving')
        return n
      })
      this.known.add(month)
    }
    return moved
  }

  /** Forgets a month dropped by retention. */
  dropped(month: number): void {
    this.known.delete(month)
    this.current = [0, 0]
  }
}

const ofData = new WeakMap<Data, ClickPartitions>()
/** One per database handle: the writer and the server's daily check share what they know. */
export function clickPartitions(d: Data): ClickPartitions {
  let p = ofData.get(d)
  if (!p) ofData.set(d, (p = new ClickPartitions(d)))
  return p
}

/** Partitions ahead (and the default partition's clicks adopted) at start, then checked every hour (a new month's are made days before it begins). */
export async function keepPartitionsAhead(d: Data, everyMs = 3_600_000): Promise<{ stop(): void }> {
  const p = clickPartitions(d)
  const check = async () => {
    const moved = await p.adoptDefault()
    if (moved > 0) log('info', 'clicks moved from the default partition of click_rows into month partitions', { clicks: moved })
    await p.ahead()
  }
  await check()
  const timer = setInterval(() => check().catch((e) => log('warn', 'could not make the click partitions of the coming months', { error: String(e) })), everyMs)
  return { stop: () => clearInterval(timer) }
}
