import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { Webhook } from 'standardwebhooks'
import { removeDir, startServer, type TestServer, UA } from './harness'
import { haveRedis, startRedis, type TestRedis } from './redis'

setDefaultTimeout(30_000)

/**
 * Two `hoko serve` processes on one database and one Redis, traffic spread over both, as behind a load
 * balancer (issue 18, "A two-instance test"; on one SQLite file until PostgreSQL is wired).
 *
 * What test/redis.test.ts already shows for two instances is not repeated here: the rate limit over
 * requests alternating between them, the login and password brakes (and a burst of guesses sent to
 * both at once), used capture tokens, link cache invalidation by PUT and DELETE, and a Redis outage.
 */

type Pair = { a: TestServer; b: TestServer }
let redis: TestRedis
let dir: string
/** The shared PostgreSQL database (HOKO_TEST_ENGINE=pg); undefined on SQLite, where `dir` holds the file. */
let databaseUrl: string | undefined
let key: string
let a: TestServer
let b: TestServer
/** Only the first start of a database prints its key: the second instance uses that one. */
const api = (s: TestServer, path: string, init: Parameters<TestServer['api']>[1] = {}) => s.api(path, { key, ...init })
// One public address for both, as behind a load balancer (short URLs name it, not the instance).
const env = (): Record<string, string | undefined> => ({
  HOKO_BASE_URL: 'https://go.example.test',
  HOKO_REDIS_URL: redis.url,
  HOKO_WEBHOOK_DELIVERY: '1',
  HOKO_WEBHOOK_ALLOW_PRIVATE: '1',
  ...(databaseUrl ? { HOKO_DATABASE_URL: databaseUrl } : {}),
})

const alive = (s: TestServer) => s.proc.exitCode === null && s.proc.signalCode === null

/** Both instances started again on the same database, after stopping whichever still runs. */
async function startPair(): Promise<Pair> {
  for (const s of [a, b]) if (alive(s)) await s.stop()
  const first = await startServer({ dir, env: env() })
  return { a: first, b: await startServer({ dir, env: env() }) }
}

async function body<T = any>(res: Promise<Response> | Response, status: number): Promise<T> {
  const r = await res
  const text = await r.text()
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${text}`)
  return JSON.parse(text) as T
}

const visit = (s: TestServer, shortId: string) => fetch(`${s.url}/${shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })
const hokoId = (res: Response) => new URL(res.headers.get('location')!).searchParams.get('hoko_id')!
const target = (res: Response) => {
  const l = new URL(res.headers.get('location')!)
  return l.origin + l.pathname
}

/** A workspace of its own for one part, and an all-scopes key in it. */
function workspace(slug: string, extra: string[] = []): string {
  a.cliJson(['workspace', 'create', '--name', slug, '--slug', slug, ...extra])
  return a.newKey('all', slug)
}

/** Reads the shared database, as an operator would beside both servers. */
const query = <T>(sql: string, ...params: (string | number)[]): Promise<T[]> => a.rows<T>(sql, params)

async function until(what: string, probe: () => boolean | Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(25)
  }
}

describe.skipIf(!haveRedis)('two instances behind one load balancer, one database, one Redis', () => {
  beforeAll(async () => {
    redis = await startRedis()
    const first = await startServer({ env: env() })
    databaseUrl = first.databaseUrl
    ;({ dir, key } = first)
    a = first
    b = await startServer({ dir, env: env() })
  })

  afterAll(async () => {
    for (const s of [a, b]) if (s && alive(s)) await s.stop()
    await redis?.stop()
    if (dir) removeDir(dir)
  })

  test('links, redirects, leads and sales spread over both instances: every answer as documented, the effect seen from both', async () => {
    const [col] = await body(api(a, '/api/collections', { method: 'POST', json: [{ name: 'spread' }] }), 201)
    const onA = await body<any[]>(api(a, '/api/links', { method: 'POST', json: [1, 2, 3].map((i) => ({ url: `https://a.example.com/${i}`, collectionId: col.id })) }), 201)
    const onB = await body<any[]>(api(b, '/api/links', { method: 'POST', json: [1, 2, 3].map((i) => ({ url: `https://b.example.com/${i}`, collectionId: col.id })) }), 201)
    expect(onA.map((l) => l.url)).toEqual([1, 2, 3].map((i) => `https://a.example.com/${i}`))
    expect(onB.map((l) => l.url)).toEqual([1, 2, 3].map((i) => `https://b.example.com/${i}`))
    expect(new Set([...onA, ...onB].map((l) => l.shortId)).size).toBe(6)
    // Each instance answers the other's links as they were created.
    for (const [l, s] of [...onA.map((l) => [l, b] as const), ...onB.map((l) => [l, a] as const)])
      expect(await body(api(s, `/api/links?id=${l.id}`), 200)).toEqual([l])

    // Updated on one, read on the other; the other's redirect follows within a second (Redis pub/sub).
    // Every redirect is a click, those that watch for the move too.
    const clicks: { id: string; link: any; on: TestServer }[] = []
    const seen = await visit(a, onA[0].shortId)
    expect(target(seen)).toBe('https://a.example.com/1')
    clicks.push({ id: hokoId(seen), link: onA[0], on: a })
    const [updated] = await body<any[]>(api(b, '/api/links', { method: 'PUT', json: [{ id: onA[0].id, url: 'https://a.example.com/moved', title: 'Moved' }] }), 200)
    expect(updated).toMatchObject({ id: onA[0].id, shortId: onA[0].shortId, url: 'https://a.example.com/moved', title: 'Moved' })
    expect(await body(api(a, `/api/links?id=${onA[0].id}`), 200)).toEqual([updated])
    let moved = ''
    await until(
      'the move to reach A',
      async () => {
        const res = await visit(a, onA[0].shortId)
        clicks.push({ id: hokoId(res), link: onA[0], on: a })
        return (moved = target(res)) === 'https://a.example.com/moved'
      },
      1000,
    )
    expect(moved).toBe('https://a.example.com/moved')
    const links = [updated, onA[1], onA[2], ...onB]

    // Clicks alternating between the instances, on every link.
    const probes = clicks.length
    for (let i = 0; i < 24; i++) {
      const link = links[i % links.length]
      const on = i % 2 === 0 ? a : b
      const res = await visit(on, link.shortId)
      expect(res.status).toBe(302)
      expect(target(res)).toBe(link.url)
      clicks.push({ id: hokoId(res), link, on })
    }
    expect(new Set(clicks.map((c) => c.id)).size).toBe(clicks.length)

    // Each conversion is sent to the instance that did not make its click.
    const other = (s: TestServer) => (s === a ? b : a)
    const converted = clicks.slice(probes, probes + 6)
    for (const [n, c] of converted.entries()) {
      const customer = `spread-${n}`
      const lead = await body(api(other(c.on), '/api/track/lead', { method: 'POST', json: { clickId: c.id, eventName: 'Sign up', customerExternalId: customer, customerName: 'Spread' } }), 201)
      expect(Object.keys(lead)).toEqual(['click', 'link', 'lead', 'customer'])
      expect(lead.click).toEqual({ id: c.id })
      expect(lead.link).toEqual((await body(api(c.on, `/api/links?id=${c.link.id}`), 200))[0])
      expect(lead.lead).toEqual({ eventName: 'Sign up', metadata: null })
      expect(lead.customer).toMatchObject({ name: 'Spread', externalId: customer })
      // The sale, on the click's own instance, is attributed through the lead recorded on the other.
      const sale = await body(api(c.on, '/api/track/sale', { method: 'POST', json: { customerExternalId: customer, customerName: 'Spread', amount: 1000 + n } }), 201)
      expect(Object.keys(sale)).toEqual(['click', 'link', 'customer', 'sale'])
      expect(sale.click).toEqual({ id: c.id })
      expect(sale.link.id).toBe(c.link.id)
      expect(sale.customer.id).toBe(lead.customer.id)
      expect(sale.sale).toEqual({ amount: 1000 + n, currency: 'usd', eventName: 'Purchase', metadata: null })
    }

    // The same lead with the same Idempotency-Key sent to both at once is one lead.
    const twice = { clickId: clicks[probes + 7].id, eventName: 'Retry', customerExternalId: 'spread-twice', customerName: 'Twice' }
    const answers = await Promise.all([a, b].map((s) => api(s, '/api/track/lead', { method: 'POST', json: twice, headers: { 'idempotency-key': 'both-at-once' } })))
    expect(answers.map((r) => r.status)).toEqual([201, 201])
    expect(answers.map((r) => r.headers.get('idempotent-replayed')).sort()).toEqual(['true', null].sort())
    const [first, second] = await Promise.all(answers.map((r) => r.json()))
    expect(second).toEqual(first)
    const customerId = first.customer.id

    // The stored effect, read through each instance: the same clicks, leads, sales and totals.
    const collected = async (s: TestServer) => {
      const perLink = []
      for (const l of links) {
        const res = await api(s, `/api/analytics?linkId=${l.id}&sort=asc`)
        expect(res.status).toBe(200)
        perLink.push({ total: res.headers.get('x-total-count'), ids: (await res.json()).map((c: any) => c.id) })
      }
      return {
        perLink,
        leads: await body<any[]>(api(s, `/api/leads?take=100&sort=asc`), 200),
        sales: await body<any[]>(api(s, `/api/sales?take=100&sort=asc`), 200),
        twice: await body<any[]>(api(s, `/api/leads?customerId=${customerId}`), 200),
        summary: await body(api(s, `/api/analytics/summary?collectionId=${col.id}`), 200),
      }
    }
    const fromA = await collected(a)
    expect(await collected(b)).toEqual(fromA)
    for (const [i, l] of links.entries()) {
      const made = clicks.filter((c) => c.link.id === l.id).map((c) => c.id)
      expect(fromA.perLink[i].total).toBe(String(made.length))
      expect(new Set(fromA.perLink[i].ids)).toEqual(new Set(made))
      expect(fromA.perLink[i].ids).toHaveLength(made.length)
    }
    // Sorted here: two instances may record in the same millisecond, so the order among those is not given.
    const byClick = <T extends { clickId: string }>(rows: T[]) => [...rows].sort((x, y) => (x.clickId < y.clickId ? -1 : 1))
    const leads = byClick(fromA.leads.map((l) => ({ clickId: l.clickId, id: l.id, linkId: l.linkId })))
    expect(leads.map((l) => l.clickId)).toEqual([...converted.map((c) => c.id), clicks[probes + 7].id].sort())
    for (const l of leads) expect(l.linkId).toBe(clicks.find((c) => c.id === l.clickId)!.link.id)
    const leadOf = new Map(leads.map((l) => [l.clickId, l.id]))
    expect(byClick(fromA.sales.map((s) => ({ clickId: s.clickId, amount: s.amount, leadId: s.leadId })))).toEqual(
      byClick(converted.map((c, n) => ({ clickId: c.id, amount: 1000 + n, leadId: leadOf.get(c.id) }))),
    )
    expect(fromA.twice).toHaveLength(1)
    expect(fromA.summary).toEqual({ clicks: clicks.length, leads: 7, sales: 6, saleAmount: 6015, saleAmountByCurrency: { usd: 6015 } })

    // Deleted through A: gone from B's API at once, and from B's redirect within a second.
    expect(await body(api(a, '/api/links', { method: 'DELETE', json: [onB[2].id] }), 200)).toEqual({ deletedIds: [onB[2].id] })
    expect(await body(api(b, `/api/links?id=${onB[2].id}`), 200)).toEqual([])
    let status = 0
    await until('the delete to reach B', async () => (status = (await visit(b, onB[2].shortId)).status) === 404, 1000)
    expect(status).toBe(404)
  })

  test('a burst of API calls sent to both instances at once stays within the shared per-workspace limit', async () => {
    // redis.test.ts covers requests taking turns; here they race, 8 on each instance.
    const burstKey = workspace('burst', ['--rate-limit', '5'])
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? b : a).api('/api/links', { key: burstKey })))
    const statuses = answers.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(11)
    expect(answers.filter((r) => r.status === 200).map((r) => r.headers.get('x-ratelimit-remaining')).sort()).toEqual(['0', '1', '2', '3', '4'])
  })

  test('with both instances delivering webhooks, every event is delivered exactly once', async () => {
    const hooksKey = workspace('hooks')
    const received: { id: string; timestamp: string; signature: string; body: string }[] = []
    const receiver = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      async fetch(req) {
        const h = req.headers
        received.push({ id: h.get('webhook-id')!, timestamp: h.get('webhook-timestamp')!, signature: h.get('webhook-signature')!, body: await req.text() })
        return new Response('ok')
      },
    })
    try {
      const [hook] = await body(a.api('/api/webhooks', { key: hooksKey, method: 'POST', json: [{ url: `http://127.0.0.1:${receiver.port}/hook`, events: ['link.created', 'link.clicked'] }] }), 201)
      const [col] = await body(b.api('/api/collections', { key: hooksKey, method: 'POST', json: [{ name: 'hooks' }] }), 201)
      const [probe] = await body<any[]>(b.api('/api/links', { key: hooksKey, method: 'POST', json: [{ url: 'https://hooks.example.com/probe', collectionId: col.id }] }), 201)
      // B learns of the click subscription made on A within a second: click on B until it records link.clicked.
      await until('B to send link.clicked', async () => {
        await visit(b, probe.shortId)
        return (await query("SELECT 1 FROM webhook_deliveries WHERE webhook_id = ? AND type = 'link.clicked'", hook.id)).length > 0
      })

      // Link batches written through both at once, then clicks on both: each a message in the outbox.
      const batches = await Promise.all(
        Array.from({ length: 8 }, (_, n) =>
          body<any[]>(
            (n % 2 ? b : a).api('/api/links', { key: hooksKey, method: 'POST', json: Array.from({ length: 40 }, (_, i) => ({ url: `https://hooks.example.com/${n}/${i}`, collectionId: col.id })) }),
            201,
          ),
        ),
      )
      const created = [probe, ...batches.flat()]
      const clicked: string[] = []
      await Promise.all(
        Array.from({ length: 8 }, async (_, n) => {
          for (let i = 0; i < 25; i++) {
            const res = await visit(n % 2 ? b : a, created[(n * 25 + i) % created.length].shortId)
            expect(res.status).toBe(302)
            clicked.push(hokoId(res))
          }
        }),
      )

      const outbox = () => query<{ id: string; type: string; status: string; attempts: number }>('SELECT id, type, status, attempts FROM webhook_deliveries WHERE webhook_id = ?', hook.id)
      await until('the outbox to be sent', async () => (await outbox()).every((d) => d.status !== 'pending'), 25_000)
      const sent = async (s: TestServer) => {
        const text = await (await fetch(`${s.url}/metrics`)).text()
        return Number(/^hoko_webhook_deliveries_total\{result="succeeded"\} (\d+)$/m.exec(text)?.[1] ?? 0)
      }
      const [byA, byB] = [await sent(a), await sent(b)]
      // Stopping lets attempts under way finish, so a second sending of anything would be in by now.
      await Promise.all([a.stop(), b.stop()])

      const deliveries = await outbox()
      expect(deliveries.filter((d) => d.type === 'link.created')).toHaveLength(created.length)
      expect(deliveries.length).toBeGreaterThanOrEqual(created.length + clicked.length)
      expect(deliveries.filter((d) => d.status !== 'succeeded' || d.attempts !== 1)).toEqual([])
      const attempts = await query<{ n: number }>('SELECT count(*) AS n FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = ?)', hook.id)
      expect(attempts[0].n).toBe(deliveries.length)
      // Both delivered a share, and together exactly one attempt per message.
      expect(byA).toBeGreaterThan(0)
      expect(byB).toBeGreaterThan(0)
      expect(byA + byB).toBe(deliveries.length)

      const perId = new Map<string, number>()
      for (const r of received) perId.set(r.id, (perId.get(r.id) ?? 0) + 1)
      expect([...perId].filter(([, n]) => n !== 1)).toEqual([])
      expect(new Set(perId.keys())).toEqual(new Set(deliveries.map((d) => d.id)))
      const events = received.map((r) => new Webhook(hook.secret).verify(r.body, { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature }) as any)
      expect(new Set(events.filter((e) => e.type === 'link.created').map((e) => e.data.id))).toEqual(new Set(created.map((l) => l.id)))
      const clickEvents = new Set(events.filter((e) => e.type === 'link.clicked').map((e) => e.data.click.id))
      expect(clicked.filter((id) => !clickEvents.has(id))).toEqual([])
    } finally {
      receiver.stop(true)
      ;({ a, b } = await startPair())
    }
  })

  test('kill -9 of one instance under redirect load on both: every answered click stored once, the other keeps answering', async () => {
    const loadKey = workspace('load')
    const [col] = await body(a.api('/api/collections', { key: loadKey, method: 'POST', json: [{ name: 'load' }] }), 201)
    const links = await body<any[]>(a.api('/api/links', { key: loadKey, method: 'POST', json: Array.from({ length: 20 }, (_, i) => ({ url: `https://load.example.com/${i}`, collectionId: col.id })) }), 201)

    const answered = { a: [] as string[], b: [] as string[] }
    const refused = { a: [] as string[], b: [] as string[] }
    let aDead = false
    let bDone = false
    const visitor = async (s: TestServer, n: number) => {
      const on = s === a ? 'a' : 'b'
      for (let i = 0; on === 'a' ? !aDead : !bDone; i++) {
        try {
          const res = await visit(s, links[(n + i) % links.length].shortId)
          if (res.status === 302) answered[on].push(hokoId(res))
          else refused[on].push(`${res.status} ${await res.text()}`)
        } catch (e) {
          if (on === 'a') return // connection refused or reset: A is gone
          refused.b.push(String(e))
        }
      }
    }
    const killed = a
    const loadA = Promise.all(Array.from({ length: 16 }, (_, n) => visitor(killed, n)))
    const loadB = Promise.all(Array.from({ length: 16 }, (_, n) => visitor(b, n)))
    await until('1,500 redirects answered by A', () => answered.a.length >= 1500, 40_000)
    killed.proc.kill('SIGKILL')
    await killed.proc.exited
    aDead = true
    await loadA
    const atKill = answered.b.length
    await until('B to answer 500 more', () => answered.b.length >= atKill + 500, 20_000)
    bDone = true
    await loadB

    expect(refused.b).toEqual([])
    expect(refused.a).toEqual([])
    expect(answered.a.length).toBeGreaterThanOrEqual(1500)
    const all = [...answered.a, ...answered.b]
    expect(new Set(all).size).toBe(all.length)
    const stored = (await query<{ id: string }>(`SELECT id FROM clicks WHERE link_id IN (${links.map(() => '?').join(',')})`, ...links.map((l) => l.id))).map((r) => r.id)
    expect(new Set(stored).size).toBe(stored.length)
    const storedSet = new Set(stored)
    expect(all.filter((id) => !storedSet.has(id))).toEqual([])
    // A may have committed the clicks of the 16 requests under way when it died, whose answers never came.
    expect(stored.length).toBeGreaterThanOrEqual(all.length)
    expect(stored.length).toBeLessThanOrEqual(all.length + 16)
    // The survivor serves the API over the same data.
    const total = await b.api(`/api/analytics?linkId=${links[0].id}`, { key: loadKey })
    expect(total.status).toBe(200)
    expect(Number(total.headers.get('x-total-count'))).toBe((await query<{ n: number }>('SELECT count(*) AS n FROM clicks WHERE link_id = ?', links[0].id))[0].n)
  }, 90_000)
})
