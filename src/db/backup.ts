import { chmodSync, existsSync, rmSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Db } from '.'
import { createPrivateFile, PRIVATE_FILE } from './private-files'

export class BackupError extends Error {}

/**
 * A consistent copy of the whole database while the server runs: VACUUM INTO reads one snapshot
 * (WAL readers never block the writer) and writes a compact, self-contained file.
 * The copy holds the same secrets as the database, so it is created owner-only (0600) first:
 * VACUUM INTO accepts an empty file and keeps its mode.
 */
export function backup(db: Db, target: string): { path: string; bytes: number } {
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
    db.$client.query('VACUUM INTO ?').run(path)
  } catch (e) {
    rmSync(path, { force: true })
    throw e
  }
  chmodSync(path, PRIVATE_FILE)
  return { path, bytes: statSync(path).size }
}
