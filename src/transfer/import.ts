import type { Statement } from 'bun:sqlite'
import { closeSync, openSync } from 'node:fs'
import { openDatabase, runMigrations, type Db } from '../db'
import { columnsOf, dataTables, decodeValue, FORMAT, FORMAT_VERSION, quote, SCHEMA, schemaOf, TransferError } from './format'
import { migrations } from '../../drizzle/migrations'
import { lines } from './lines'

export type ImportReport = { tables: number; rows: number; bytes: number; seconds: number }

/**
 * Tables a freshly migrated database already fills (SQLite: the rollup mark, the link change
 * counter). Their rows are replaced by the file's; any other table must be empty.
 */
function seededTables(): Set<string> {
  const fresh = openDatabase(':memory:')
  try {
    runMigrations(fresh)
    return new Set(dataTables(fresh.$client).filter((t) => fresh.$client.query(`SELECT 1 FROM ${quote(t)} LIMIT 1`).get() !== null))
  } finally {
    fresh.$client.close()
  }
}

function refuseUnlessEmpty(db: Db, tables: string[]): void {
  const sqlite = db.$client
  const count = (t: string) => (sqlite.query(`SELECT count(*) AS n FROM ${quote(t)}`).get() as { n: number }).n
  const workspaces = count('workspaces')
  const users = count('users')
  if (workspaces || users)
    throw new TransferError(
      `the database is not empty (${workspaces} workspace(s), ${users} user(s)); import into a new HOKO_DB, before its first hoko serve`,
    )
  const seeded = seededTables()
  const filled = tables.find((t) => !seeded.has(t) && count(t) > 0)
  if (filled) throw new TransferError(`the database is not empty (table ${filled} has rows); import into a new HOKO_DB`)
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

/**
 * Loads an export (see format.ts) from `source` (`-`: stdin) into the empty database `db`, all or
 * nothing: one transaction, foreign keys checked once at the end (rows come table by table, in no
 * order of references), the input read line by line.
 */
export function importInstance(db: Db, source: string): ImportReport {
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
    return load(db, fd, started)
  } finally {
    if (fd !== 0) closeSync(fd)
  }
}

function load(db: Db, fd: number, started: number): ImportReport {
  const sqlite = db.$client
  const tables = dataTables(sqlite)
  if (schemaOf(sqlite) !== SCHEMA) throw new TransferError('the database was migrated by a newer Hoko; import with that version')
  refuseUnlessEmpty(db, tables)
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

  const counts = new Map(tables.map((t) => [t, 0]))
  let trailer: Record<string, unknown> | undefined
  let bytes = 0
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

    let number = 0
    for (const { text, size } of lines(fd)) {
      number++
      bytes += size
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
      try {
        insert(line.t, names).run(...values)
      } catch (e) {
        throw new TransferError(`line ${number}: ${(e as Error).message}`)
      }
      counts.set(line.t, counts.get(line.t)! + 1)
    }
    if (number === 0) throw new TransferError('the file is empty')
    if (!trailer) throw new TransferError(`the file ends at line ${number} without its trailer: truncated? Nothing imported`)
    for (const t of tables) {
      if (!(t in trailer)) throw new TransferError(`the trailer does not list table ${t}: not an export of this schema`)
      if (trailer[t] !== counts.get(t)) throw new TransferError(`table ${t}: the trailer says ${trailer[t]} rows, the file has ${counts.get(t)}`)
    }
    const stray = Object.keys(trailer).find((t) => !columns.has(t))
    if (stray) throw new TransferError(`the trailer lists unknown table ${JSON.stringify(stray)}`)

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
  const rows = [...counts.values()].reduce((a, b) => a + b, 0)
  return { tables: tables.length, rows, bytes, seconds: (performance.now() - started) / 1000 }
}
