import { afterAll, beforeAll, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { insertClicks, ROLLUP_PROGRESS } from './clicks-sql'
import { removeDir, startServer, type TestServer } from './harness'

// The rollup thread (src/analytics/rollups.ts) ends a transaction early once it has 1,000 rows to
// upsert, so that varied clicks never hold the write lock for long. Counted in several transactions,
// the rollups must still count every click exactly once.

let s: TestServer
beforeAll(async () => {
  s = await startServer()
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

test('varied clicks (a city and a campaign each) are counted exactly, over several transactions', async () => {
  const db = new Database(s.dbPath)
  db.exec('PRAGMA busy_timeout = 5000')
  const workspaceId = (db.query("SELECT id FROM workspaces WHERE slug = 'default'").get() as { id: string }).id
  const day = Date.UTC(2025, 4, 1)
  const n = 2500
  insertClicks(
    db,
    Array.from({ length: n }, (_, i) => ({
      workspaceId, linkId: `l${i % 7}`, shortId: `s${i % 7}`, createdAt: day + i * 1000, destination: 'https://example.com/',
      city: `City ${i}`, countryCode: 'SA', country: 'Saudi Arabia', utm: JSON.stringify({ campaign: `c${i}` }), bot: i % 50 === 0 ? 1 : 0,
    })),
  )
  // Counted again from the start by the thread, whatever it had counted before.
  db.exec('DELETE FROM click_rollups; DELETE FROM click_rollups_all; DELETE FROM rollup_state')
  for (let i = 0; ; i++) {
    const { mark, last } = db.query(ROLLUP_PROGRESS).get() as { mark: number | null; last: number }
    if (mark === last) break
    if (i > 400) throw new Error('the rollups did not catch up')
    await Bun.sleep(25)
  }
  const humans = n - n / 50
  const sums = db.query('SELECT dim, sum(clicks) AS n, count(*) AS keys FROM click_rollups GROUP BY dim').all() as { dim: string; n: number; keys: number }[]
  // Every dimension counts every human click once; cities and campaigns need far more than 1,000 rows.
  for (const { dim, n: counted } of sums) expect([dim, counted]).toEqual([dim, humans])
  expect(sums.find((r) => r.dim === 'city')!.keys).toBe(humans)
  const allTenants = db.query("SELECT sum(clicks) AS n FROM click_rollups_all WHERE dim = 'utm_campaign'").get() as { n: number }
  expect(allTenants.n).toBe(humans)
  db.close()
  // And the API's summaries read them: a whole day, grouped by city.
  const res = await s.api('/api/analytics/summary?groupBy=city&startDate=2025-05-01&endDate=2025-05-01&take=10000')
  expect(res.status).toBe(200)
  const rows = (await res.json()) as { key: string; clicks: number }[]
  expect(rows.length).toBe(humans)
  expect(rows.every((r) => r.clicks === 1)).toBe(true)
})
