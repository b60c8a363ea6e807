import { afterAll, beforeAll, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { ENGINE, removeDir, startServer, type TestServer, UA } from './harness'

let s: TestServer
let collectionId: string
beforeAll(async () => {
  s = await startServer()
  ;[{ id: collectionId }] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'c' }] })).json()
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

const count = async (sql: string, ...params: string[]) => (await s.rows<{ n: number }>(sql, params))[0].n

test('parallel creates of one externalId make exactly one link', async () => {
  const statuses = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      s.api('/api/links', { method: 'POST', json: [{ url: `https://example.com/${i}`, collectionId, externalId: 'race-1' }] }).then((r) => r.status),
    ),
  )
  expect(statuses.filter((x) => x === 201)).toHaveLength(1)
  expect(statuses.filter((x) => x === 400)).toHaveLength(29)
  expect(await count("SELECT count(*) AS n FROM links WHERE external_id = 'race-1' AND deleted_at IS NULL")).toBe(1)
})

test('parallel conversions of one new customer make exactly one customer', async () => {
  const [link] = await (await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com', collectionId }] })).json()
  const res = await fetch(`${s.url}/${link.shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })
  const clickId = new URL(res.headers.get('location')!).searchParams.get('hoko_id')!
  const statuses = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      s
        .api(i % 2 ? '/api/track/lead' : '/api/track/sale', {
          method: 'POST',
          json: i % 2
            ? { clickId, eventName: `e${i}`, customerExternalId: 'race-customer', customerName: `N${i}` }
            : { clickId, customerExternalId: 'race-customer', customerName: `N${i}`, amount: i },
        })
        .then((r) => r.status),
    ),
  )
  expect(statuses.every((x) => x === 201)).toBe(true)
  expect(await count("SELECT count(*) AS n FROM customers WHERE external_id = 'race-customer'")).toBe(1)
  expect(await count('SELECT count(*) AS n FROM leads')).toBe(15)
  expect(await count('SELECT count(*) AS n FROM sales')).toBe(15)
})

// SQLite's one write lock: PostgreSQL has none such.
test.skipIf(ENGINE === 'pg')('while another connection holds the write lock, clicks wait for it and the server keeps answering', async () => {
  const [link] = await (await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com/locked', collectionId }] })).json()
  // Another process holding the write lock, as the rollup thread, retention or an operator's shell may.
  const other = new Database(s.dbPath)
  other.exec('PRAGMA busy_timeout = 5000')
  other.exec('BEGIN IMMEDIATE')
  let released = false
  try {
    const visit = fetch(`${s.url}/${link.shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })
    // The click cannot be committed yet; the event loop must not sleep on the lock meanwhile (SQLite's
    // busy handler would hold every request for as long as the lock is held, up to 5 s).
    await Bun.sleep(100)
    const answered = await Promise.race([fetch(`${s.url}/healthz`).then((r) => r.status), Bun.sleep(4000).then(() => 'stalled')])
    expect(answered).toBe(200)
    other.exec('COMMIT')
    released = true
    const res = await visit
    expect(res.status).toBe(302)
    const id = new URL(res.headers.get('location')!).searchParams.get('hoko_id')!
    expect(await count('SELECT count(*) AS n FROM clicks WHERE id = ?', id)).toBe(1)
  } finally {
    if (!released) other.exec('ROLLBACK')
    other.close()
  }
})
