import type { Config } from '../config'
import { openDatabase, runMigrations, type Db } from '.'
import { type Data, pgData, sqliteData } from './data'
import { openPostgres, runPgMigrations } from './pg'

/** The database of a process, migrated: the SQLite file (HOKO_DB) or PostgreSQL (HOKO_DATABASE_URL). */
export type Storage = {
  data: Data
  /**
   * The synchronous SQLite handle of the code not yet on `data`. On PostgreSQL, a stand-in that
   * fails with a clear error when such code runs a statement.
   */
  db: Db
  describe: string
  close(): Promise<void>
}

export async function openStorage(config: Pick<Config, 'dbPath' | 'databaseUrl'>, options: { poolSize?: number } = {}): Promise<Storage> {
  if (config.databaseUrl) {
    const pg = openPostgres(config.databaseUrl, { max: options.poolSize })
    await runPgMigrations(pg.$client)
    return {
      data: pgData(pg.$client),
      db: sqliteOnly(),
      describe: `PostgreSQL ${redact(config.databaseUrl)}`,
      close: () => pg.$client.close(),
    }
  }
  const db = openDatabase(config.dbPath)
  runMigrations(db)
  return { data: sqliteData(db), db, describe: `database ${config.dbPath}`, close: async () => db.$client.close() }
}

/** A URL without its password, for the start line and logs. */
export const redact = (url: string) => url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@')

/** What statements of code still on the synchronous SQLite handle hit on PostgreSQL. */
function sqliteOnly(): Db {
  const fail = (what: string) => () => {
    throw new Error(`${what}: this code path still uses the SQLite-only handle and does not run on PostgreSQL`)
  }
  const TERMINAL = new Set(['all', 'get', 'run', 'values', 'exec', 'execute', 'transaction', 'close', 'serialize'])
  const chain = (path: string): unknown =>
    new Proxy(function () {}, {
      get: (_, prop) => (prop === 'then' ? undefined : TERMINAL.has(String(prop)) ? fail(`${path}.${String(prop)}`) : chain(`${path}.${String(prop)}`)),
      apply: () => chain(`${path}()`),
    })
  return chain('db') as Db
}
