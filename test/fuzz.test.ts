import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { removeDir, startServer, type TestServer } from './harness'

/**
 * Generated hostile input for every endpoint: whatever arrives, the answer is a 2xx or a bilingual
 * 4xx, never a 5xx, and the server stays healthy. (A first part of the hardening suite.)
 */
let s: TestServer
let counts: () => Record<string, number>

const ENDPOINTS: [string, string][] = [
  ['POST', '/api/links'],
  ['PUT', '/api/links'],
  ['DELETE', '/api/links'],
  ['POST', '/api/collections'],
  ['PUT', '/api/collections'],
  ['DELETE', '/api/collections'],
  ['POST', '/api/tags'],
  ['PUT', '/api/tags'],
  ['DELETE', '/api/tags'],
  ['POST', '/api/partners'],
  ['PUT', '/api/partners'],
  ['DELETE', '/api/partners'],
  ['POST', '/api/track/lead'],
  ['POST', '/api/track/sale'],
]
const LISTS = ['/api/links', '/api/collections', '/api/tags', '/api/partners', '/api/customers', '/api/analytics', '/api/analytics/summary', '/qrcode']
const FIELDS = ['url', 'collectionId', 'id', 'name', 'color', 'email', 'geo', 'utm', 'tagIds', 'shortId', 'expiresAt', 'clickId', 'amount', 'metadata', 'customerExternalId', 'customerName', '__proto__', 'constructor', 'take', 'skip', 'sort', 'linkId', 'startDate', 'groupBy', 'text', 'size']

const nasty = fc.oneof(
  fc.constantFrom(
    "'; DROP TABLE links; --",
    '<script>alert(1)</script>',
    'javascript:alert(1)',
    '\u0000\u0001\u001f',
    '\ud800',
    'https://example.com/\u202e',
    '9'.repeat(400),
    '-1',
    '1e309',
    'NaN',
    '{{7*7}}',
    '../../etc/passwd',
    '%00',
    'https://exa mple.com',
  ),
  fc.string({ maxLength: 50 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  // Huge strings, cheap to generate.
  fc.tuple(fc.integer({ min: 5000, max: 9000 }), fc.constantFrom('x', 'é', '\u0000', '<')).map(([n, c]) => c.repeat(n)),
)
const scalar = fc.oneof(nasty, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.uuid())
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.constantFrom(...FIELDS), tie('v'), { maxKeys: 5 })),
})).v
const body = fc.oneof(
  value.map((x) => JSON.stringify(x)),
  fc.array(fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }), { maxLength: 5 }).map((x) => JSON.stringify(x)),
  fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 8 }).map((x) => JSON.stringify(x)),
  fc.string({ maxLength: 200 }),
  fc.constant('['.repeat(5000) + ']'.repeat(5000)),
  fc.constant('{"a":'.repeat(3000) + '1' + '}'.repeat(3000)),
  fc.constant('[{"name":"x","name":"y"}]'),
  fc.constant('{"__proto__":{"polluted":true},"clickId":"x","eventName":"e","customerExternalId":"c","customerName":"n"}'),
)
const query = fc.array(fc.tuple(fc.constantFrom(...FIELDS, 'externalId', 'tenantId', 'partnerId', 'tagId', 'format', 'margin'), nasty), { maxLength: 4 })

async function expectSafe(res: Response, what: string) {
  const text = await res.text()
  if (res.status >= 500) throw new Error(`${what} → ${res.status}: ${text.slice(0, 300)}`)
  if (res.status >= 400 && res.headers.get('content-type')?.includes('json')) {
    const json = JSON.parse(text)
    if (typeof json?.error?.en !== 'string' || typeof json?.error?.ar !== 'string') throw new Error(`${what} → ${res.status} without a bilingual body: ${text.slice(0, 200)}`)
  }
}

beforeAll(async () => {
  s = await startServer()
  counts = () => {
    const db = s.sql()
    try {
      return Object.fromEntries(
        ['links', 'collections', 'tags', 'partners', 'customers', 'leads', 'sales'].map((t) => [t, (db.query(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]),
      )
    } finally {
      db.close()
    }
  }
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

describe('generated hostile input', () => {
  test('bodies: never a 5xx, always bilingual 4xx errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), body, async ([method, path], text) => {
        const res = await s.api(path, { method, body: text, headers: { 'content-type': 'application/json' } })
        await expectSafe(res, `${method} ${path} ${text.slice(0, 120)}`)
      }),
      { numRuns: 800 },
    )
    expect(({} as any).polluted).toBeUndefined()
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
  }, 120_000)

  test('queries: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LISTS), query, async (path, pairs) => {
        const qs = new URLSearchParams(pairs as [string, string][]).toString()
        const res = await s.api(`${path}?${qs}`)
        await expectSafe(res, `GET ${path}?${qs.slice(0, 200)}`)
      }),
      { numRuns: 800 },
    )
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
  }, 120_000)

  test('short URLs and tracking scripts: never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), fc.string({ maxLength: 60 }), async (id, q) => {
        const path = `/${encodeURIComponent(id)}`
        for (const p of [path, `${path}/analytics.js`]) {
          const res = await fetch(`${s.url}${p}?${encodeURIComponent(q)}`, { redirect: 'manual', headers: { referer: `https://${encodeURIComponent(q)}.example/`, cookie: `hoko_vid=${q.replace(/[;\s]/g, '')}` } })
          await expectSafe(res, `GET ${p}`)
        }
        const post = await fetch(`${s.url}${path}/analytics.js`, { method: 'POST', body: q })
        await expectSafe(post, `POST ${path}/analytics.js`)
      }),
      { numRuns: 400 },
    )
  }, 120_000)

  test('rejected input wrote nothing', () => {
    // Every generated body lacked a valid collectionId/clickId, so nothing could be created but
    // collections, tags and partners, whose only required field is a name.
    const c = counts()
    expect(c.links).toBe(0)
    expect(c.leads).toBe(0)
    expect(c.sales).toBe(0)
    expect(c.customers).toBe(0)
  })
})
