import type { Db } from '.'

const pragma = (db: Db, name: 'page_count' | 'page_size' | 'freelist_count' | 'auto_vacuum') =>
  db.$client.query<Record<string, number>, []>(`PRAGMA ${name}`).get()![name]

/** 'incremental' when pages freed by click retention go back to the file system. */
export function autoVacuumMode(db: Db): 'none' | 'full' | 'incremental' {
  const mode = pragma(db, 'auto_vacuum')
  return mode === 2 ? 'incremental' : mode === 1 ? 'full' : 'none'
}

/**
 * `hoko vacuum`: rebuilds the database file in incremental auto-vacuum mode, so that pages freed by
 * click retention go back to the file system from then on, and drops the free pages it holds now. A
 * file created before Hoko set that mode (see openDatabase) can change it only this way. VACUUM
 * writes the whole database anew, through the WAL, and holds the write lock meanwhile: clicks would
 * wait past the busy timeout, so the server must be stopped first.
 */
export function vacuum(db: Db) {
  const pageSize = pragma(db, 'page_size')
  const bytesBefore = pragma(db, 'page_count') * pageSize
  const freeBytesBefore = pragma(db, 'freelist_count') * pageSize
  db.$client.exec('PRAGMA auto_vacuum = INCREMENTAL')
  db.$client.exec('VACUUM')
  // The WAL now holds a copy of every page: into the file, and the WAL back to nothing.
  db.$client.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  return { autoVacuum: autoVacuumMode(db), bytesBefore, freeBytesBefore, bytesAfter: pragma(db, 'page_count') * pageSize }
}
