import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Webhook } from 'standardwebhooks'
import { ConfigError, loadConfig } from '../src/config'
import { forbiddenReason, resolveTarget } from '../src/webhooks/address'
import { newSecret, signatureHeader } from '../src/webhooks/signing'
import { DeliveryWorker, FAILING_DISABLE_MS } from '../src/webhooks/worker'
import { sqliteData } from '../src/db/data'
import { startInProcess, type InProcess } from './in-process'

describe('the SSRF address check', () => {
  test.each([
    ['10.0.0.1', 'a private address'],
    ['172.16.5.4', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['127.0.0.1', 'a loopback address'],
    ['127.8.9.10', 'a loopback address'],
    ['0.0.0.0', 'an unspecified address'],
    ['100.64.0.1', 'a shared (carrier-grade NAT) address'],
    ['100.127.255.254', 'a shared (carrier-grade NAT) address'],
    ['169.254.169.254', 'a cloud metadata address'],
    ['169.254.10.1', 'a link-local address'],
    ['224.0.0.1', 'a multicast address'],
    ['255.255.255.255', 'a reserved address'],
    ['::1', 'a loopback address'],
    ['0:0:0:0:0:0:0:1', 'a loopback address'],
    ['::', 'an unspecified address'],
    ['fd00::1', 'a unique-local (private) address'],
    ['fc12:3456::1', 'a unique-local (private) address'],
    ['fd00:ec2::254', 'a cloud metadata address'],
    ['fe80::1', 'a link-local address'],
    ['fe80::1%eth0', 'a link-local address'],
    ['ff02::1', 'a multicast address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:7f00:1', 'a loopback address'],
    ['::ffff:10.1.2.3', 'a private address'],
    ['::ffff:169.254.169.254', 'a cloud metadata address'],
    ['::ffff:a9fe:a9fe', 'a cloud metadata address'],
    ['::127.0.0.1', 'a loopback address'],
    ['64:ff9b::10.0.0.1', 'a private address'],
    ['2002:c0a8:0101::1', 'a private address'],
    ['[::1]', 'a loopback address'],
  ])('%s is %s', (ip, reason) => expect(forbiddenReason(ip)).toBe(reason))

  test.each(['8.8.8.8', '93.184.216.34', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8'])(
    '%s, a public address, is allowed',
    (ip) => expect(forbiddenReason(ip)).toBeNull(),
  )

  // IP literals and localhost (the hosts file): no query leaves the machine.
  test('a URL is judged by what its host resolves to now; the override lifts the rule', async () => {
    expect(await resolveTarget(new URL('https://10.0.0.1/x'), false)).toEqual({
      refused: '10.0.0.1, a private address: refused (HOKO_WEBHOOK_ALLOW_PRIVATE=1 allows it)',
    })
    expect((await resolveTarget(new URL('https://[fd00::1]/x'), false)).refused).toStartWith('fd00::1, a unique-local')
    expect((await resolveTarget(new URL('http://localhost:8080/x'), false)).refused).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), a loopback address/)
    expect(await resolveTarget(new URL('http://10.0.0.1/x'), true)).toEqual({ address: '10.0.0.1' })
    expect((await resolveTarget(new URL('http://localhost/x'), true)).address).toMatch(/^(127\.0\.0\.1|::1)$/)
  })
})

describe('signing', () => {
  test('secrets are whsec_ and 24 random bytes, in base64', () => {
    const a = newSecret()
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(24)
    expect(newSecret()).not.toBe(a)
  })

  test('the signature header verifies with standardwebhooks, with each of two secrets', () => {
    const [one, two] = [newSecret(), newSecret()]
    const body = JSON.stringify({ type: 'webhook.test', timestamp: new Date().toISOString(), data: { é: '✓' } })
    const timestamp = Math.floor(Date.now() / 1000)
    const headers = (secrets: string[]) => ({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader(secrets, 'msg_1', timestamp, body) })
    expect(new Webhook(one).verify(body, headers([one]))).toEqual(JSON.parse(body))
    expect(headers([one])['webhook-signature']).toBe(new Webhook(one).sign('msg_1', new Date(timestamp * 1000), body))
    for (const s of [one, two]) expect(() => new Webhook(s).verify(body, headers([two, one]))).not.toThrow()
    expect(() => new Webhook(two).verify(body, headers([one]))).toThrow()
  })
})

describe('configuration', () => {
  test('the default retry schedule runs about 3 days: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 10 h', () => {
    const c = loadConfig({})
    expect(c.webhookRetrySchedule).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 36000, 36000].map((s) => s * 1000))
    expect(c.webhookAllowPrivate).toBe(false)
    expect(c.webhookDelivery).toBe(true)
  })

  test('HOKO_WEBHOOK_RETRY_SCHEDULE (a testing knob), HOKO_WEBHOOK_ALLOW_PRIVATE, HOKO_WEBHOOK_DELIVERY', () => {
    const c = loadConfig({ HOKO_WEBHOOK_RETRY_SCHEDULE: '0, 0.2,1', HOKO_WEBHOOK_ALLOW_PRIVATE: '1', HOKO_WEBHOOK_DELIVERY: '0' })
    expect(c.webhookRetrySchedule).toEqual([0, 200, 1000])
    expect(c.webhookAllowPrivate).toBe(true)
    expect(c.webhookDelivery).toBe(false)
    expect(() => loadConfig({ HOKO_WEBHOOK_RETRY_SCHEDULE: '0,soon' })).toThrow(ConfigError)
    expect(() => loadConfig({ HOKO_WEBHOOK_ALLOW_PRIVATE: 'yes' })).toThrow('HOKO_WEBHOOK_ALLOW_PRIVATE must be 1 or 0')
  })
})

describe('the delivery worker', () => {
  let app: InProcess
  let status = 500
  let received = 0
  const receiver = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: () => {
      received++
      return new Response(null, { status })
    },
  })
  let worker: DeliveryWorker
  beforeAll(async () => {
    app = await startInProcess({ env: { HOKO_WEBHOOK_ALLOW_PRIVATE: '1' } })
    worker = new DeliveryWorker(sqliteData(app.db), { webhookAllowPrivate: true, webhookRetrySchedule: [0, 60_000] })
    worker.start()
  })
  afterAll(async () => {
    await worker.stop()
    receiver.stop(true)
    app.close()
  })
  const json = async (r: Promise<Response>) => (await r).json() as Promise<any>
  const hookRow = (id: string) => app.db.$client.query<{ disabled: number; failing_since: number | null }, [string]>('SELECT disabled, failing_since FROM webhooks WHERE id = ?').get(id)!
  const waitFor = async (ok: () => boolean) => {
    for (let i = 0; i < 400 && !ok(); i++) await Bun.sleep(25)
    expect(ok()).toBe(true)
  }

  test('a failure starts the failing streak; a success ends it', async () => {
    const [hook] = await json(app.api('/api/webhooks', { method: 'POST', json: [{ url: `http://127.0.0.1:${receiver.port}/`, events: ['partner.created'] }] }))
    status = 500
    await app.api('/api/webhooks/test', { method: 'POST', json: [hook.id] })
    await waitFor(() => hookRow(hook.id).failing_since !== null)
    status = 204
    await app.api('/api/webhooks/test', { method: 'POST', json: [hook.id] })
    await waitFor(() => hookRow(hook.id).failing_since === null)
    expect(hookRow(hook.id).disabled).toBe(0)
  })

  test('a webhook whose every delivery has failed for 5 days is disabled', async () => {
    const [hook] = await json(app.api('/api/webhooks', { method: 'POST', json: [{ url: `http://127.0.0.1:${receiver.port}/`, events: ['partner.created'] }] }))
    status = 503
    // Failing for a little under 5 days: one more failure leaves it enabled.
    app.db.$client.query('UPDATE webhooks SET failing_since = ? WHERE id = ?').run(Date.now() - FAILING_DISABLE_MS + 3600_000, hook.id)
    const before = received
    await app.api('/api/webhooks/test', { method: 'POST', json: [hook.id] })
    await waitFor(() => received > before)
    await Bun.sleep(100)
    expect(hookRow(hook.id).disabled).toBe(0)
    // Past 5 days: the next failure disables it.
    app.db.$client.query('UPDATE webhooks SET failing_since = ? WHERE id = ?').run(Date.now() - FAILING_DISABLE_MS - 1000, hook.id)
    await app.api('/api/webhooks/test', { method: 'POST', json: [hook.id] })
    await waitFor(() => hookRow(hook.id).disabled === 1)
    const [w] = await json(app.api(`/api/webhooks?id=${hook.id}`))
    expect(w.disabled).toBe(true)
    // A delivery still waiting for a disabled webhook is failed without being sent.
    const sent = received
    const [d] = await json(app.api('/api/webhooks/test', { method: 'POST', json: [hook.id] }))
    await waitFor(() => app.db.$client.query<{ status: string }, [string]>('SELECT status FROM webhook_deliveries WHERE id = ?').get(d.id)!.status === 'failed')
    expect(received).toBe(sent)
    const [logged] = await json(app.api(`/api/webhooks/deliveries?id=${d.id}`))
    expect(logged.attempts.map((a: any) => a.error)).toEqual(['the webhook is disabled'])
  })

  test('deleting a webhook deletes its deliveries and their attempts', async () => {
    const [hook] = await json(app.api('/api/webhooks', { method: 'POST', json: [{ url: `http://127.0.0.1:${receiver.port}/`, events: ['partner.created'] }] }))
    status = 200
    const [d] = await json(app.api('/api/webhooks/test', { method: 'POST', json: [hook.id] }))
    await waitFor(() => app.db.$client.query<{ n: number }, [string]>('SELECT count(*) AS n FROM webhook_attempts WHERE delivery_id = ?').get(d.id)!.n === 1)
    expect((await app.api('/api/webhooks', { method: 'DELETE', json: [hook.id] })).status).toBe(200)
    const count = (sql: string) => app.db.$client.query<{ n: number }, [string]>(sql).get(d.id)!.n
    expect(count('SELECT count(*) AS n FROM webhook_deliveries WHERE id = ?')).toBe(0)
    expect(count('SELECT count(*) AS n FROM webhook_attempts WHERE delivery_id = ?')).toBe(0)
  })
})
