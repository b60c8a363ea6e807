import { Database } from 'bun:sqlite'
import { dollarParams } from '../src/db/data'
import type { TestServer } from './harness'

/**
 * Runs one writing statement (`?` placeholders) on a test server's database, either engine: for
 * rows no API writes the way a test needs them (old timestamps, a hundred thousand rows at once).
 */
export async function writeRows(s: TestServer, text: string, params: unknown[] = []): Promise<void> {
  if (s.databaseUrl) {
    const client = new Bun.SQL(s.databaseUrl, { max: 1 })
    try {
      await client.unsafe(dollarParams(text), params as never[])
    } finally {
      await client.close()
    }
    return
  }
  const db = new Database(s.dbPath)
  try {
    db.exec('PRAGMA busy_timeout = 5000')
    db.query(text).run(...(params as never[]))
  } finally {
    db.close()
  }
}
