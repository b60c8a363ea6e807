import { existsSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Db } from '.'

export class BackupError extends Error {}

/**
 * A consistent copy of the whole database while the server runs: VACUUM INTO reads one snapshot
 * (WAL readers never block the writer) and writes a compact, self-contained file.
 */
export function backup(db: Db, target: string): { path: string; bytes: number } {
  const path = resolve(target)
  if (existsSync(path)) throw new BackupError(`${path} already exists; choose a new file`)
  if (!existsSync(dirname(path))) throw new BackupError(`folder ${dirname(path)} does not exist`)
  db.$client.query('VACUUM INTO ?').run(path)
  return { path, bytes: statSync(path).size }
}
