import type { Database } from 'bun:sqlite'
import type { ClickRow } from './row'
import { ClickStore, type ClickInput } from './store'

/** How long clicks wait for a write lock held by another connection before their redirects fail (as busy_timeout). */
const LOCKED_FOR_MS = 5000

const isBusy = (e: unknown) => (e as { code?: string }).code === 'SQLITE_BUSY'

/**
 * What the click pipeline (capture.ts) writes through, on either engine: ClickWriter below on SQLite,
 * PgClickWriter (pg-writer.ts) on PostgreSQL. `write` settles once the click is committed, and the
 * row then carries the id it was committed with.
 */
export interface ClickSink {
  /** A new click's id, in time order; the click's time is in it. */
  newId(now?: number): { id: string; rid: number; nonce: Uint8Array }
  write(row: ClickInput): Promise<void>
  /** Rows committed since start: for tests, benchmarks and /metrics. */
  written: number
  /** Told of every commit, its rows and milliseconds (for /metrics). */
  committed?: (rows: number, ms: number) => void
}

/**
 * Group commit. One SQLite commit per click caps a 2-core machine near 23k clicks/s; a transaction of
 * many inserts runs several times faster. Clicks that arrive during one turn of the event loop are
 * queued and written together on the next; each caller's promise settles once its row is committed,
 * so a redirect that was answered is a click that survives `kill -9`.
 */
export class ClickWriter implements ClickSink {
  private rows: ClickInput[] = []
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = []
  private scheduled = false
  /** Since when the write lock has been found taken, while it is. */
  private lockedSince = 0
  /** One group commit that does not wait for the write lock: false when another connection holds it. */
  private readonly tryInsert: (rows: ClickInput[]) => boolean
  /** Inserts rows in one transaction, now; also how benchmarks seed millions of clicks. */
  readonly insertAll: (rows: ClickInput[]) => void
  readonly store: ClickStore
  /** Rows committed since start: for tests and benchmarks. */
  written = 0
  /** Told of every commit, its rows and milliseconds (for /metrics). */
  committed?: (rows: number, ms: number) => void

  constructor(db: Database, inCommit?: (rows: ClickRow[]) => void) {
    const store = (this.store = new ClickStore(db))
    // IMMEDIATE: take the write lock up front, so another process's writer makes us wait (busy
    // timeout) instead of failing the upgrade from a read lock.
    let began = false
    const insertAll = db.transaction((rows: ClickInput[]) => {
      began = true
      for (const row of rows) store.insert(row)
      inCommit?.(rows)
    }).immediate
    this.insertAll = (rows) => {
      began = false
      try {
        insertAll(rows)
      } catch (e) {
        // Dictionary ids written by a transaction that rolled back are gone; a BEGIN that failed wrote none.
        if (began) store.forget()
        throw e
      }
    }
    // The server's commits do not wait inside SQLite for a lock another connection holds (the rollup
    // and retention threads, another process): its busy handler would sleep on the event loop, and
    // every request with it (a redirect p99 of 60–80 ms on 100,000 links). They try again a
    // millisecond later instead, while the loop serves requests, whose clicks join the batch.
    const noWait = db.prepare('PRAGMA busy_timeout = 0')
    const wait = db.prepare(`PRAGMA busy_timeout = ${LOCKED_FOR_MS}`)
    this.tryInsert = (rows) => {
      noWait.run()
      try {
        this.insertAll(rows)
        return true
      } catch (e) {
        if (isBusy(e) && !began) return false
        throw e
      } finally {
        wait.run()
      }
    }
  }

  newId(now?: number): { id: string; rid: number; nonce: Uint8Array } {
    return this.store.newId(now)
  }

  write(row: ClickInput): Promise<void> {
    this.rows.push(row)
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }))
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => this.flush())
    }
    return done
  }

  /** Writes what is queued now, or a millisecond later while another connection holds the write lock. */
  flush(): void {
    this.scheduled = false
    if (this.rows.length === 0) return
    const rows = this.rows
    const waiters = this.waiters
    this.rows = []
    this.waiters = []
    try {
      const started = performance.now()
      if (!this.tryInsert(rows)) {
        const now = Date.now()
        this.lockedSince ||= now
        if (now - this.lockedSince >= LOCKED_FOR_MS) throw new Error(`database is locked: no write lock for ${LOCKED_FOR_MS} ms`)
        // The same rows first, then whatever arrives meanwhile, in one batch.
        this.rows = rows.concat(this.rows)
        this.waiters = waiters.concat(this.waiters)
        this.scheduled = true
        setTimeout(() => this.flush(), 1)
        return
      }
      this.lockedSince = 0
      this.written += rows.length
      this.committed?.(rows.length, performance.now() - started)
      for (const w of waiters) w.resolve()
    } catch (e) {
      this.lockedSince = 0
      for (const w of waiters) w.reject(e)
    }
  }
}
