import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { expectBilingual, removeDir, startServer, type TestServer, UA } from './harness'

// Endpoints that need no key: /qrcode, the password form (POST /:shortId), capture (POST /:shortId/analytics.js).
const LIMIT = 5
let s: TestServer
let plain: any
let locked: any

// Each test speaks from addresses of its own (the only X-Forwarded-For entry, written by "the proxy").
const from = (ip: string, headers: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, 'user-agent': UA.chromeWindows, ...headers })
const passwordPost = (ip: string, body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/${locked.shortId}`, {
    method: 'POST',
    redirect: 'manual',
    headers: from(ip, { 'content-type': 'application/x-www-form-urlencoded', ...headers }),
    body,
  })
const capturePost = (ip: string, body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/${plain.shortId}/analytics.js`, { method: 'POST', headers: from(ip, { 'content-type': 'text/plain', ...headers }), body })
const qr = (ip: string, text = 'https://go.example.test/abc?qr=1') => fetch(`${s.url}/qrcode?text=${encodeURIComponent(text)}`, { headers: from(ip) })

/** A body sent chunked, with no Content-Length, as a stream of `chunks` pieces of `size` bytes. */
function chunked(chunks: number, size: number): ReadableStream<Uint8Array> {
  let sent = 0
  return new ReadableStream({
    pull(controller) {
      if (sent++ === chunks) return controller.close()
      controller.enqueue(new Uint8Array(size).fill(0x61))
    },
  })
}

beforeAll(async () => {
  s = await startServer({ env: { HOKO_TRUST_PROXY: '1', HOKO_KEYLESS_RATE_LIMIT: String(LIMIT), HOKO_BASE_URL: 'https://go.example.test' } })
  const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'keyless' }] })).json()
  ;[plain, locked] = await (
    await s.api('/api/links', {
      method: 'POST',
      json: [
        { url: 'https://shop.example.com/', collectionId: col.id },
        { url: 'https://shop.example.com/secret', collectionId: col.id, password: 'open sesame' },
      ],
    })
  ).json()
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

describe('heavy QR codes', () => {
  test('a redirect is answered while a dozen large PNGs are being drawn', async () => {
    // Distinct texts, so that no drawing is served from the cache or shared; distinct addresses, under the limit.
    const heavy = Array.from({ length: 12 }, (_, i) =>
      fetch(`${s.url}/qrcode?text=${encodeURIComponent(`https://go.example.test/${i}`.padEnd(500, 'x'))}&size=1024&format=png&errorCorrection=L`, {
        headers: from(`198.51.100.${i + 1}`),
      }),
    )
    await Bun.sleep(20)
    const redirect = await fetch(`${s.url}/${plain.shortId}`, { redirect: 'manual', headers: from('192.0.2.200') })
    expect(redirect.status).toBe(302)
    for (const res of await Promise.all(heavy)) {
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/png')
    }
  }, 30_000)
})

describe('bodies of the keyless POST routes', () => {
  const big = `password=${'a'.repeat(16 * 1024)}`

  test('over 16 KB is a 413 on the password form and on capture, with a Content-Length', async () => {
    const form = await passwordPost('203.0.113.1', big)
    expect(form.status).toBe(413)
    expect(expectBilingual(await form.json()).en).toBe('Request body is larger than the limit of 16384 bytes')
    const capture = await capturePost('203.0.113.1', JSON.stringify({ token: 'x', url: 'https://shop.example.com/', sessionId: 's', referrer: 'a'.repeat(16 * 1024) }))
    expect(capture.status).toBe(413)
    expectBilingual(await capture.json())
  })

  test('over 16 KB is a 413 when sent chunked, without a Content-Length', async () => {
    const form = await passwordPost('203.0.113.2', chunked(64, 1024))
    expect(form.status).toBe(413)
    expectBilingual(await form.json())
    const capture = await capturePost('203.0.113.2', chunked(64, 1024))
    expect(capture.status).toBe(413)
    expectBilingual(await capture.json())
  })

  test('JSON nested deeper than 32 levels is a 400 before it is parsed', async () => {
    const deep = `${'['.repeat(40)}${']'.repeat(40)}`
    const capture = await capturePost('203.0.113.3', deep)
    expect(capture.status).toBe(400)
    expect(expectBilingual(await capture.json()).en).toBe('Request body nests arrays and objects deeper than 32 levels')
    const form = await passwordPost('203.0.113.3', `{"password":${deep}}`, { 'content-type': 'application/json' })
    expect(form.status).toBe(400)
    expect(expectBilingual(await form.json()).en).toBe('Request body nests arrays and objects deeper than 32 levels')
  })

  test('valid small bodies pass: the password as a form, as multipart and as JSON; a chunked form', async () => {
    const forms: [BodyInit, Record<string, string>][] = [
      ['password=open+sesame', {}],
      [JSON.stringify({ password: 'open sesame' }), { 'content-type': 'application/json' }],
    ]
    for (const [body, headers] of forms) expect((await passwordPost('203.0.113.4', body, headers)).status).toBe(303)
    const multipart = new FormData()
    multipart.set('password', 'open sesame')
    const res = await fetch(`${s.url}/${locked.shortId}`, { method: 'POST', redirect: 'manual', headers: from('203.0.113.4'), body: multipart })
    expect(res.status).toBe(303)
    const stream = new Blob(['password=open+sesame']).stream()
    expect((await passwordPost('203.0.113.5', stream)).status).toBe(303)
  })
})

describe('the per-address limit of keyless endpoints', () => {
  test(`after ${LIMIT} QR codes a minute from one address, a bilingual 429 with Retry-After; another address passes`, async () => {
    for (let i = 0; i < LIMIT; i++) expect((await qr('192.0.2.10')).status).toBe(200)
    const refused = await qr('192.0.2.10')
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    const body = await refused.json()
    expect(expectBilingual(body).en).toBe('Rate limit exceeded')
    expect(body.retryAfter).toBeGreaterThan(0)
    expect((await qr('192.0.2.11')).status).toBe(200)
  })

  test('the password form answers an HTML 429 page; each endpoint counts on its own', async () => {
    // Right passwords, so that the wrong-password brake plays no part.
    for (let i = 0; i < LIMIT; i++) expect((await passwordPost('192.0.2.20', 'password=open+sesame')).status).toBe(303)
    const refused = await passwordPost('192.0.2.20', 'password=open+sesame')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    const html = await refused.text()
    expect(html).toContain('Too many requests')
    expect(html).toMatch(/[\u0600-\u06FF]/)
    expect((await passwordPost('192.0.2.21', 'password=open+sesame')).status).toBe(303)
    // The same address still gets QR codes: the password form's window is its own.
    expect((await qr('192.0.2.20')).status).toBe(200)
  })

  test('capture answers a bilingual JSON 429', async () => {
    const body = JSON.stringify({ token: 'not-a-token', url: 'https://shop.example.com/', sessionId: 's' })
    for (let i = 0; i < LIMIT; i++) expect((await capturePost('192.0.2.30', body)).status).toBe(400)
    const refused = await capturePost('192.0.2.30', body)
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expectBilingual(await refused.json())
    expect((await capturePost('192.0.2.31', body)).status).toBe(400)
  })

  test('an IPv6 /64 counts as one address', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await qr(`2001:db8:7:1::${i + 1}`)).status).toBe(200)
    expect((await qr('2001:db8:7:1:ffff::9')).status).toBe(429)
    expect((await qr('2001:db8:7:2::1')).status).toBe(200)
  })
})
