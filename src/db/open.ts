import type { Config } from '../config'
import { openDatabase, runMigrations, type Db } from '.'
import { type Data, pgData, sqliteData } from './data'
import { openPostgres, runPgMigrations } from './pg'

/** The database of a process, migrated: the SQLite file (HOKO_DB) or PostgreSQL (HOKO_DATABASE_URL). */
export type Storage = {
  data: Data
  /** The SQLite connection behind `data`, for what only SQLite has (threads, vacuum, backup); null on PostgreSQL. */
  sqliteDb: Db | null
  describe: string
  close(): Promise<void>
}

export async function openStorage(config: Pick<Config, 'dbPath' | 'databaseUrl'>, options: { poolSize?: number } = {}): Promise<Storage> {
  if (config.databaseUrl) {
    const pg = openPostgres(config.databaseUrl, { max: options.poolSize })
    await runPgMigrations(pg.$client)
    return {
      data: pgData(pg.$client),
      sqliteDb: null,
      describe: `PostgreSQL ${redact(config.databaseUrl)}`,
      close: () => pg.$client.close(),
    }
  }
  const db = openDatabase(config.dbPath)
  runMigrations(db)
  return { data: sqliteData(db), sqliteDb: db, describe: `database ${config.dbPath}`, close: async () => db.$client.close() }
}

/** A URL without its password, for the start line and logs. */
export const redact = (url: string) => url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@')
