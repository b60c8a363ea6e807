import type { Database, Statement } from 'bun:sqlite'
import { closeSync, openSync } from 'node:fs'
import type { Data } from '../db/data'
import { columnsOf, dataTables, decodeValue, FORMAT, FORMAT_VERSION, layout, pgColumns, pgSchemaOf, quote, SCHEMA, schemaOf, TransferError } from './format'
import { migrations } from '../../drizzle/migrations'
import { lines } from './lines'

export type ImportReport = { tables: number; rows: number; bytes: number; seconds: number }

/**
 * Refuses a database with data: no workspace, no user, and no row in any table but those a freshly
 * migrated database already fills (`seeded`: the rollup mark, the link change counter), whose rows
 * the file's replace.
 */
async function refuseUnlessEmpty(engine: Data['engine'], count: (table: string) => Promise<number>, tables: string[], seeded: Set<string>): Promise<void> {
  const target = engine === 'pg' ? 'a new PostgreSQL database (HOKO_DATABASE_URL)' : 'a new HOKO_DB'
  const workspaces = await count('workspaces')
  const users = await count('users')
  if (workspaces || users)
    throw new TransferError(
      `the database is not empty (${workspaces} workspace(s), ${users} user(s)); import into ${target}, before its first hoko serve`,
    )
  for (const t of tables)
    if (!seeded.has(t) && (await count(t)) > 0)
      throw new TransferError(`the database is not empty (table ${t} has rows); import into ${target}`)
}

function checkHeader(text: string | undefined): void {
  let header: Record<string, unknown> | undefined
  try {
    header = text === undefined ? undefined : JSON.parse(text)
  } catch {}
  if (header?.format !== FORMAT) throw new TransferError(`line 1: not a Hoko export (no ${FORMAT} header)`)
  if (header.version !== FORMAT_VERSION)
    throw new TransferError(`line 1: export format version ${JSON.stringify(header.version)}; this Hoko reads version ${FORMAT_VERSION}`)
  if (header.schema === SCHEMA) return
  // Older is refused too: the file's tables would differ from the target's. Migrating the source is one command.
  if (migrations.some((m) => m.tag === header.schema))
    throw new TransferError(
      `the file was exported at schema ${header.schema}, this Hoko is at ${SCHEMA}: open the source database with this Hoko (hoko migrate), export again`,
    )
  throw new TransferError(`the file was exported by a newer Hoko (schema ${JSON.stringify(header.schema)}, this one is at ${SCHEMA}); upgrade Hoko`)
}

type Row = { number: number; table: string; names: string[]; values: (string | number | null | Uint8Array)[] }

/**
 * The rows of the file, checked one line at a time (header, known tables and columns, values an
 * export writes), then the trailer against what was read: a truncated or edited file throws before
 * the caller commits. `read` counts the rows per table and the bytes.
 */
function* rowsOf(fd: number, columns: Map<string, Set<string>>, read: { counts: Map<string, number>; bytes: number }): Generator<Row> {
  let trailer: Record<string, unknown> | undefined
  let number = 0
  for (const { text, size } of lines(fd)) {
    number++
    read.bytes += size
    if (number === 1) {
      checkHeader(text)
      continue
    }
    if (text === undefined) throw new TransferError(`line ${number}: not UTF-8 text`)
    if (trailer) throw new TransferError(`line ${number}: a line after the trailer`)
    let line: any
    try {
      line = JSON.parse(text)
    } catch {
      throw new TransferError(`line ${number}: not valid JSON`)
    }
    if (line !== null && typeof line === 'object' && 'end' in line && typeof line.end === 'object' && line.end !== null) {
      trailer = line.end
      continue
    }
    if (typeof line?.t !== 'string' || typeof line.r !== 'object' || line.r === null || Array.isArray(line.r))
      throw new TransferError(`line ${number}: not a row ({"t":table,"r":{…}})`)
    const known = columns.get(line.t)
    if (!known) throw new TransferError(`line ${number}: unknown table ${JSON.stringify(line.t)}`)
    const names = Object.keys(line.r)
    const values = names.map((name) => {
      if (!known.has(name)) throw new TransferError(`line ${number}: unknown column ${JSON.stringify(name)} of table ${line.t}`)
      const value = decodeValue(line.r[name])
      if (value === undefined) throw new TransferError(`line ${number}: column ${name} holds a value an export never writes`)
      return value
    })
    yield { number, table: line.t, names, values }
    read.counts.set(line.t, read.counts.get(line.t)! + 1)
  }
  if (number === 0) throw new TransferError('the file is empty')
  if (!trailer) throw new TransferError(`the file ends at line ${number} without its trailer: truncated? Nothing imported`)
  for (const t of columns.keys()) {
    if (!(t in trailer)) throw new TransferError(`the trailer does not list table ${t}: not an export of this schema`)
    if (trailer[t] !== read.counts.get(t)) throw new TransferError(`table ${t}: the trailer says ${trailer[t]} rows, the file has ${read.counts.get(t)}`)
  }
  const stray = Object.keys(trailer).find((t) => !columns.has(t))
  if (stray) throw new TransferError(`the trailer lists unknown table ${JSON.stringify(stray)}`)
}

/**
 * Loads an export (see format.ts) from `source` (`-`: stdin) into the empty database `d` of either
 * engine, all or nothing: one transaction, foreign keys checked once at the end (rows come table by
 * table, in no order of references), the input read line by line.
 */
export async function importInstance(d: Data, source: string): Promise<ImportReport> {
  const started = performance.now()
  let fd = 0
  if (source !== '-') {
    try {
      fd = openSync(source, 'r')
    } catch (e) {
      throw new TransferError(`cannot read ${source}: ${(e as Error).message}`)
    }
  }
  try {
    const read = await (d.sqlite ? intoSqlite(d.sqlite, fd) : intoPg(d, fd))
    const rows = [...read.counts.values()].reduce((a, b) => a + b, 0)
    return { tables: read.counts.size, rows, bytes: read.bytes, seconds: (performance.now() - started) / 1000 }
  } finally {
    if (fd !== 0) closeSync(fd)
  }
}

const newRead = (tables: string[]) => ({ counts: new Map(tables.map((t) => [t, 0])), bytes: 0 })

async function intoSqlite(sqlite: Database, fd: number) {
  const tables = dataTables(sqlite)
  if (schemaOf(sqlite) !== SCHEMA) throw new TransferError('the database was migrated by a newer Hoko; import with that version')
  const count = (t: string) => (sqlite.query(`SELECT count(*) AS n FROM ${quote(t)}`).get() as { n: number }).n
  await refuseUnlessEmpty('sqlite', async (t) => count(t), tables, layout().seeded)
  const columns = new Map(tables.map((t) => [t, new Set(columnsOf(sqlite, t))]))
  const inserts = new Map<string, Statement>()
  const insert = (table: string, names: string[]) => {
    const key = `${table}\n${names.join('\n')}`
    let statement = inserts.get(key)
    if (!statement) {
      statement = sqlite.prepare(`INSERT INTO ${quote(table)} (${names.map(quote).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`)
      inserts.set(key, statement)
    }
    return statement
  }

  const read = newRead(tables)
  let ok = false
  // Foreign keys cannot be switched inside a transaction; triggers can only be dropped (their SQL is
  // kept and they come back before the commit): the file's rows are stored as they were exported,
  // not counted again by triggers that keep derived counters (link_changes).
  sqlite.exec('PRAGMA foreign_keys = OFF')
  sqlite.exec('BEGIN IMMEDIATE')
  try {
    const triggers = sqlite.query<{ name: string; sql: string }, []>("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
    for (const t of triggers) sqlite.exec(`DROP TRIGGER ${quote(t.name)}`)
    for (const t of tables) sqlite.exec(`DELETE FROM ${quote(t)}`)
    for (const row of rowsOf(fd, columns, read)) {
      try {
        insert(row.table, row.names).run(...row.values)
      } catch (e) {
        throw new TransferError(`line ${row.number}: ${(e as Error).message}`)
      }
    }
    for (const t of triggers) sqlite.exec(t.sql)
    const broken = sqlite.query<{ table: string; rowid: number | null; parent: string }, []>('PRAGMA foreign_key_check').all()
    if (broken.length) {
      const first = broken[0]
      throw new TransferError(
        `${broken.length} row(s) refer to rows the file does not have (first: table ${first.table}, rowid ${first.rowid}, to ${first.parent}); nothing imported`,
      )
    }
    sqlite.exec('COMMIT')
    ok = true
  } finally {
    if (!ok) sqlite.exec('ROLLBACK')
    for (const s of inserts.values()) s.finalize()
    sqlite.exec('PRAGMA foreign_keys = ON')
  }
  return read
}

/** Rows per INSERT on PostgreSQL, and the parameters one statement may carry (the protocol's limit is 65,535). */
const BATCH = 500
const MAX_PARAMS = 60_000

/**
 * PostgreSQL: one transaction, with the foreign keys dropped and added back at the end (which checks
 * every row, as SQLite's foreign_key_check) and the tables' own triggers off while the file's rows go
 * in (they would count link_changes again); multi-row INSERTs of up to 500 rows, a MIXED column's value
 * in the column of its type (see src/db/pg/schema.ts); then the identity sequences moved past the
 * imported ids, so that the next row written gets a new one.
 */
async function intoPg(d: Data, fd: number) {
  const { tables, columns, seeded } = layout()
  const read = newRead(tables)
  await d.tx(async (tx) => {
    // Two imports at once into one database: the second finds the first's rows and is refused.
    await tx.run("SELECT pg_advisory_xact_lock(hashtext('hoko import'))")
    if ((await pgSchemaOf(tx)) !== SCHEMA) throw new TransferError('the database was migrated by a newer Hoko; import with that version')
    const count = async (t: string) => (await tx.get<{ n: number }>(`SELECT count(*) AS n FROM ${quote(t)}`))!.n
    await refuseUnlessEmpty('pg', count, tables, seeded)

    const triggered = await tx.all<{ table: string }>(
      `SELECT DISTINCT c.relname AS "table" FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
        WHERE NOT g.tgisinternal AND c.relnamespace = current_schema()::regnamespace ORDER BY 1`,
    )
    for (const { table } of triggered) await tx.run(`ALTER TABLE ${quote(table)} DISABLE TRIGGER USER`)
    const keys = await tx.all<{ table: string; name: string; def: string }>(
      `SELECT c.relname AS "table", k.conname AS name, pg_get_constraintdef(k.oid) AS def FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace ORDER BY 1, 2`,
    )
    for (const k of keys) await tx.run(`ALTER TABLE ${quote(k.table)} DROP CONSTRAINT ${quote(k.name)}`)
    for (const t of tables) await tx.run(`DELETE FROM ${quote(t)}`)

    let batch: Row[] = []
    const flush = async () => {
      if (batch.length === 0) return
      const [{ table, names }] = batch
      const stored = names.flatMap((c) => pgColumns(table, c))
      const params: unknown[] = []
      const tuples = batch.map((row) => {
        for (let i = 0; i < names.length; i++) {
          const v = row.values[i]
          if (stored.length === names.length || pgColumns(table, names[i]).length === 1) params.push(v)
          else typeof v === 'string' ? params.push(null, v) : params.push(v, null)
        }
        return `(${stored.map(() => '?').join(', ')})`
      })
      try {
        await tx.run(`INSERT INTO ${quote(table)} (${stored.map(quote).join(', ')}) VALUES ${tuples.join(', ')}`, params)
      } catch (e) {
        const lines = batch.length === 1 ? `line ${batch[0].number}` : `lines ${batch[0].number}–${batch.at(-1)!.number}`
        throw new TransferError(`${lines} (table ${table}): ${(e as Error).message}`)
      }
      batch = []
    }
    for (const row of rowsOf(fd, new Map(tables.map((t) => [t, new Set(columns.get(t))])), read)) {
      const first = batch[0]
      if (first && (first.table !== row.table || first.names.join('\n') !== row.names.join('\n'))) await flush()
      batch.push(row)
      if (batch.length >= Math.min(BATCH, Math.floor(MAX_PARAMS / (2 * row.names.length)))) await flush()
    }
    await flush()

    for (const k of keys) {
      try {
        await tx.run(`ALTER TABLE ${quote(k.table)} ADD CONSTRAINT ${quote(k.name)} ${k.def}`)
      } catch (e) {
        const detail = (e as { detail?: string }).detail
        throw new TransferError(
          `row(s) of table ${k.table} refer to rows the file does not have (${k.name}${detail ? `: ${detail}` : ''}); nothing imported`,
        )
      }
    }
    for (const { table } of triggered) await tx.run(`ALTER TABLE ${quote(table)} ENABLE TRIGGER USER`)
    const identities = await tx.all<{ table: string; column: string }>(
      `SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
        WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY 1`,
    )
    for (const { table, column } of identities)
      await tx.get(`SELECT setval(pg_get_serial_sequence(?, ?), coalesce(max(${quote(column)}), 0) + 1, false) FROM ${quote(table)}`, [quote(table), column])
  })
  return read
}
