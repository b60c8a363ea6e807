import type { Data } from '../db/data'
import { clickPartitions, type ClickPartitions } from './partitions'
import { PgClickStore } from './pg-store'
import type { ClickRow } from './row'
import { ridAt, type ClickInput } from './store'
import type { ClickSink } from './writer'

/** SQLSTATEs of a transaction PostgreSQL gave up so that another could go on: deadlock, serialization failure. */
const RETRIED = new Set(['40P01', '40001'])

/**
 * Group commit on PostgreSQL, as ClickWriter on SQLite: clicks that arrive while a commit is under
 * way are written together by the next one, in one transaction (its dictionary inserts, multi-row
 * inserts of ≤500 clicks, the webhook events of `inCommit`), and each caller's promise settles once
 * its click is committed: an answered redirect is a committed click. One commit at a time per
 * instance: the batch grows with the load instead of the number of connections in use.
 */
export class PgClickWriter implements ClickSink {
  private rows: ClickInput[] = []
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = []
  private scheduled = false
  private busy = false
  readonly store = new PgClickStore()
  private readonly partitions: ClickPartitions
  written = 0
  committed?: (rows: number, ms: number) => void

  constructor(
    private readonly d: Data,
    /** Runs in each group commit's transaction, after its inserts (webhook events). */
    private readonly inCommit?: (tx: Data, rows: ClickRow[]) => Promise<void>,
  ) {
    this.partitions = clickPartitions(d)
  }

  newId(now?: number): { id: string; rid: number; nonce: Uint8Array } {
    return this.store.newId(now)
  }

  write(row: ClickInput): Promise<void> {
    this.rows.push(row)
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }))
    this.schedule()
    return done
  }

  private schedule(): void {
    if (this.scheduled || this.busy) return
    this.scheduled = true
    setImmediate(() => void this.flush())
  }

  private async flush(): Promise<void> {
    this.scheduled = false
    if (this.busy || this.rows.length === 0) return
    this.busy = true
    const rows = this.rows
    const waiters = this.waiters
    this.rows = []
    this.waiters = []
    try {
      const started = performance.now()
      await this.insertAll(rows)
      this.written += rows.length
      this.committed?.(rows.length, performance.now() - started)
      for (const w of waiters) w.resolve()
    } catch (e) {
      for (const w of waiters) w.reject(e)
    } finally {
      this.busy = false
      if (this.rows.length > 0) this.schedule()
    }
  }

  /** Inserts rows in one transaction, now (import and tests; the redirect goes through write). */
  async insertAll(rows: ClickInput[]): Promise<void> {
    await this.partitions.cover(rows.map((r) => r.rid ?? ridAt(r.createdAt)))
    for (let attempt = 1; ; attempt++)
      try {
        await this.d.tx(async (tx) => {
          await this.store.insert(tx, rows)
          await this.inCommit?.(tx, rows)
        })
        return
      } catch (e) {
        this.store.forget()
        // A deadlock with another instance's transaction: PostgreSQL chose this one; it is written again.
        if (!RETRIED.has((e as { errno?: string }).errno ?? '') || attempt === 3) throw e
      }
  }
}
