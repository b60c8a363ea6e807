import { afterAll, beforeAll, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { SQL } from 'bun'
import { PgClickWriter } from '../src/clicks/pg-writer'
import { pgData } from '../src/db/data'
import { blankClick, insertClicks, ROLLUP_PROGRESS } from './clicks-sql'
import { removeDir, startServer, type TestServer } from './harness'

// The rollups (src/analytics/rollups.ts) end a transaction early once they have 1,000 rows to upsert
// on SQLite, 5,000 clicks on PostgreSQL, so that varied clicks never hold the write lock for long. Counted in several transactions,
// the rollups must still count every click exactly once.

let s: TestServer
beforeAll(async () => {
  s = await startServer()
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

/** The server's database, for writing clicks beside it and running statements, on either engine. */
async function beside(s: TestServer): Promise<{ run(sql: string): Promise<void>; insert(rows: Parameters<typeof insertClicks>[1]): Promise<void>; close(): Promise<void> }> {
  if (s.engine === 'sqlite') {
    const db = new Database(s.dbPath)
    db.exec('PRAGMA busy_timeout = 5000')
    return { run: async (sql) => void db.exec(sql), insert: async (rows) => insertClicks(db, rows), close: async () => db.close() }
  }
  const client = new SQL(s.databaseUrl!, { max: 2, bigint: true })
  const d = pgData(client)
  return {
    run: async (sql) => void (await client.unsafe(sql)),
    insert: (rows) => new PgClickWriter(d).insertAll(rows.map((r) => blankClick(r))),
    close: () => client.close(),
  }
}

test('varied clicks (a city and a campaign each) are counted exactly, over several transactions', async () => {
  const db = await beside(s)
  const [{ id: workspaceId }] = await s.rows<{ id: string }>("SELECT id FROM workspaces WHERE slug = 'default'")
  const day = Date.UTC(2025, 4, 1)
  const n = 2500
  await db.insert(
    Array.from({ length: n }, (_, i) => ({
      workspaceId, linkId: `l${i % 7}`, shortId: `s${i % 7}`, createdAt: day + i * 1000, destination: 'https://example.com/',
      city: `City ${i}`, countryCode: 'SA', country: 'Saudi Arabia', utm: JSON.stringify({ campaign: `c${i}` }), bot: i % 50 === 0 ? 1 : 0,
    })),
  )
  // Counted again from the start by the rollups, whatever they had counted before.
  await db.run('DELETE FROM click_rollups; DELETE FROM click_rollups_all; DELETE FROM rollup_state')
  for (let i = 0; ; i++) {
    const [{ mark, last }] = await s.rows<{ mark: number | null; last: number }>(ROLLUP_PROGRESS)
    if (mark === last) break
    if (i > 400) throw new Error('the rollups did not catch up')
    await Bun.sleep(25)
  }
  const humans = n - n / 50
  const sums = await s.rows<{ dim: string; n: number; keys: number }>('SELECT dim, CAST(sum(clicks) AS BIGINT) AS n, count(*) AS keys FROM click_rollups GROUP BY dim')
  // Every dimension counts every human click once; cities and campaigns need far more than 1,000 rows.
  for (const { dim, n: counted } of sums) expect([dim, counted]).toEqual([dim, humans])
  expect(sums.find((r) => r.dim === 'city')!.keys).toBe(humans)
  const [allTenants] = await s.rows<{ n: number }>("SELECT CAST(sum(clicks) AS BIGINT) AS n FROM click_rollups_all WHERE dim = 'utm_campaign'")
  expect(allTenants.n).toBe(humans)
  await db.close()
  // And the API's summaries read them: a whole day, grouped by city.
  const res = await s.api('/api/analytics/summary?groupBy=city&startDate=2025-05-01&endDate=2025-05-01&take=10000')
  expect(res.status).toBe(200)
  const rows = (await res.json()) as { key: string; clicks: number }[]
  expect(rows.length).toBe(humans)
  expect(rows.every((r) => r.clicks === 1)).toBe(true)
})
