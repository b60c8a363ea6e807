import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Webhook } from 'standardwebhooks'
import { expectBilingual, removeDir, startServer, type TestServer, UA } from './harness'

/**
 * Webhooks end to end: a real receiver (Bun.serve on 127.0.0.1) verifies every delivery with the
 * `standardwebhooks` package, as an integrator would.
 */
type Received = { path: string; id: string; timestamp: string; signature: string; body: string; headers: Record<string, string> }

function startReceiver() {
  const got: Received[] = []
  /** Per path: the statuses to answer, in turn; 200 once they run out. */
  const plans = new Map<string, number[]>()
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const path = new URL(req.url).pathname
      const headers = Object.fromEntries(req.headers)
      got.push({ path, id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'], body: await req.text(), headers })
      const status = plans.get(path)?.shift() ?? 200
      if (status === 302) return new Response(null, { status, headers: { location: '/all' } })
      return new Response(path === '/long' ? 'x'.repeat(5000) : `answer ${status}`, { status })
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port,
    got,
    at: (path: string) => got.filter((r) => r.path === path),
    plan: (path: string, statuses: number[]) => plans.set(path, statuses),
    stop: () => server.stop(true),
  }
}
type Receiver = ReturnType<typeof startReceiver>

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>
/** Polls `probe` until it returns something truthy, and returns that. */
async function until<T>(what: string, probe: () => T | Promise<T>, ms = 15_000): Promise<Truthy<T>> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v) return v as Truthy<T>
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(25)
  }
}

/** The event, verified with the receiver's library against `secret`; throws if the signature does not match. */
const verify = (r: Received, secret: string) =>
  new Webhook(secret).verify(r.body, { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature }) as {
    type: string
    timestamp: string
    data: any
  }

const ENV = { HOKO_WEBHOOK_ALLOW_PRIVATE: '1', HOKO_WEBHOOK_DELIVERY: '1', HOKO_WEBHOOK_RETRY_SCHEDULE: '0,0.2,0.2,0.2,0.2' }
const ALL = ['link.created', 'link.updated', 'link.deleted', 'link.clicked', 'lead.created', 'sale.created', 'partner.created', 'partner.updated', 'partner.deleted']

let s: TestServer
let rx: Receiver
beforeAll(async () => {
  rx = startReceiver()
  s = await startServer({ env: ENV })
})
afterAll(async () => {
  await s.stop()
  rx.stop()
  removeDir(s.dir)
})

async function json(res: Promise<Response>) {
  const r = await res
  return { status: r.status, body: await r.json() }
}
const post = (path: string, body: unknown) => json(s.api(path, { method: 'POST', json: body }))
const put = (path: string, body: unknown) => json(s.api(path, { method: 'PUT', json: body }))
const del = (path: string, body: unknown) => json(s.api(path, { method: 'DELETE', json: body }))
async function createWebhook(path: string, events: string[], server = s, base = rx.url, key = server.key) {
  const r = await json(server.api('/api/webhooks', { method: 'POST', json: [{ url: base + path, events }], key }))
  expect(r.status).toBe(201)
  return r.body[0] as { id: string; secret: string; url: string; events: string[]; disabled: boolean }
}
const deliveries = async (query: string) => (await json(s.api(`/api/webhooks/deliveries?${query}`))).body as any[]

describe('the resource', () => {
  test('POST answers the secret once; GET, PUT never show it', async () => {
    const created = await post('/api/webhooks', [{ url: 'https://hooks.example.com/a', events: ['link.created', 'link.created', 'sale.created'], description: 'CRM' }])
    expect(created.status).toBe(201)
    const [w] = created.body
    expect(Object.keys(w).sort()).toEqual(['createdAt', 'description', 'disabled', 'events', 'id', 'secret', 'updatedAt', 'url'])
    expect(w).toMatchObject({ url: 'https://hooks.example.com/a', events: ['link.created', 'sale.created'], description: 'CRM', disabled: false })
    expect(w.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/)
    expect(Buffer.from(w.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24)

    const [listed] = (await json(s.api(`/api/webhooks?id=${w.id}`))).body
    expect(listed.secret).toBeUndefined()
    const { secret: _, ...view } = w
    expect(listed).toEqual(view)

    const updated = await put('/api/webhooks', [{ id: w.id, description: null, disabled: true }, { url: 'https://hooks.example.com/b', events: ['partner.deleted'] }])
    expect(updated.status).toBe(200)
    expect(updated.body[0]).toMatchObject({ id: w.id, url: w.url, events: w.events, description: null, disabled: true })
    expect(updated.body[0].secret).toBeUndefined()
    expect(updated.body[1].secret).toMatch(/^whsec_/)
    expect((await del('/api/webhooks', [w.id, updated.body[1].id])).body).toEqual({ deletedIds: [w.id, updated.body[1].id] })
    expect((await json(s.api(`/api/webhooks?id=${w.id}`))).body).toEqual([])
  })

  test.each([
    ['no events', [{ url: 'https://h.example.com', events: [] }], 'webhooks[0].events: must contain at least 1 item'],
    ['an unknown event', [{ url: 'https://h.example.com', events: ['link.exploded'] }], 'webhooks[0].events[0]: must be one of:'],
    ['webhook.test, which is only sent on request', [{ url: 'https://h.example.com', events: ['webhook.test'] }], 'webhooks[0].events[0]: must be one of:'],
    ['a relative URL', [{ url: '/hook', events: ['link.created'] }], 'webhooks[0].url: must be an absolute https URL'],
    ['a javascript: URL', [{ url: 'javascript:alert(1)', events: ['link.created'] }], 'webhooks[0].url: must be an absolute https URL'],
    ['a secret sent by the client', [{ url: 'https://h.example.com', events: ['link.created'], secret: 'whsec_AAAA' }], 'webhooks[0].secret: is not a known field'],
  ])('POST refuses %s', async (_, body, message) => {
    const r = await post('/api/webhooks', body)
    expect(r.status).toBe(400)
    expect(expectBilingual(r.body).en).toStartWith(message)
  })

  test('PUT creating without url or events, or naming an unknown id, is refused whole', async () => {
    const before = (await json(s.api('/api/webhooks?take=10000'))).body.length
    for (const [body, message] of [
      [[{ url: 'https://h.example.com', events: ['link.created'] }, { events: ['link.created'] }], 'webhooks[1].url: is required'],
      [[{ url: 'https://h.example.com' }], 'webhooks[0].events: is required'],
      [[{ id: crypto.randomUUID(), description: 'x' }], 'webhooks[0].id: no webhook with id'],
    ] as const) {
      const r = await put('/api/webhooks', body)
      expect(r.status).toBe(400)
      expect(expectBilingual(r.body).en).toStartWith(message)
    }
    expect((await json(s.api('/api/webhooks?take=10000'))).body.length).toBe(before)
  })
})

describe('events', () => {
  let hook: { id: string; secret: string }
  const events = () => rx.at('/all').map((r) => ({ r, e: verify(r, hook.secret) }))
  const ofType = (type: string) => events().filter((x) => x.e.type === type)
  const arrived = (type: string, n = 1) => until(`${n} ${type}`, () => ofType(type).length >= n && ofType(type))
  beforeAll(async () => {
    hook = await createWebhook('/all', ALL)
  })

  test('every delivery has Standard Webhooks headers and a {type, timestamp, data} body', async () => {
    const [p] = (await post('/api/partners', [{ name: 'Header check' }])).body
    const [{ r, e }] = await arrived('partner.created')
    expect(r.headers['content-type']).toBe('application/json')
    expect(r.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(Math.abs(Number(r.timestamp) - Date.now() / 1000)).toBeLessThan(120)
    expect(r.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
    expect(Object.keys(JSON.parse(r.body))).toEqual(['type', 'timestamp', 'data'])
    expect(e.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(e.data).toEqual(p)
    // A body altered on the way fails verification.
    expect(() => verify({ ...r, body: r.body.replace('Header check', 'Header chek') }, hook.secret)).toThrow()
  })

  test('partners: created, updated, deleted, one event per item, with the API view', async () => {
    const n = ofType('partner.created').length
    const created = (await post('/api/partners', [{ name: 'P1', email: 'p1@example.com' }, { name: 'P2' }])).body
    const updated = (await put('/api/partners', [{ id: created[0].id, name: 'P1 renamed' }, { name: 'P3' }])).body
    expect((await del('/api/partners', [created[1].id])).status).toBe(200)
    await arrived('partner.created', n + 3)
    const [upd] = await arrived('partner.updated')
    const [gone] = await arrived('partner.deleted')
    expect(ofType('partner.created').slice(n).map((x) => x.e.data).sort((a, b) => a.name.localeCompare(b.name))).toEqual([created[0], created[1], updated[1]])
    expect(upd.e.data).toEqual(updated[0])
    expect(gone.e.data).toEqual(created[1])
  })

  test('links: created, updated, deleted for every link of a bulk request, with the API link view', async () => {
    const [col] = (await post('/api/collections', [{ name: 'wh' }])).body
    const created = (await post('/api/links', [1, 2, 3].map((i) => ({ url: `https://example.com/${i}`, collectionId: col.id, title: `L${i}` })))).body
    const got = await arrived('link.created', 3)
    // Sent up to four at a time: they may arrive in any order.
    const byTitle = (a: any, b: any) => a.title.localeCompare(b.title)
    expect(got.map((x) => x.e.data).filter((d) => created.some((c: any) => c.id === d.id)).sort(byTitle)).toEqual([...created].sort(byTitle))
    const updated = (await put('/api/links', [{ id: created[0].id, title: 'Changed' }, { id: created[1].id, utm: { source: 'mail' } }])).body
    const upd = await arrived('link.updated', 2)
    expect(upd.map((x) => x.e.data).sort((a, b) => a.title.localeCompare(b.title))).toEqual([updated[0], updated[1]].sort((a, b) => a.title.localeCompare(b.title)))
    expect((await del('/api/links', [created[2].id])).status).toBe(200)
    const [d] = await arrived('link.deleted')
    expect(d.e.data).toEqual(created[2])
  })

  test('a CSV import sends link.created for every link it creates', async () => {
    const n = ofType('link.created').length
    const csv = 'shortId,url,title\nwh-import-1,https://example.com/i1,Imported 1\nwh-import-2,https://example.com/i2,Imported 2\n'
    const res = await s.api('/api/links/import', { method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } })
    expect(res.status).toBe(200)
    const report = await res.json()
    expect(report.created).toHaveLength(2)
    const got = await arrived('link.created', n + 2)
    expect(got.slice(n).map((x) => x.e.data.shortId).sort()).toEqual(['wh-import-1', 'wh-import-2'])
  })

  test('clicks: link.clicked for people with the click and the link, none for bots; leads and sales as the track answers', async () => {
    const [col] = (await post('/api/collections', [{ name: 'clicks' }])).body
    const [link] = (await post('/api/links', [{ url: 'https://example.com/c', collectionId: col.id }])).body
    const bot = await fetch(`${s.url}/${link.shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.googlebot } })
    expect(bot.status).toBe(302)
    const res = await fetch(`${s.url}/${link.shortId}?utm_source=news`, { redirect: 'manual', headers: { 'user-agent': UA.iphone, referer: 'https://news.example.com/' } })
    const clickId = new URL(res.headers.get('location')!).searchParams.get('hoko_id')!
    const [c] = await arrived('link.clicked')
    expect(c.e.data.link).toEqual(link)
    expect(c.e.data.click).toMatchObject({ id: clickId, linkId: link.id, shortId: link.shortId, osName: 'iOS', deviceType: 'mobile', referrer: 'https://news.example.com/', utm: { source: 'news' }, qr: false })
    // The visitor's address (127.0.0.1) only as the analytics store it: truncated.
    expect(c.e.data.click.ip).toBe('127.0.0.0')

    const lead = await post('/api/track/lead', { clickId, eventName: 'Sign up', customerExternalId: 'cust-1', customerName: 'Ann', customerEmail: 'ann@example.com' })
    expect(lead.status).toBe(201)
    const sale = await post('/api/track/sale', { customerExternalId: 'cust-1', customerName: 'Ann', amount: 4200, currency: 'eur', metadata: { order: 7 } })
    expect(sale.status).toBe(201)
    const [l] = await arrived('lead.created')
    const [sl] = await arrived('sale.created')
    expect(l.e.data).toEqual(lead.body)
    expect(sl.e.data).toEqual(sale.body)
    // Only the human click: the bot's never produced an event.
    expect(ofType('link.clicked')).toHaveLength(1)
  })

  test('an idempotent replay of a lead sends no second event', async () => {
    const [col] = (await post('/api/collections', [{ name: 'idem' }])).body
    const [link] = (await post('/api/links', [{ url: 'https://example.com/i', collectionId: col.id }])).body
    const res = await fetch(`${s.url}/${link.shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })
    const clickId = new URL(res.headers.get('location')!).searchParams.get('hoko_id')!
    const n = ofType('lead.created').length
    const body = { clickId, eventName: 'Trial', customerExternalId: 'idem-1', customerName: 'I' }
    for (let i = 0; i < 2; i++) expect((await s.api('/api/track/lead', { method: 'POST', json: body, headers: { 'idempotency-key': 'k-1' } })).status).toBe(201)
    await arrived('lead.created', n + 1)
    const [p] = (await post('/api/partners', [{ name: 'marker after replay' }])).body
    await until('marker', () => ofType('partner.created').some((x) => x.e.data.id === p.id))
    expect(ofType('lead.created')).toHaveLength(n + 1)
  })

  test('payloads never carry API keys, key hashes or a whole address', () => {
    const all = rx.at('/all').map((r) => r.body).join('\n')
    expect(all).not.toContain(s.key)
    expect(all).not.toMatch(/hk_[A-Za-z0-9]{20,}/)
    expect(all).not.toContain('127.0.0.1')
    expect(all).not.toContain(hook.secret)
  })
})

test('a rejected batch sends nothing; a webhook gets only the events it subscribes to', async () => {
  const hook = await createWebhook('/links-only', ['link.created'])
  const [col] = (await post('/api/collections', [{ name: 'rejected' }])).body
  const bad = await post('/api/links', [{ url: 'https://example.com/ok', collectionId: col.id }, { url: 'https://example.com/bad', collectionId: crypto.randomUUID() }])
  expect(bad.status).toBe(400)
  const badPartners = await put('/api/partners', [{ name: 'would be created' }, { id: crypto.randomUUID(), name: 'x' }])
  expect(badPartners.status).toBe(400)
  const [ok] = (await post('/api/links', [{ url: 'https://example.com/after', collectionId: col.id }])).body
  await until('the valid link', () => rx.at('/links-only').length >= 1)
  await Bun.sleep(300)
  const got = rx.at('/links-only').map((r) => verify(r, hook.secret))
  expect(got.map((e) => [e.type, e.data.id])).toEqual([['link.created', ok.id]])
  expect((await deliveries(`webhookId=${hook.id}`)).map((d) => d.payload.data.id)).toEqual([ok.id])
})

test('a receiver failing three times: the same webhook-id each time, then one success in the log', async () => {
  const hook = await createWebhook('/flaky', ['partner.created'])
  rx.plan('/flaky', [500, 503, 404])
  const [p] = (await post('/api/partners', [{ name: 'flaky' }])).body
  await until('the fourth attempt', () => rx.at('/flaky').length >= 4)
  const got = rx.at('/flaky')
  expect(new Set(got.map((r) => r.id)).size).toBe(1)
  expect(got.map((r) => r.body).every((b) => b === got[0].body)).toBe(true)
  for (const r of got) expect(verify(r, hook.secret).data.id).toBe(p.id)
  const [d] = await until('succeeded', async () => (await deliveries(`webhookId=${hook.id}&status=succeeded`)).length === 1 && deliveries(`webhookId=${hook.id}`))
  expect(d.id).toBe(got[0].id)
  expect(d.status).toBe('succeeded')
  expect(d.nextAttemptAt).toBeNull()
  expect(d.attempts.map((a: any) => a.status)).toEqual([500, 503, 404, 200])
  expect(d.attempts.map((a: any) => a.response)).toEqual(['answer 500', 'answer 503', 'answer 404', 'answer 200'])
  for (const a of d.attempts) {
    expect(a.durationMs).toBeGreaterThanOrEqual(0)
    expect(Date.parse(a.timestamp)).toBeGreaterThan(0)
  }
  expect(await deliveries(`webhookId=${hook.id}&status=failed`)).toEqual([])
})

test('retries stop after the schedule: the delivery is failed', async () => {
  const hook = await createWebhook('/down', ['partner.created'])
  rx.plan('/down', [500, 500, 500, 500, 500, 500])
  await post('/api/partners', [{ name: 'down' }])
  const [d] = await until('failed', () => deliveries(`webhookId=${hook.id}&status=failed`).then((l) => l.length === 1 && l))
  // HOKO_WEBHOOK_RETRY_SCHEDULE has 5 entries: 5 attempts.
  expect(d.attempts).toHaveLength(5)
  expect(rx.at('/down')).toHaveLength(5)
  // Failures alone (for less than 5 days) leave the webhook enabled.
  expect((await json(s.api(`/api/webhooks?id=${hook.id}`))).body[0].disabled).toBe(false)
})

test('a 410 answer fails the delivery and disables the webhook', async () => {
  const hook = await createWebhook('/gone', ['partner.created'])
  rx.plan('/gone', [410])
  await post('/api/partners', [{ name: 'gone' }])
  const [w] = await until('disabled', async () => {
    const [w] = (await json(s.api(`/api/webhooks?id=${hook.id}`))).body
    return w.disabled && [w]
  })
  expect(w.disabled).toBe(true)
  const [d] = await deliveries(`webhookId=${hook.id}`)
  expect(d.status).toBe('failed')
  expect(d.attempts.map((a: any) => a.status)).toEqual([410])
  // Disabled: later events are not even queued for it.
  const other = await createWebhook('/after-gone', ['partner.created'])
  await post('/api/partners', [{ name: 'after' }])
  await until('the other webhook', () => rx.at('/after-gone').length === 1)
  expect(rx.at('/gone')).toHaveLength(1)
  expect(await deliveries(`webhookId=${hook.id}`)).toHaveLength(1)
  // Enabled again, it receives again.
  await put('/api/webhooks', [{ id: hook.id, disabled: false }])
  await post('/api/partners', [{ name: 'back' }])
  await until('enabled again', () => rx.at('/gone').length === 2)
  expect(verify(rx.at('/gone')[1], hook.secret).data.name).toBe('back')
  await del('/api/webhooks', [other.id])
})

test('redirects are not followed: a 302 is a failed attempt', async () => {
  const hook = await createWebhook('/moved', ['partner.created'])
  rx.plan('/moved', [302])
  const before = rx.at('/all').length
  await post('/api/partners', [{ name: 'moved' }])
  await until('second attempt', () => rx.at('/moved').length >= 2)
  const [d] = await until('succeeded', () => deliveries(`webhookId=${hook.id}&status=succeeded`).then((l) => l.length === 1 && l))
  expect(d.attempts.map((a: any) => a.status)).toEqual([302, 200])
  expect(rx.at('/all').filter((r) => r.id === d.id)).toEqual([])
  expect(rx.at('/all').length).toBeGreaterThanOrEqual(before)
})

test('the log keeps the first 1 KB of a response', async () => {
  const hook = await createWebhook('/long', ['partner.created'])
  await post('/api/partners', [{ name: 'long' }])
  const [d] = await until('logged', () => deliveries(`webhookId=${hook.id}&status=succeeded`).then((l) => l.length === 1 && l))
  expect(d.attempts[0].response).toBe('x'.repeat(1024))
})

test('POST /api/webhooks/test sends webhook.test; retry sends a delivery again with the same webhook-id', async () => {
  const hook = await createWebhook('/test', ['sale.created'])
  const sent = await post('/api/webhooks/test', [hook.id])
  expect(sent.status).toBe(201)
  expect(sent.body).toHaveLength(1)
  expect(sent.body[0]).toMatchObject({ webhookId: hook.id, type: 'webhook.test', status: 'pending', attempts: [] })
  await until('test event', () => rx.at('/test').length === 1)
  const first = rx.at('/test')[0]
  expect(first.id).toBe(sent.body[0].id)
  expect(verify(first, hook.secret)).toMatchObject({ type: 'webhook.test', data: { webhookId: hook.id } })
  await until('succeeded', () => deliveries(`id=${first.id}&status=succeeded`).then((l) => l.length === 1))

  const again = await post('/api/webhooks/deliveries/retry', [first.id])
  expect(again.status).toBe(200)
  expect(again.body[0]).toMatchObject({ id: first.id, status: 'pending' })
  await until('resent', () => rx.at('/test').length === 2)
  const second = rx.at('/test')[1]
  expect(second.id).toBe(first.id)
  expect(second.body).toBe(first.body)
  verify(second, hook.secret)
  const [d] = await until('succeeded twice', () => deliveries(`id=${first.id}`).then((l) => l[0]?.attempts.length === 2 && l))
  expect(d.status).toBe('succeeded')

  for (const [path, body] of [
    ['/api/webhooks/test', [crypto.randomUUID()]],
    ['/api/webhooks/deliveries/retry', [crypto.randomUUID()]],
    ['/api/webhooks/rotate-secret', [crypto.randomUUID()]],
  ] as const) {
    const r = await post(path, body)
    expect(r.status).toBe(400)
    expectBilingual(r.body)
  }
})

test('rotate-secret: a new secret, and for 24 hours every delivery is signed with both', async () => {
  const hook = await createWebhook('/rotate', ['partner.created'])
  await post('/api/partners', [{ name: 'before rotation' }])
  await until('first', () => rx.at('/rotate').length === 1)
  expect(rx.at('/rotate')[0].signature.split(' ')).toHaveLength(1)

  const rotated = await post('/api/webhooks/rotate-secret', [hook.id])
  expect(rotated.status).toBe(200)
  const secret = rotated.body[0].secret
  expect(secret).toMatch(/^whsec_/)
  expect(secret).not.toBe(hook.secret)
  expect(rotated.body[0]).toMatchObject({ id: hook.id, url: hook.url })

  await post('/api/partners', [{ name: 'after rotation' }])
  await until('second', () => rx.at('/rotate').length === 2)
  const r = rx.at('/rotate')[1]
  expect(r.signature.split(' ')).toHaveLength(2)
  expect(verify(r, secret).data.name).toBe('after rotation')
  expect(verify(r, hook.secret).data.name).toBe('after rotation')
  expect(() => verify(r, `whsec_${Buffer.alloc(24, 7).toString('base64')}`)).toThrow()
  // The new secret alone verifies it too: a receiver may switch at any time during the overlap.
  expect(() => verify({ ...r, signature: r.signature.split(' ')[0] }, secret)).not.toThrow()
})

test('deliveries: filtered by webhook and status; bad filters are bilingual 400s', async () => {
  const hook = await createWebhook('/filters', ['partner.created'])
  rx.plan('/filters', [410])
  await post('/api/partners', [{ name: 'f' }])
  await until('failed', () => deliveries(`webhookId=${hook.id}&status=failed`).then((l) => l.length === 1))
  expect(await deliveries(`webhookId=${hook.id}&status=succeeded`)).toEqual([])
  expect(await deliveries(`webhookId=${hook.id}&status=pending`)).toEqual([])
  for (const q of ['status=done', `webhookId=nope`, 'take=0']) {
    const r = await json(s.api(`/api/webhooks/deliveries?${q}`))
    expect(r.status).toBe(400)
    expectBilingual(r.body)
  }
})

test('kill -9 right after a committed change: the event is delivered after the restart', async () => {
  // The first server sends nothing: whatever reaches the receiver came out of the outbox after the restart.
  const first = await startServer({ env: { ...ENV, HOKO_WEBHOOK_DELIVERY: '0' } })
  try {
    const hook = await createWebhook('/crash', ['link.created', 'partner.created'], first)
    const [col] = (await json(first.api('/api/collections', { method: 'POST', json: [{ name: 'crash' }] }))).body
    const res = await json(first.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com/crash', collectionId: col.id }] }))
    expect(res.status).toBe(201)
    first.proc.kill('SIGKILL')
    await first.proc.exited
    expect(rx.at('/crash')).toEqual([])

    // The same database: the SQLite file in first.dir, or first's PostgreSQL database.
    const again = await startServer({ dir: first.dir, env: { ...ENV, HOKO_DATABASE_URL: first.databaseUrl } })
    try {
      await until('the event from before the crash', () => rx.at('/crash').length === 1)
      const e = verify(rx.at('/crash')[0], hook.secret)
      expect(e.type).toBe('link.created')
      expect(e.data).toEqual(res.body[0])
    } finally {
      await again.stop()
    }
  } finally {
    // A failure before the kill leaves it running: a server left behind would keep the test run waiting.
    if (first.proc.exitCode === null && first.proc.signalCode === null) first.proc.kill('SIGKILL')
    removeDir(first.dir)
  }
}, 60_000)

describe('SSRF: without HOKO_WEBHOOK_ALLOW_PRIVATE', () => {
  test('plain http is refused when a webhook is saved', async () => {
    const strict = await startServer({ env: { HOKO_WEBHOOK_DELIVERY: '1' } })
    try {
      const r = await json(strict.api('/api/webhooks', { method: 'POST', json: [{ url: `${rx.url}/ssrf`, events: ['link.created'] }] }))
      expect(r.status).toBe(400)
      expect(expectBilingual(r.body).en).toBe('webhooks[0].url: must be an https URL (http only when the server sets HOKO_WEBHOOK_ALLOW_PRIVATE=1)')
    } finally {
      await strict.stop()
      removeDir(strict.dir)
    }
  })

  test('a webhook to the local receiver is refused at send time and the receiver sees no request', async () => {
    // Saved while the override was on (as in development), then served without it.
    const dev = await startServer({ env: { ...ENV, HOKO_WEBHOOK_DELIVERY: '0' } })
    // Stopped even when a step fails: a server left behind would keep the test run waiting.
    const [plain, named] = await Promise.all([
      createWebhook('/ssrf', ['partner.created'], dev),
      createWebhook('/ssrf-named', ['partner.created'], dev, `http://localhost:${rx.port}`),
    ]).finally(() => dev.stop())
    const strict = await startServer({ dir: dev.dir, env: { HOKO_DATABASE_URL: dev.databaseUrl, HOKO_WEBHOOK_DELIVERY: '1', HOKO_WEBHOOK_RETRY_SCHEDULE: '0' } })
    try {
      // The first start printed the key; this one prints none.
      const key = dev.key
      const https = await createWebhook('/ssrf-https', ['partner.created'], strict, `https://localhost:${rx.port}`, key)
      const api = (path: string) => strict.api(path, { key }).then((r) => r.json() as Promise<any[]>)
      expect((await strict.api('/api/partners', { method: 'POST', json: [{ name: 'ssrf' }], key })).status).toBe(201)
      const failed = await until('refused', async () => {
        const l = await api('/api/webhooks/deliveries?status=failed')
        return l.length === 3 && l
      })
      const errors = new Map(failed.map((d) => [d.webhookId, d.attempts[0]]))
      expect(errors.get(plain.id)).toMatchObject({ status: null, response: null })
      expect(errors.get(plain.id).error).toBe('127.0.0.1, a loopback address: refused (HOKO_WEBHOOK_ALLOW_PRIVATE=1 allows it)')
      expect(errors.get(named.id).error).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), a loopback address: refused/)
      expect(errors.get(https.id).error).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), a loopback address: refused/)
      expect(rx.got.filter((r) => r.path.startsWith('/ssrf'))).toEqual([])
    } finally {
      await strict.stop()
      removeDir(dev.dir)
    }
  }, 60_000)
})
