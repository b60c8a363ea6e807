import { chmodSync, existsSync, rmSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Data } from './data'
import { createPrivateFile, PRIVATE_FILE } from './private-files'

export class BackupError extends Error {}

/**
 * A consistent copy of the whole database while the server runs: VACUUM INTO reads one snapshot
 * (WAL readers never block the writer) and writes a compact, self-contained file.
 * The copy holds the same secrets as the database, so it is created owner-only (0600) first:
 * VACUUM INTO accepts an empty file and keeps its mode.
 */
export function backup(d: Data, target: string): { path: string; bytes: number } {
  // PostgreSQL has its own tools for consistent copies (and point-in-time recovery); a second way would be a worse one.
  if (!d.sqlite)
    throw new BackupError(
      'hoko backup copies the SQLite file; on PostgreSQL use pg_dump, for example: pg_dump --format=custom --file=hoko.dump "$HOKO_DATABASE_URL" (restore with pg_restore into an empty database)',
    )
  const sqlite = d.sqlite
  const path = resolve(target)
  if (!existsSync(dirname(path))) throw new BackupError(`folder ${dirname(path)} does not exist`)
  try {
    // 'wx': an existing file is refused by the same call that creates the new one.
    createPrivateFile(path)
  } catch (e) {
    if ((e as { code?: string }).code === 'EEXIST') throw new BackupError(`${path} already exists; choose a new file`)
    throw e
  }
  try {
    sqlite.query('VACUUM INTO ?').run(path)
  } catch (e) {
    rmSync(path, { force: true })
    throw e
  }
  chmodSync(path, PRIVATE_FILE)
  return { path, bytes: statSync(path).size }
}
