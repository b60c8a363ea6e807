import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { Webhook } from 'standardwebhooks'
import { removeDir, startServer, type TestServer } from './harness'
import { postgresAvailable, startPostgres, type PgCluster } from './postgres'
import { haveRedis, startRedis, type TestRedis } from './redis'

setDefaultTimeout(60_000)

/**
 * Two `hoko serve` on one private PostgreSQL database and one Redis, both delivering webhooks
 * (issue 18: "workers on several instances claim rows with FOR UPDATE SKIP LOCKED, so no delivery
 * is sent twice by two instances at once"). Many messages are queued through both instances at
 * once, and the receiver counts every webhook-id it gets.
 */

let pg: PgCluster
let redis: TestRedis
let a: TestServer
let b: TestServer
let key: string
/** webhook-id → how many times it arrived, and the bodies, to verify. */
const arrivals = new Map<string, number>()
const received: { id: string; timestamp: string; signature: string; body: string }[] = []
let receiver: ReturnType<typeof Bun.serve>

const alive = (s: TestServer | undefined) => s !== undefined && s.proc.exitCode === null && s.proc.signalCode === null

async function body<T = any>(res: Promise<Response>, status: number): Promise<T> {
  const r = await res
  const text = await r.text()
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${text}`)
  return JSON.parse(text) as T
}

/** The succeeded attempts one instance counted (its /metrics). */
async function sentBy(s: TestServer): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text()
  return Number(/^hoko_webhook_deliveries_total\{result="succeeded"\} (\d+)$/m.exec(text)?.[1] ?? 0)
}

describe.skipIf(!postgresAvailable() || !haveRedis)('two instances on one PostgreSQL deliver each webhook once', () => {
  beforeAll(async () => {
    receiver = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      async fetch(req) {
        const h = req.headers
        const id = h.get('webhook-id')!
        arrivals.set(id, (arrivals.get(id) ?? 0) + 1)
        received.push({ id, timestamp: h.get('webhook-timestamp')!, signature: h.get('webhook-signature')!, body: await req.text() })
        // A receiver that takes a moment: both instances have attempts under way at once.
        await Bun.sleep(5)
        return new Response('ok')
      },
    })
    pg = await startPostgres()
    redis = await startRedis()
    const env = {
      HOKO_DATABASE_URL: await pg.createDatabase('hoko'),
      HOKO_REDIS_URL: redis.url,
      HOKO_WEBHOOK_DELIVERY: '1',
      HOKO_WEBHOOK_ALLOW_PRIVATE: '1',
    }
    a = await startServer({ env })
    key = a.key
    b = await startServer({ env })
  })
  afterAll(async () => {
    for (const s of [a, b]) if (alive(s)) await s.stop()
    for (const s of [a, b]) if (s) removeDir(s.dir)
    receiver?.stop(true)
    await redis?.stop()
    await pg?.stop()
  })

  test('200 messages queued through both at once: every one arrives, each exactly once', async () => {
    expect([a.engine, b.engine]).toEqual(['pg', 'pg'])
    const hooks = await body<{ id: string; secret: string }[]>(
      a.api('/api/webhooks', {
        key,
        method: 'POST',
        json: Array.from({ length: 4 }, (_, i) => ({ url: `http://127.0.0.1:${receiver.port}/hook/${i}`, events: ['link.created'] })),
      }),
      201,
    )
    const secrets = new Map(hooks.map((h) => [h.id, h.secret]))
    // 50 requests, alternating between the instances and all under way together: 4 messages each.
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        body<{ id: string; webhookId: string }[]>((i % 2 ? b : a).api('/api/webhooks/test', { key, method: 'POST', json: hooks.map((h) => h.id) }), 201),
      ),
    )
    const queued = answers.flat()
    expect(queued).toHaveLength(200)
    expect(new Set(queued.map((d) => d.id)).size).toBe(200)

    const deadline = Date.now() + 45_000
    while (received.length < 200 && Date.now() < deadline) await Bun.sleep(50)
    // A moment more: a second sending of any message would arrive now.
    await Bun.sleep(1500)

    expect(new Set(arrivals.keys())).toEqual(new Set(queued.map((d) => d.id)))
    expect([...arrivals].filter(([, n]) => n !== 1)).toEqual([])
    expect(received).toHaveLength(200)
    const webhookOf = new Map(queued.map((d) => [d.id, d.webhookId]))
    for (const r of received) {
      const event = new Webhook(secrets.get(webhookOf.get(r.id)!)!).verify(r.body, {
        'webhook-id': r.id,
        'webhook-timestamp': r.timestamp,
        'webhook-signature': r.signature,
      }) as { type: string; data: { webhookId: string } }
      expect(event.type).toBe('webhook.test')
      expect(event.data.webhookId).toBe(webhookOf.get(r.id)!)
    }

    // The outbox agrees: every message succeeded at its first and only attempt.
    const stored = await a.rows<{ status: string; attempts: number; logged: number }>(
      `SELECT status, attempts, (SELECT count(*) FROM webhook_attempts WHERE delivery_id = d.id) AS logged FROM webhook_deliveries d`,
    )
    expect(stored).toHaveLength(200)
    expect(stored.filter((d) => d.status !== 'succeeded' || d.attempts !== 1 || Number(d.logged) !== 1)).toEqual([])
    // Both instances sent a share, and together each message once.
    const [byA, byB] = [await sentBy(a), await sentBy(b)]
    expect(byA).toBeGreaterThan(0)
    expect(byB).toBeGreaterThan(0)
    expect(byA + byB).toBe(200)
  })
})
