import type { Database } from 'bun:sqlite'
import { migrations } from '../../drizzle/migrations'

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
