import type { Database } from 'bun:sqlite'
import { migrations } from '../../drizzle/migrations'
import { migrations as pgMigrations } from '../../drizzle-pg/migrations'
import { openDatabase, runMigrations } from '../db'
import type { Data } from '../db/data'
import { mixedType } from '../db/pg/schema'

/**
 * The export file, engine-neutral NDJSON: a header line, one line per row, a trailer line.
 *   {"format":"hoko-export","version":1,"schema":"0011_compact_clicks","exportedAt":"…"}
 *   {"t":"links","r":{"id":"…","workspace_id":"…",…}}
 *   {"end":{"links":12,…}}
 * Tables and columns go by their SQL names: the PostgreSQL schema mirrors the SQLite tables, so the same
 * file loads into either. Values are JSON strings, numbers and null; bytes are {"$b":"<base64>"}. The
 * trailer lists every table with its row count (zero included): a truncated file has none, and a file
 * that lacks a table the target has is refused.
 */
export const FORMAT = 'hoko-export'
export const FORMAT_VERSION = 1

export type Header = { format: typeof FORMAT; version: typeof FORMAT_VERSION; schema: string; exportedAt: string }
export type Trailer = { end: Record<string, number> }
export type Value = string | number | null | { $b: string }

/** A mistake in what the operator asked or gave: one line on stderr, exit status 2. */
export class TransferError extends Error {}

/** The tag of the newest migration this binary carries: exports and imports must agree on it. */
export const SCHEMA = migrations.at(-1)!.tag

/** The tag of the last migration applied to this database, or null when this binary does not know it (a newer Hoko's). */
export function schemaOf(sqlite: Database): string | null {
  const last = sqlite.query<{ at: number }, []>('SELECT max(created_at) AS at FROM __drizzle_migrations').get()?.at
  return migrations.find((m) => m.when === Number(last))?.tag ?? null
}

/**
 * The schema tag of a PostgreSQL database, in SQLite's words: its tables are derived from the SQLite
 * schema of the same binary, so a database at this binary's last PostgreSQL migration is at SCHEMA.
 * Null when another binary migrated it.
 */
export async function pgSchemaOf(d: Data): Promise<string | null> {
  const last = (await d.get<{ at: number | null }>('SELECT CAST(max(created_at) AS BIGINT) AS at FROM drizzle.__drizzle_migrations'))?.at
  return Number(last) === pgMigrations.at(-1)!.when ? SCHEMA : null
}

/** The data tables, each with its columns in SQLite's order and its primary key, and the tables a fresh database already fills. */
export type Layout = { tables: string[]; columns: Map<string, string[]>; keys: Map<string, Key[]>; seeded: Set<string> }

/**
 * The layout of this binary's schema, read from a new in-memory SQLite database migrated as any
 * other: the one source of the tables, their column order (later migrations append columns, which
 * PostgreSQL's catalog orders otherwise) and the rows migrations write, for either engine.
 */
export function layout(): Layout {
  const fresh = openDatabase(':memory:')
  try {
    runMigrations(fresh)
    const sqlite = fresh.$client
    const tables = dataTables(sqlite)
    return {
      tables,
      columns: new Map(tables.map((t) => [t, columnsOf(sqlite, t)])),
      keys: new Map(tables.map((t) => [t, keyOf(sqlite, t)])),
      seeded: new Set(tables.filter((t) => sqlite.query(`SELECT 1 FROM ${quote(t)} LIMIT 1`).get() !== null)),
    }
  } finally {
    fresh.$client.close()
  }
}

/**
 * A column of the file as PostgreSQL stores it: most are the same column; a MIXED one (see
 * src/db/pg/schema.ts) is a pair, the value of the non-text type in `x`, a text value in `x_text`.
 */
export const pgColumns = (table: string, column: string): string[] => (mixedType(`${table}.${column}`) ? [column, `${column}_text`] : [column])

/**
 * The tables an instance's data lives in, by name: every table of the schema except SQLite's own
 * (sqlite_sequence, sqlite_stat1: derived) and drizzle's migration journal, which the header's schema
 * tag stands for and which the target's own migrations write. Views (clicks) are not data.
 */
export function dataTables(sqlite: Database): string[] {
  return sqlite
    .query<{ name: string }, []>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '__drizzle_migrations' ORDER BY name",
    )
    .all()
    .map((r) => r.name)
}

export const columnsOf = (sqlite: Database, table: string): string[] =>
  sqlite
    .query<{ name: string }, [string]>('SELECT name FROM pragma_table_info(?) ORDER BY cid')
    .all(table)
    .map((r) => r.name)

/** A column of a primary key, and whether it holds text (which PostgreSQL must compare as SQLite does, byte by byte). */
export type Key = { name: string; text: boolean }
export const keyOf = (sqlite: Database, table: string): Key[] =>
  sqlite
    .query<{ name: string; type: string }, [string]>('SELECT name, type FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk')
    .all(table)
    .map((c) => ({ name: c.name, text: c.type.toUpperCase() === 'TEXT' }))

/**
 * The order rows are exported in, the same on both engines: by primary key (every table has one),
 * text in byte order (PostgreSQL's "C" collation is SQLite's BINARY). Neither engine's storage order
 * would do: PostgreSQL puts a row wherever it finds room.
 */
export const orderBy = (keys: Key[], engine: Data['engine']) =>
  keys.map((k) => (k.text && engine === 'pg' ? `${quote(k.name)} COLLATE "C"` : quote(k.name))).join(', ')

/** SQL names come from sqlite_master or were checked against it; quoting keeps any name literal. */
export const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

/**
 * A stored value as JSON. Integers are read as bigint so that one beyond 2^53, which a JSON reader
 * would round, is refused instead of silently changed (Hoko's largest, click row ids, are near 2^51).
 * Hoko's schema has no REAL column; a real value is written as a JSON number.
 */
export function encodeValue(value: unknown, where: () => string): Value {
  if (value === null || typeof value === 'string') return value
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
      throw new TransferError(`${where()}: the integer ${value} is beyond 2^53, which JSON cannot carry exactly; nothing exported`)
    return Number(value)
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TransferError(`${where()}: the number ${value} has no JSON form; nothing exported`)
    return value
  }
  if (value instanceof Uint8Array) return { $b: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') }
  throw new TransferError(`${where()}: a value of an unexpected kind (${typeof value})`)
}

/** A JSON value of a row back to what SQLite stores; undefined when it is not one encodeValue writes. */
export function decodeValue(value: unknown): string | number | null | Uint8Array | undefined {
  if (value === null || typeof value === 'string') return value
  if (typeof value === 'number') return Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value)) ? value : undefined
  if (typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value)
    const b = (value as { $b?: unknown }).$b
    if (keys.length === 1 && typeof b === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(b)) return new Uint8Array(Buffer.from(b, 'base64'))
  }
  return undefined
}

export const megabytes = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`
