import { Database } from 'bun:sqlite'
import { createHash } from 'node:crypto'
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import { migrations } from '../../drizzle/migrations'
import { prepareDatabaseFile } from './private-files'
import * as schema from './schema'

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database }
/** A database or a transaction: what services that only query take. */
export type Queryable = BaseSQLiteDatabase<'sync', unknown, typeof schema>

export function openDatabase(path: string): Db {
  if (path !== ':memory:') prepareDatabaseFile(path)
  const sqlite = new Database(path, { create: true, strict: true })
  sqlite.exec('PRAGMA busy_timeout = 5000')
  // A new file only, before anything is written to it (switching to WAL writes its header): pages
  // freed by click retention then go back to the file system. On an existing file the pragma would
  // be a write; an older file keeps its mode until `hoko vacuum` (see vacuum.ts).
  if (sqlite.query<{ page_count: number }, []>('PRAGMA page_count').get()?.page_count === 0) sqlite.exec('PRAGMA auto_vacuum = INCREMENTAL')
  sqlite.exec('PRAGMA journal_mode = WAL')
  sqlite.exec('PRAGMA synchronous = NORMAL')
  sqlite.exec('PRAGMA foreign_keys = ON')
  return drizzle({ client: sqlite, schema }) as Db
}

/**
 * Applies the migrations embedded at build time (drizzle/migrations.ts), in the format
 * drizzle's own migrator reads from disk, so the compiled binary needs no drizzle/ folder.
 * Idempotent: drizzle records applied migrations in __drizzle_migrations.
 */
export function runMigrations(db: Db): void {
  const metas = migrations.map((m) => ({
    sql: m.sql.split('--> statement-breakpoint'),
    bps: m.breakpoints,
    folderMillis: m.when,
    hash: createHash('sha256').update(m.sql).digest('hex'),
  }))
  // Same call as drizzle-orm/bun-sqlite/migrator, minus the file reading.
  ;(db as any).dialect.migrate(metas, (db as any).session, {})
}

export { schema }
