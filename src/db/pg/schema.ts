import { is, SQL, sql, type ColumnBaseConfig, type ColumnDataType } from 'drizzle-orm'
import {
  bigint,
  check,
  customType,
  doublePrecision,
  foreignKey,
  index,
  pgTable,
  pgView,
  primaryKey,
  text,
  unique,
  uniqueIndex,
  type PgColumn,
  type PgColumnBuilderBase,
  type PgTableWithColumns,
  type PgViewWithSelection,
} from 'drizzle-orm/pg-core'
import { getTableConfig, getViewConfig, SQLiteSyncDialect, SQLiteTable, type SQLiteColumn } from 'drizzle-orm/sqlite-core'
import * as lite from '../schema'

/**
 * The PostgreSQL tables, derived when this module loads from the SQLite ones in ../schema.ts: a
 * column, index or key is written once, there. Same table, column, index and key names; the values
 * a query reads are the same JavaScript values on both engines. drizzle.pg.config.ts generates the
 * migrations in drizzle-pg/ from these; the `clicks` view and the triggers are hand-written there.
 */

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' })
/** timestamp_ms: Unix milliseconds in a bigint, read as a Date as on SQLite. */
const millis = customType<{ data: Date; driverData: string | number }>({
  dataType: () => 'bigint',
  toDriver: (d) => d.getTime(),
  fromDriver: (v) => new Date(Number(v)),
})
/** boolean mode: 0 or 1 in a bigint (what raw SQL reads on SQLite too), read as a boolean. */
const flag = customType<{ data: boolean; driverData: string | number }>({
  dataType: () => 'bigint',
  toDriver: (b) => (b ? 1 : 0),
  fromDriver: (v) => Number(v) !== 0,
})
/** json mode: the JSON text, as on SQLite (jsonb would reorder keys and drop duplicates). */
const jsonText = customType<{ data: unknown; driverData: string }>({
  dataType: () => 'text',
  toDriver: (v) => JSON.stringify(v),
  fromDriver: (v) => JSON.parse(v),
})

/**
 * Columns the SQLite click store fills with values of two types: SQLite keeps each value's own type
 * and the clicks view tells them apart with typeof() (src/clicks/store.ts). A PostgreSQL column has
 * one type, so each of these keeps the non-text form under its own name (with the type given here)
 * and gets a `<name>_text` column for text values; a check allows one of the two at most (exactly
 * one where SQLite says NOT NULL).
 */
export const MIXED = {
  // A click_texts id, or the destination itself.
  'click_rows.dest': 'bigint',
  // A truncated address packed as an integer, or an address of another form.
  'click_rows.ip': 'bigint',
  // A redirect-made id as its 16 bytes, or any other id.
  'click_rows.visitor': 'bytea',
  'click_rows.session': 'bytea',
  // A UUID as its 16 bytes, or an id of another form.
  'click_legacy_ids.uuid': 'bytea',
} as const satisfies Record<string, 'bigint' | 'bytea'>
export const mixedType = (where: string): 'bigint' | 'bytea' | undefined => (MIXED as Record<string, 'bigint' | 'bytea'>)[where]
const mixedSeen = new Set<string>()

const liteDialect = new SQLiteSyncDialect()
/** SQLite default expressions, as PostgreSQL writes them. */
const SQL_DEFAULTS: Record<string, SQL> = {
  '(unixepoch() * 1000)': sql`((extract(epoch from now()) * 1000)::bigint)`,
}

type Builder = PgColumnBuilderBase & {
  notNull(): Builder
  default(v: unknown): Builder
  primaryKey(): Builder
  unique(name?: string): Builder
  generatedByDefaultAsIdentity(): Builder
}

function columnOf(table: string, c: SQLiteColumn): Builder {
  const where = `${table}.${c.name}`
  const mixed = mixedType(where)
  if (mixed) mixedSeen.add(where)
  const mode = (c as unknown as { config?: { mode?: string } }).config?.mode
  let b: Builder
  if (mixed === 'bigint') b = bigint(c.name, { mode: 'number' }) as never
  else if (mixed === 'bytea') b = bytea(c.name) as never
  else if (c.columnType === 'SQLiteInteger') b = bigint(c.name, { mode: 'number' }) as never
  else if (c.columnType === 'SQLiteTimestamp' && mode === 'timestamp_ms') b = millis(c.name) as never
  else if (c.columnType === 'SQLiteBoolean') b = flag(c.name) as never
  else if (c.columnType === 'SQLiteText') b = text(c.name, { enum: c.enumValues as [string, ...string[]] | undefined }) as never
  else if (c.columnType === 'SQLiteTextJson') b = jsonText(c.name) as never
  else if (c.columnType === 'SQLiteBlobBuffer') b = bytea(c.name) as never
  else if (c.columnType === 'SQLiteReal') b = doublePrecision(c.name) as never
  else throw new Error(`src/db/pg/schema.ts: no PostgreSQL type for ${where} (${c.columnType}${mode ? `, mode ${mode}` : ''})`)
  if (c.generated || c.defaultFn || c.onUpdateFn) throw new Error(`src/db/pg/schema.ts: ${where} is generated or has a $default/$onUpdate function, which the derivation does not carry over`)
  // A mixed column's NOT NULL becomes its check: the value may be in either column.
  if (c.notNull && !mixed) b = b.notNull()
  if (c.default !== undefined) b = b.default(defaultOf(where, c.default))
  if (c.primary) {
    b = b.primaryKey()
    // An INTEGER PRIMARY KEY is SQLite's rowid: given when an insert leaves it out (the dictionaries).
    // Unlike SQLite's max + 1, the sequence does not see ids given explicitly: whoever copies rows
    // in with their ids moves it past them (setval).
    if (c.columnType === 'SQLiteInteger') b = b.generatedByDefaultAsIdentity()
  }
  if (c.isUnique) b = b.unique(c.uniqueName)
  return b
}

function defaultOf(where: string, value: unknown): unknown {
  if (is(value, SQL)) {
    const text = liteDialect.sqlToQuery(value).sql
    const pg = SQL_DEFAULTS[text]
    if (!pg) throw new Error(`src/db/pg/schema.ts: no PostgreSQL form for the default of ${where}: ${text}`)
    return pg
  }
  // drizzle-kit writes a JavaScript boolean as `false`, which a bigint column refuses.
  if (typeof value === 'boolean') return sql.raw(value ? '1' : '0')
  return value
}

/** The PostgreSQL tables by SQLite table name: foreign keys find their target here. */
const byName = new Map<string, PgTableWithColumns<any>>()

export function derive<T extends SQLiteTable>(sqliteTable: T): PgOf<T> {
  const cfg = getTableConfig(sqliteTable)
  const name = cfg.name
  const keys = Object.entries(sqliteTable as unknown as Record<string, unknown>).filter(([, v]) => cfg.columns.includes(v as SQLiteColumn))
  const columns: Record<string, Builder> = {}
  const mixed: string[] = []
  for (const [key, c] of keys as [string, SQLiteColumn][]) {
    columns[key] = columnOf(name, c)
    if (mixedType(`${name}.${c.name}`)) {
      columns[`${key}Text`] = text(`${c.name}_text`) as never
      mixed.push(c.name)
    }
  }
  const table = pgTable(name, columns, (t) => {
    const col = (c: SQLiteColumn | SQL) => {
      if (is(c, SQL)) throw new Error(`src/db/pg/schema.ts: ${name} has an index on an expression`)
      return Object.values(t).find((p) => (p as PgColumn).name === c.name) as PgColumn
    }
    const extra: unknown[] = []
    for (const pk of cfg.primaryKeys) extra.push(primaryKey({ name: pk.getName(), columns: pk.columns.map(col) as [PgColumn, ...PgColumn[]] }))
    for (const u of cfg.uniqueConstraints) extra.push(unique(u.name).on(...(u.columns.map(col) as [PgColumn, ...PgColumn[]])))
    for (const ck of cfg.checks) extra.push(check(ck.name, ck.value))
    for (const fk of cfg.foreignKeys) {
      const ref = fk.reference()
      const target = getTableConfig(ref.foreignTable).name
      const other = byName.get(target)
      if (!other) throw new Error(`src/db/pg/schema.ts: ${name} references ${target}, which is not derived here`)
      const foreignColumns = ref.foreignColumns.map((c) => Object.values(other).find((p) => (p as PgColumn)?.name === c.name) as PgColumn)
      let k = foreignKey({ name: fk.getName(), columns: ref.columns.map(col) as [PgColumn, ...PgColumn[]], foreignColumns: foreignColumns as [PgColumn, ...PgColumn[]] })
      if (fk.onDelete) k = k.onDelete(fk.onDelete)
      if (fk.onUpdate) k = k.onUpdate(fk.onUpdate)
      extra.push(k)
    }
    for (const ix of cfg.indexes) {
      const on = ix.config.columns.map(col) as [PgColumn, ...PgColumn[]]
      const build = (ixName: string, cols: [PgColumn, ...PgColumn[]]) => {
        const b = (ix.config.unique ? uniqueIndex(ixName) : index(ixName)).on(...cols)
        return ix.config.where ? b.where(ix.config.where) : b
      }
      extra.push(build(ix.config.name, on))
      // The text values of a mixed column are indexed (and kept unique) beside the others.
      const m = on.filter((c) => mixed.includes(c.name))
      if (m.length > 1 || (m.length === 1 && on.length > 1)) throw new Error(`src/db/pg/schema.ts: index ${ix.config.name} mixes a two-typed column with others`)
      if (m.length === 1) extra.push(build(`${ix.config.name}_text`, [col({ name: `${m[0].name}_text` } as SQLiteColumn)]))
    }
    for (const m of mixed) {
      const notNull = cfg.columns.find((c) => c.name === m)!.notNull
      const pair = sql.raw(`num_nonnulls("${m}", "${m}_text") ${notNull ? '=' : '<='} 1`)
      extra.push(check(`${name}_${m}_one_check`, pair))
    }
    return extra as never
  })
  byName.set(name, table)
  return table as never
}

/**
 * A PostgreSQL table typed like its SQLite source: the same keys and the same values read and
 * written, except a MIXED column (its non-text form, nullable) and its `<key>Text` companion.
 */
type PgOf<T extends SQLiteTable> = PgTableWithColumns<{
  name: T['_']['name']
  schema: undefined
  dialect: 'pg'
  columns: Merge<
    { [K in keyof T['_']['columns']]: PgColumn<PgConfigOf<T['_']['columns'][K]['_'], `${T['_']['name']}.${T['_']['columns'][K]['_']['name']}`>> },
    {
      [K in keyof T['_']['columns'] as `${T['_']['name']}.${T['_']['columns'][K]['_']['name']}` extends keyof typeof MIXED ? `${K & string}Text` : never]: PgColumn<
        TextConfig<T['_']['name'], `${T['_']['columns'][K]['_']['name']}_text`>
      >
    }
  >
}>
/** One object type, not an intersection: drizzle's insert types read the columns one key at a time. */
type Merge<A, B> = { [K in keyof A | keyof B]: K extends keyof A ? A[K] : K extends keyof B ? B[K] : never } extends infer M extends Record<string, PgColumn> ? M : never
type BaseConfig = ColumnBaseConfig<ColumnDataType, string>
/** The SQLite column's type config, with `generated` and `identity` as drizzle's insert types want them (none here). */
type Same<C extends BaseConfig> = { [K in keyof BaseConfig]: C[K] } & { generated: undefined; identity: undefined }
type PgConfigOf<C extends BaseConfig, Where extends string = never> = Where extends keyof typeof MIXED
  ? Omit<Same<C>, 'data' | 'notNull'> & { data: (typeof MIXED)[Where] extends 'bigint' ? number : Uint8Array; notNull: false }
  : Same<C>
type TextConfig<Table extends string, Name extends string> = {
  name: Name
  tableName: Table
  dataType: 'string'
  columnType: 'PgText'
  data: string
  driverParam: string
  notNull: false
  hasDefault: false
  isPrimaryKey: false
  isAutoincrement: false
  hasRuntimeDefault: false
  enumValues: [string, ...string[]]
  baseColumn: never
  identity: undefined
  generated: undefined
}

export const workspaces = derive(lite.workspaces)
export const apiKeys = derive(lite.apiKeys)
export const settings = derive(lite.settings)
export const collections = derive(lite.collections)
export const tags = derive(lite.tags)
export const partners = derive(lite.partners)
export const customers = derive(lite.customers)
export const links = derive(lite.links)
export const domains = derive(lite.domains)
export const linkTags = derive(lite.linkTags)
export const clickRows = derive(lite.clickRows)
export const clickLegacyIds = derive(lite.clickLegacyIds)
export const clickWorkspaces = derive(lite.clickWorkspaces)
export const clickLinks = derive(lite.clickLinks)
export const clickAgents = derive(lite.clickAgents)
export const clickPlaces = derive(lite.clickPlaces)
export const clickReferrers = derive(lite.clickReferrers)
export const clickTexts = derive(lite.clickTexts)
export const leads = derive(lite.leads)
export const sales = derive(lite.sales)
export const commissions = derive(lite.commissions)
export const idempotencyKeys = derive(lite.idempotencyKeys)
export const clickRollups = derive(lite.clickRollups)
export const clickRollupsAll = derive(lite.clickRollupsAll)
export const rollupState = derive(lite.rollupState)
export const linkChanges = derive(lite.linkChanges)
export const users = derive(lite.users)
export const memberships = derive(lite.memberships)
export const sessions = derive(lite.sessions)
export const invites = derive(lite.invites)
export const webhooks = derive(lite.webhooks)
export const webhookDeliveries = derive(lite.webhookDeliveries)
export const webhookAttempts = derive(lite.webhookAttempts)

/** The clicks view (hand-written in drizzle-pg/, as drizzle/0011_compact_clicks.sql writes SQLite's); visitor ids come out as text. */
export const clicks = pgView('clicks', viewColumns(lite.clicks)).existing() as unknown as PgViewWithSelection<
  'clicks',
  true,
  { [K in keyof typeof lite.clicks._.selectedFields]: PgColumn<PgConfigOf<(typeof lite.clicks._.selectedFields)[K]['_']>> }
>

function viewColumns(view: typeof lite.clicks): Record<string, PgColumnBuilderBase> {
  const out: Record<string, PgColumnBuilderBase> = {}
  for (const [key, c] of Object.entries(getViewConfig(view).selectedFields)) out[key] = columnOf('clicks', c as SQLiteColumn)
  return out
}

// Every table of the SQLite schema is here (a new one must be added above), and every mixed column exists.
for (const [key, value] of Object.entries(lite)) {
  if (is(value, SQLiteTable) && !byName.has(getTableConfig(value).name)) throw new Error(`src/db/pg/schema.ts: derive(lite.${key}) is missing`)
}
for (const where of Object.keys(MIXED)) if (!mixedSeen.has(where)) throw new Error(`src/db/pg/schema.ts: MIXED names ${where}, which src/db/schema.ts does not have`)
