import { getTableColumns, getTableName, getViewName, getViewSelectedFields, is } from 'drizzle-orm'
import { SQLiteView, type SQLiteTable } from 'drizzle-orm/sqlite-core'

type Codec = { decode: (stored: any) => unknown; encode: (value: any) => unknown }

/** Drizzle column modes whose values SQLite stores in another form. Timestamps stay Unix milliseconds. */
const CODECS: Record<string, Codec> = {
  SQLiteTextJson: {
    decode: (s) => (s === null ? null : JSON.parse(s)),
    encode: (v) => (v === null ? null : JSON.stringify(v)),
  },
  SQLiteBoolean: {
    decode: (n) => (n === null ? null : n === 1),
    encode: (b) => (b === null ? null : b ? 1 : 0),
  },
}

/**
 * The raw-SQL face of a drizzle table, for the prepared statements of hot paths, where drizzle's
 * query builder costs too much: every column list and parameter list is generated from the schema,
 * rows come back keyed by the schema's field names (`workspace_id AS workspaceId`), and values are
 * bound by name (`$workspaceId`), never by position. `Field` is the fields kept (all but `omit`).
 */
export class TableColumns<Field extends string> {
  readonly name: string
  /** Field → SQL column name, in schema order. */
  readonly column: Readonly<Record<Field, string>>
  readonly fields: readonly Field[]
  private readonly codecs: (readonly [Field, Codec])[]

  /** A table, or a view declared with its columns (`sqliteView(name, columns).existing()`). */
  constructor(table: SQLiteTable | SQLiteView, omit: readonly string[] = []) {
    const view = is(table, SQLiteView)
    this.name = view ? getViewName(table) : getTableName(table)
    const columns = (view ? getViewSelectedFields(table) : getTableColumns(table)) as Record<string, { name: string; columnType: string }>
    const kept = Object.entries(columns).filter(([field]) => !omit.includes(field))
    this.column = Object.fromEntries(kept.map(([field, c]) => [field, c.name])) as Record<Field, string>
    this.fields = kept.map(([field]) => field as Field)
    this.codecs = kept.flatMap(([field, c]) => (CODECS[c.columnType] ? [[field as Field, CODECS[c.columnType]] as const] : []))
  }

  /**
   * `id, workspace_id AS "workspaceId", …`: the columns of `fields`, read back under their field
   * names (quoted: PostgreSQL folds unquoted names to lower case).
   */
  select(fields: readonly Field[] = this.fields): string {
    return fields.map((f) => (this.column[f] === f ? f : `${this.column[f]} AS "${f}"`)).join(', ')
  }

  /** INSERT of every field with `?` placeholders (src/db/data.ts), bound by `values`. */
  insertPositional(): string {
    return `INSERT INTO ${this.name} (${this.fields.map((f) => this.column[f]).join(', ')}) VALUES (${this.fields.map(() => '?').join(', ')})`
  }

  /** UPDATE of every field but `key` with `?` placeholders, bound by `values(row, key)`. */
  updatePositional(key: Field): string {
    const set = this.fields.filter((f) => f !== key).map((f) => `${this.column[f]} = ?`)
    return `UPDATE ${this.name} SET ${set.join(', ')} WHERE ${this.column[key]} = ?`
  }

  /** The parameters of insertPositional (no `key`) or updatePositional(key), from a row in stored form (see encode). */
  values(row: Record<Field, unknown>, key?: Field): unknown[] {
    if (key === undefined) return this.fields.map((f) => row[f])
    return [...this.fields.filter((f) => f !== key).map((f) => row[f]), row[key]]
  }

  /** INSERT of every field, bound by name. */
  insert(): string {
    return `INSERT INTO ${this.name} (${this.fields.map((f) => this.column[f]).join(', ')}) VALUES (${this.fields.map((f) => `$${f}`).join(', ')})`
  }

  /** UPDATE of every field but `key`, of the row whose `key` is `$key`. */
  update(key: Field): string {
    const set = this.fields.filter((f) => f !== key).map((f) => `${this.column[f]} = $${f}`)
    return `UPDATE ${this.name} SET ${set.join(', ')} WHERE ${this.column[key]} = $${key}`
  }

  /** Turns a row as read (see select) into values, in place: JSON parsed, 0/1 to booleans. */
  decode<T>(row: Record<Field, unknown>): T {
    for (const [f, c] of this.codecs) row[f] = c.decode(row[f])
    return row as T
  }

  /** A copy of `values` in the form SQLite stores, to bind by name. */
  encode<Row>(values: Record<Field, unknown>): Row {
    const row: Record<Field, unknown> = { ...values }
    for (const [f, c] of this.codecs) row[f] = c.encode(values[f])
    return row as Row
  }
}
