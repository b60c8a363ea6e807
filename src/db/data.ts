import type { Database } from 'bun:sqlite'
import type { SQL } from 'bun'
import { drizzle as pgDrizzle, type BunSQLDatabase } from 'drizzle-orm/bun-sql'
import type { Db } from '.'
import * as pgSchema from './pg/schema'
import * as liteSchema from './schema'

/**
 * Engine-neutral, asynchronous access to the database: the same service code runs on the SQLite
 * file and on PostgreSQL (HOKO_DATABASE_URL). Two ways to query, both awaited:
 * - drizzle's builder: `await d.orm.select().from(d.t.links).where(…)`. `orm` and `t` are typed as
 *   the PostgreSQL flavour, so only what both engines' builders share type-checks (no `.get()`,
 *   `.all()` or `.run()`, which exist on SQLite only); at run time they are the engine's own.
 * - raw SQL with `?` placeholders: `await d.all<Row>('SELECT … WHERE id = ?', [id])`. Write SQL both
 *   engines read: `ON CONFLICT … DO NOTHING` (not `INSERT OR IGNORE`), `CAST(sum(x) AS BIGINT)` (a
 *   PostgreSQL sum of bigints is numeric), `d.list` for a JSON array parameter, no `?` in literals.
 *   Integers come back as numbers on both engines.
 * Atomic work goes through `d.tx(async (tx) => …)`, and everything inside uses `tx`, never `d`: on
 * PostgreSQL `tx` is one connection and `d` a pool. Inside a transaction await nothing but `tx`
 * (no fetch, no Redis, no sleep): on SQLite the transaction holds the one connection of the process.
 */
export interface Data {
  readonly engine: 'sqlite' | 'pg'
  readonly orm: PgOrm
  readonly t: Tables
  all<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>
  get<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T | undefined>
  /** How many rows the statement changed. */
  run(text: string, params?: readonly unknown[]): Promise<number>
  /** Runs `fn` in one transaction (a nested call joins the outer one). */
  tx<T>(fn: (tx: Data) => Promise<T>): Promise<T>
  /**
   * A table of the values of one JSON array parameter, as a column named `value` of text:
   * `WHERE id IN (SELECT value FROM ${d.list})` with `JSON.stringify(ids)` as the parameter.
   */
  readonly list: string
  /** The SQLite connection, for what only SQLite has (backup, vacuum, the click store's statements); null on PostgreSQL. */
  readonly sqlite: Database | null
}

/**
 * drizzle's pg builder without a relational schema: no feature uses `orm.query`, and building one
 * costs ~0.2 ms, once per transaction (each click commit on PostgreSQL) since `tx` is a new instance.
 */
export type PgOrm = BunSQLDatabase
type Tables = typeof pgSchema

/** Values both drivers bind alike: a Date as its Unix milliseconds, a boolean as 0 or 1 (as the schema stores them). */
const bind = (params: readonly unknown[]): never[] =>
  params.map((p) => (p instanceof Date ? p.getTime() : typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : p)) as never[]

const ofConnection = new WeakMap<Db, Data>()

/**
 * SQLite: the one connection of the server (openDatabase), shared by both ways of querying. One
 * Data per connection, whoever asks, since its transactions take turns.
 */
export function sqliteData(db: Db): Data {
  let d = ofConnection.get(db)
  if (!d) ofConnection.set(db, (d = newSqliteData(db)))
  return d
}

function newSqliteData(db: Db): Data {
  const c = db.$client
  let turn: Promise<void> = Promise.resolve()
  const base = {
    engine: 'sqlite' as const,
    orm: db as unknown as PgOrm,
    t: liteSchema as unknown as Tables,
    list: 'json_each(?)',
    sqlite: c,
    async all<T>(text: string, params: readonly unknown[] = []) {
      return c.query(text).all(...bind(params)) as T[]
    },
    async get<T>(text: string, params: readonly unknown[] = []) {
      return (c.query(text).get(...bind(params)) ?? undefined) as T | undefined
    },
    async run(text: string, params: readonly unknown[] = []) {
      return c.query(text).run(...bind(params)).changes
    },
  }
  const inside: Data = { ...base, tx: (fn) => fn(inside) }
  const outside: Data = {
    ...base,
    async tx(fn) {
      // One connection: transactions take turns. The awaits inside one resolve at once (bun:sqlite is
      // synchronous), so no other request's statement runs in between.
      const previous = turn
      let done!: () => void
      turn = new Promise((r) => (done = r))
      await previous
      try {
        c.run('BEGIN IMMEDIATE')
        try {
          const result = await fn(inside)
          c.run('COMMIT')
          return result
        } catch (e) {
          if (c.inTransaction) c.run('ROLLBACK')
          throw e
        }
      } finally {
        done()
      }
    },
  }
  return outside
}

/** `?` placeholders as PostgreSQL's `$1, $2, …`; a `?` inside a '…' literal or "…" name stays. */
export function dollarParams(text: string): string {
  let out = ''
  let n = 0
  let quote: string | null = null
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null
      out += ch
    } else if (ch === "'" || ch === '"') {
      quote = ch
      out += ch
    } else out += ch === '?' ? `$${++n}` : ch
  }
  return out
}

const converted = new Map<string, string>()
function pgText(text: string): string {
  let t = converted.get(text)
  if (t === undefined) {
    t = dollarParams(text)
    if (converted.size < 10_000) converted.set(text, t)
  }
  return t
}

/** Bun.sql returns int8 as BigInt (option `bigint: true`): every value the schema holds fits a number. */
function numbers<T>(rows: Record<string, unknown>[]): T[] {
  for (const row of rows)
    for (const k in row) {
      const v = row[k]
      if (typeof v === 'bigint') row[k] = Number(v)
    }
  return rows as T[]
}

/** PostgreSQL: a pool (or, inside `tx`, one connection of it) of Bun's own client. */
export function pgData(client: SQL): Data {
  const orm = pgDrizzle({ client }) as PgOrm
  const rows = async (text: string, params: readonly unknown[]) => {
    const result = await client.unsafe(pgText(text), bind(params))
    return result as unknown as Record<string, unknown>[] & { count: number | null }
  }
  const d: Data = {
    engine: 'pg',
    orm,
    t: pgSchema,
    // Through text: a parameter PostgreSQL types as json, Bun.sql encodes as JSON again (a JSON string, not the array).
    list: 'json_array_elements_text(?::text::json)',
    sqlite: null,
    async all<T>(text: string, params: readonly unknown[] = []) {
      return numbers<T>([...(await rows(text, params))])
    },
    async get<T>(text: string, params: readonly unknown[] = []) {
      return numbers<T>([...(await rows(text, params))])[0]
    },
    async run(text: string, params: readonly unknown[] = []) {
      return (await rows(text, params)).count ?? 0
    },
    async tx(fn) {
      return (await client.begin(async (conn) => fn(pgTx(conn as unknown as SQL)))) as never
    },
  }
  return d
}

function pgTx(conn: SQL): Data {
  const d = pgData(conn)
  const inside: Data = { ...d, tx: (fn) => fn(inside) }
  return inside
}
