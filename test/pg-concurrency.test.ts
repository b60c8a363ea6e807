import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { removeDir, startServer, type TestServer, UA } from './harness'
import { postgresAvailable, startPostgres, type PgCluster } from './postgres'
import { haveRedis, startRedis, type TestRedis } from './redis'

setDefaultTimeout(60_000)

/**
 * Issue 18: "Upserts and idempotency keys stay correct under concurrent instances". Two `hoko serve`
 * processes on one PostgreSQL database (a private cluster, whatever HOKO_TEST_ENGINE says) and one
 * Redis get the same conversion at the same moment, round after round.
 */
const ROUNDS = 12

let pg: PgCluster
let redis: TestRedis
let a: TestServer
let b: TestServer
let key: string
let clickId: string

type Answer = { status: number; replayed: string | null; body: any }

async function track(s: TestServer, path: string, body: unknown, idempotencyKey?: string): Promise<Answer> {
  const headers: Record<string, string> = idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }
  const res = await s.api(path, { method: 'POST', key, headers, json: body })
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: await res.json() }
}

const count = async (sql: string, ...params: string[]) => (await a.rows<{ n: number }>(sql, params))[0].n

describe.skipIf(!haveRedis || !postgresAvailable())('two instances on one PostgreSQL database', () => {
  beforeAll(async () => {
    ;[pg, redis] = await Promise.all([startPostgres(), startRedis()])
    const env = { HOKO_DATABASE_URL: await pg.createDatabase('hoko'), HOKO_REDIS_URL: redis.url }
    a = await startServer({ env })
    key = a.key
    b = await startServer({ env })
    const [col] = await (await a.api('/api/collections', { method: 'POST', json: [{ name: 'c' }] })).json()
    const [link] = await (await a.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com', collectionId: col.id }] })).json()
    const res = await fetch(`${a.url}/${link.shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })
    clickId = new URL(res.headers.get('location')!).searchParams.get('hoko_id')!
  })
  afterAll(async () => {
    for (const s of [a, b]) {
      await s?.stop()
      if (s) removeDir(s.dir)
    }
    await redis?.stop()
    await pg?.stop()
  })

  test('the same lead with the same Idempotency-Key sent to both at once is stored once, and both get its answer', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const body = { clickId, eventName: `signup-${round}`, customerExternalId: `idem-${round}`, customerName: 'Same' }
      const answers = await Promise.all([a, b].map((s) => track(s, '/api/track/lead', body, `lead-key-${round}`)))
      expect(answers.map((x) => x.status)).toEqual([201, 201])
      expect(answers[0].body).toEqual(answers[1].body)
      // One of them did the work; the other waited for it and was given its answer.
      expect(answers.map((x) => x.replayed).sort()).toEqual(['true', null].sort())
      expect(await count('SELECT count(*) AS n FROM leads WHERE event_name = ?', body.eventName)).toBe(1)
      expect(await count('SELECT count(*) AS n FROM customers WHERE external_id = ?', body.customerExternalId)).toBe(1)
      expect(await count('SELECT count(*) AS n FROM idempotency_keys WHERE key = ?', `lead-key-${round}`)).toBe(1)
    }
  })

  test('the same sale with the same Idempotency-Key sent to both at once is stored once', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const body = { clickId, eventName: `purchase-${round}`, customerExternalId: `idem-sale-${round}`, customerName: 'Buyer', amount: 100 + round }
      const answers = await Promise.all([a, b].map((s) => track(s, '/api/track/sale', body, `sale-key-${round}`)))
      expect(answers.map((x) => x.status)).toEqual([201, 201])
      expect(answers[0].body).toEqual(answers[1].body)
      expect(await count('SELECT count(*) AS n FROM sales WHERE event_name = ?', body.eventName)).toBe(1)
    }
  })

  test('conversions of one new customer sent to both at once, without a key, make one customer and every event', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const externalId = `upsert-${round}`
      const answers = await Promise.all(
        [a, b, a, b].map((s, i) => track(s, '/api/track/lead', { clickId, eventName: `race-${round}`, customerExternalId: externalId, customerName: `N${i}` })),
      )
      expect(answers.map((x) => x.status)).toEqual([201, 201, 201, 201])
      // Every answer names the one customer.
      expect(new Set(answers.map((x) => x.body.customer.id)).size).toBe(1)
      expect(await count('SELECT count(*) AS n FROM customers WHERE external_id = ?', externalId)).toBe(1)
      expect(await count('SELECT count(*) AS n FROM leads WHERE event_name = ?', `race-${round}`)).toBe(4)
    }
    const listed = await (await b.api('/api/customers?externalId=upsert-0', { key })).json()
    expect(listed).toHaveLength(1)
  })
})
