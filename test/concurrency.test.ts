import { afterAll, beforeAll, expect, test } from 'bun:test'
import { removeDir, startServer, type TestServer, UA } from './harness'

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

const count = (sql: string, ...params: string[]) => {
  const db = s.sql()
  try {
    return (db.query(sql).get(...params) as { n: number }).n
  } finally {
    db.close()
  }
}

test('parallel creates of one externalId make exactly one link', async () => {
  const statuses = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      s.api('/api/links', { method: 'POST', json: [{ url: `https://example.com/${i}`, collectionId, externalId: 'race-1' }] }).then((r) => r.status),
    ),
  )
  expect(statuses.filter((x) => x === 201)).toHaveLength(1)
  expect(statuses.filter((x) => x === 400)).toHaveLength(29)
  expect(count("SELECT count(*) AS n FROM links WHERE external_id = 'race-1' AND deleted_at IS NULL")).toBe(1)
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
  expect(count("SELECT count(*) AS n FROM customers WHERE external_id = 'race-customer'")).toBe(1)
  expect(count('SELECT count(*) AS n FROM leads')).toBe(15)
  expect(count('SELECT count(*) AS n FROM sales')).toBe(15)
})
