import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { log } from '../log'

/**
 * The database holds link passwords, the signing secret and customer emails: only its owner may read
 * it. Modes are given explicitly, so they hold whatever the umask of the shell that started Hoko.
 */
export const PRIVATE_FILE = 0o600
export const PRIVATE_DIR = 0o700

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`

/** Tightens an existing file that others could read or write, and says so: an operator should know. */
export function tighten(path: string): void {
  if (!existsSync(path)) return
  const mode = statSync(path).mode & 0o777
  if (mode === PRIVATE_FILE) return
  chmodSync(path, PRIVATE_FILE)
  if (mode & 0o077) log('warn', 'file was readable by others; tightened it', { path, from: octal(mode), to: octal(PRIVATE_FILE) })
}

/**
 * Creates the database's folder (0700, with any missing parents) and the file itself (0600) before
 * SQLite opens it, and tightens the file and its -wal and -shm if an older Hoko left them readable.
 * SQLite gives the -wal and -shm it creates the mode of the database file.
 * A folder that already existed is left alone: it may be shared (/tmp, a home folder), and the
 * files in it are private anyway.
 */
export function prepareDatabaseFile(path: string): void {
  const folder = dirname(resolve(path))
  const created = mkdirSync(folder, { recursive: true, mode: PRIVATE_DIR })
  if (created !== undefined) {
    // Each folder this call made, from the database's folder up to the first one created.
    for (let dir = folder; ; dir = dirname(dir)) {
      chmodSync(dir, PRIVATE_DIR)
      if (dir === resolve(created)) break
    }
  }
  closeSync(openSync(path, 'a', PRIVATE_FILE))
  for (const file of [path, `${path}-wal`, `${path}-shm`]) tighten(file)
}

/** Creates an empty owner-only file, failing if the path exists (no race between a check and the write). */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, 'wx', PRIVATE_FILE))
  chmodSync(path, PRIVATE_FILE)
}
