import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createApp } from '../src/app'
import { createContext } from '../src/context'
import { loadConfig } from '../src/config'
import { openDatabase, runMigrations } from '../src/db'
import { sqliteData } from '../src/db/data'
import { openStorage } from '../src/db/open'
import { createKey } from '../src/keys/service'
import { type Scope, SCOPES } from '../src/keys/scopes'
import { ENDPOINTS, label, send, storedData } from './endpoints'
import { expectBilingual, removeDir, startServer, type TestServer } from './harness'

let s: TestServer
const keys = new Map<string, string>()
let expiredKey: string
let revokedKey: string
let stored: () => Promise<string>
beforeAll(async () => {
  // Every endpoint is called many times here: the rate limit must not answer in their place.
  s = await startServer({ env: { HOKO_RATE_LIMIT: '100000000', HOKO_KEYLESS_RATE_LIMIT: '0' } })
  // Keys written straight into the server's database (a second connection), as the CLI would.
  const storage = await openStorage({ dbPath: s.dbPath, databaseUrl: s.databaseUrl })
  const [{ id: workspaceId }] = await s.rows<{ id: string }>("SELECT id FROM workspaces WHERE slug = 'default'")
  const make = (name: string, scopes: Scope[], expiresAt: Date | null = null, now = new Date()) =>
    createKey(storage.data, { workspaceId, name, scopes, expiresAt }, now)
  for (const scope of SCOPES) keys.set(scope, (await make(scope, [scope])).key)
  keys.set('all', (await make('all', [...SCOPES])).key)
  // Expired a minute ago, as if created two minutes ago: no waiting for a clock.
  expiredKey = (await make('expired', [...SCOPES], new Date(Date.now() - 60_000), new Date(Date.now() - 120_000))).key
  const revoked = await make('revoked', [...SCOPES])
  revokedKey = revoked.key
  await storage.close()
  s.cliJson(['key', 'revoke', revoked.id])
  stored = () => storedData(s)
}, 30_000)
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

test('the table covers every /api route the app registers', () => {
  const db = openDatabase(':memory:')
  runMigrations(db)
  const app = createApp(createContext({ data: sqliteData(db), config: loadConfig({}), baseUrl: 'http://localhost', secret: 'test-secret-0123456789' }))
  const registered = app.routes
    .filter((r) => r.path.startsWith('/api') && r.method !== 'ALL')
    .map((r) => `${r.method} ${r.path}`)
    .sort()
  expect(registered).toEqual(ENDPOINTS.map(label).sort())
  db.$client.close()
})

describe('authentication on every endpoint', () => {
  const error = (en: string, ar: string) => ({ error: { en, ar } })
  const FORMAT = error('Invalid API key format', 'تنسيق مفتاح API غير صحيح')
  const INVALID = error('Invalid API key', 'مفتاح API غير صالح')
  const cases: [what: string, authorization: () => string | null, body: unknown][] = [
    ['no Authorization header', () => null, error('Missing Authorization header', 'ترويسة التفويض (Authorization) مفقودة')],
    ['an empty Authorization header', () => '', error('Missing Authorization header', 'ترويسة التفويض (Authorization) مفقودة')],
    ['Bearer and no key', () => 'Bearer', FORMAT],
    ['Basic credentials', () => 'Basic dXNlcjpwYXNz', FORMAT],
    ['a key of another service', () => 'Bearer sk_live_0123456789abcdefghijklmnopqrstuvwxyz', FORMAT],
    ['a truncated key', () => `Bearer ${keys.get('all')!.slice(0, 20)}`, FORMAT],
    ['an unknown key', () => `Bearer hk_${'x'.repeat(40)}`, INVALID],
    ['a revoked key', () => `Bearer ${revokedKey}`, INVALID],
    ['an expired key', () => `Bearer ${expiredKey}`, error('API key has expired', 'انتهت صلاحية مفتاح API')],
  ]

  for (const e of ENDPOINTS) {
    test(`${label(e)} answers 401 to a missing, malformed, unknown, revoked or expired key, and writes nothing`, async () => {
      const req = await e.prepare(s, s.key)
      const before = await stored()
      for (const [what, authorization, body] of cases) {
        const value = authorization()
        const res = await send(s, e, req, null, value === null ? {} : { authorization: value })
        expect({ what, status: res.status }).toEqual({ what, status: 401 })
        expect(res.headers.get('content-type')).toContain('application/json')
        expect(res.headers.get('x-ratelimit-limit')).toBeNull()
        expect(await res.json()).toEqual(body)
      }
      expect(await stored()).toBe(before)
    })
  }
})

describe('scopes', () => {
  const MISSING_SCOPES = { en: 'Missing required scopes', ar: 'الصلاحيات المطلوبة مفقودة' }
  for (const e of ENDPOINTS) {
    if (e.session) {
      test(`${label(e)} opens to a ${e.session === 'admin' ? "instance admin's " : ''}dashboard session only, never to a key`, async () => {
        const req = await e.prepare(s, s.key)
        const before = await stored()
        for (const scope of [...SCOPES, 'all']) {
          const res = await send(s, e, req, keys.get(scope)!)
          expect({ scope, status: res.status }).toEqual({ scope, status: 403 })
          expect(res.headers.get('x-hoko-error')).toBe(e.session === 'admin' ? 'admin_required' : 'session_required')
          expectBilingual(await res.json())
        }
        expect(await stored()).toBe(before)
        expect((await send(s, e, req, req.session!)).status).toBe(e.ok)
        if (e.method !== 'GET') {
          const res = await send(s, e, { body: [] }, (await e.prepare(s, s.key)).session!)
          expect(res.status).toBe(400)
          expectBilingual(await res.json())
        }
      })
      continue
    }
    if (e.scope === null) {
      test(`${label(e)} opens to any key, whatever its scopes`, async () => {
        const req = await e.prepare(s, s.key)
        for (const scope of [...SCOPES, 'all']) expect({ scope, status: (await send(s, e, req, keys.get(scope)!)).status }).toEqual({ scope, status: e.ok })
      })
      continue
    }
    const scope = e.scope
    test(`${label(e)} opens to ${scope} and all only`, async () => {
      const req = await e.prepare(s, s.key)
      const before = await stored()
      for (const other of SCOPES) {
        if (other === scope) continue
        const res = await send(s, e, req, keys.get(other)!)
        expect({ scope: other, status: res.status }).toEqual({ scope: other, status: 403 })
        expect(await res.json()).toEqual({ error: MISSING_SCOPES, missingScopes: [scope] })
        expect(res.headers.get('x-ratelimit-limit')).not.toBeNull()
      }
      expect(await stored()).toBe(before)

      expect((await send(s, e, req, keys.get(scope)!)).status).toBe(e.ok)
      expect((await send(s, e, await e.prepare(s, s.key), keys.get('all')!)).status).toBe(e.ok)
      // The right scope reaches validation: an empty batch is refused by the body's rules.
      if (e.method !== 'GET') {
        const res = await s.api(e.path, { method: e.method, key: keys.get(scope), json: [] })
        expect(res.status).toBe(400)
        expectBilingual(await res.json())
      }
    })
  }

  test('partner writes need partnersWrite, not linksWrite', async () => {
    const res = await s.api('/api/partners', { method: 'POST', key: keys.get('linksWrite'), json: [{ name: 'P' }] })
    expect(res.status).toBe(403)
    expect((await res.json()).missingScopes).toEqual(['partnersWrite'])
  })
})

describe('order of checks: key, then scope, then body', () => {
  test('no key and a malformed body: 401', async () => {
    const res = await s.api('/api/links', { method: 'POST', key: null, body: '{oops', headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(401)
  })

  test('a key without the scope and a malformed body: 403', async () => {
    const res = await s.api('/api/links', { method: 'POST', key: keys.get('linksRead'), body: '{oops', headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(403)
  })

  test('a key without the scope and an invalid query: 403', async () => {
    const res = await s.api('/api/links?take=0', { key: keys.get('tagsRead') })
    expect(res.status).toBe(403)
  })
})

describe('request bodies', () => {
  const send = (body: BodyInit | undefined, contentType?: string) =>
    s.api('/api/collections', { method: 'POST', body, headers: contentType ? { 'content-type': contentType } : {} })

  test.each([
    ['malformed JSON', '[{"name": "x"', 'application/json', 'Request body is not valid JSON'],
    ['a wrong content type', '[{"name":"x"}]', 'text/plain', 'Content-Type must be application/json'],
    ['a form body', 'name=x', 'application/x-www-form-urlencoded', 'Content-Type must be application/json'],
    ['an empty body', '', 'application/json', 'Request body is required'],
    ['an object where an array is documented', '{"name":"x"}', 'application/json', 'collections: must be an array'],
    ['a bare string', '"x"', 'application/json', 'collections: must be an array'],
    ['null', 'null', 'application/json', 'collections: must be an array'],
  ])('%s is a bilingual 400', async (_, body, type, message) => {
    const res = await send(body, type)
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toBe(message)
  })

  test('no body and no content type is a 400', async () => {
    const res = await send(undefined)
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toBe('Request body is required')
  })

  test('bodies nested deeper than 32 levels are refused before validation', async () => {
    const deep = '['.repeat(33) + ']'.repeat(33)
    const res = await send(deep, 'application/json')
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toBe('Request body nests arrays and objects deeper than 32 levels')
    // Brackets inside strings do not count.
    const ok = await send(JSON.stringify([{ name: '['.repeat(100) }]), 'application/json')
    expect(ok.status).toBe(201)
  })

  test('invalid UTF-8 is a 400', async () => {
    const res = await send(new Uint8Array([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]), 'application/json')
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toBe('Request body is not valid UTF-8')
  })

  test('application/json with a charset, and +json types, are accepted', async () => {
    expect((await send('[{"name":"a"}]', 'application/json; charset=utf-8')).status).toBe(201)
    expect((await send('[{"name":"b"}]', 'application/vnd.api+json')).status).toBe(201)
  })

  test('__proto__ keys are refused as unknown fields and pollute nothing', async () => {
    const res = await send('[{"name":"x","__proto__":{"admin":true}}]', 'application/json')
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toBe('collections[0].__proto__: is not a known field')
    expect(({} as any).admin).toBeUndefined()
  })

  test('validation messages name the field in both languages', async () => {
    const res = await send('[{"name":"ok"},{"name":42}]', 'application/json')
    const body = await res.json()
    expect(body).toEqual({
      error: { en: 'collections[1].name: must be a string', ar: 'collections[1].name: يجب أن يكون نصًا' },
    })
  })
})
