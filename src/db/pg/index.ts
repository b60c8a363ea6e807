import { SQL } from 'bun'
import { createHash } from 'node:crypto'
import { drizzle, type BunSQLDatabase } from 'drizzle-orm/bun-sql'
import { migrations } from '../../../drizzle-pg/migrations'
import * as schema from './schema'

/**
 * PostgreSQL through Bun's own client (Bun.sql), with the schema derived from the SQLite one.
 * No command uses it yet: this is the foundation the engine-neutral services will stand on.
 */
export type PgDb = BunSQLDatabase<typeof schema> & { $client: SQL }

export function openPostgres(url: string, options: { max?: number } = {}): PgDb {
  // int8 as BigInt, not text: src/db/data.ts turns them into numbers.
  const client = new SQL(url, { max: options.max ?? 10, bigint: true })
  return drizzle({ client, schema }) as PgDb
}


/**
 * Applies the migrations embedded at build time (drizzle-pg/migrations.ts), as drizzle-orm/bun-sql's
 * migrator would read them from disk. Idempotent (drizzle records them in drizzle.__drizzle_migrations),
 * and safe when several instances start at once: they take turns on an advisory lock, held on one
 * reserved connection, so the second finds the work done.
 */
export async function runPgMigrations(client: SQL): Promise<void> {
  const metas = migrations.map((m) => ({
    sql: m.sql.split('--> statement-breakpoint'),
    bps: m.breakpoints,
    folderMillis: m.when,
    hash: createHash('sha256').update(m.sql).digest('hex'),
  }))
  const conn = await client.reserve()
  try {
    await conn`SELECT pg_advisory_lock(hashtext('hoko migrations'))`
    try {
      const db = drizzle({ client: conn as unknown as SQL })
      // Same call as drizzle-orm/bun-sql/migrator, minus the file reading.
      await (db as any).dialect.migrate(metas, (db as any).session, {})
    } finally {
      await conn`SELECT pg_advisory_unlock(hashtext('hoko migrations'))`
    }
  } finally {
    conn.release()
  }
}

export { schema }
