import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createApp } from '../src/app'
import { createContext } from '../src/context'
import { loadConfig } from '../src/config'
import { openDatabase, runMigrations } from '../src/db'
import { SCOPES } from '../src/keys/scopes'
import { expectBilingual, removeDir, startServer, type TestServer } from './harness'

/**
 * Every API endpoint and the one scope that opens it: the spec's scope table. A route the app
 * registers under /api that is missing here fails the suite.
 */
const ENDPOINTS: [method: string, path: string, scope: (typeof SCOPES)[number]][] = [
  ['GET', '/api/links', 'linksRead'],
  ['POST', '/api/links', 'linksWrite'],
  ['PUT', '/api/links', 'linksWrite'],
  ['DELETE', '/api/links', 'linksWrite'],
  ['GET', '/api/collections', 'collectionsRead'],
  ['POST', '/api/collections', 'collectionsWrite'],
  ['PUT', '/api/collections', 'collectionsWrite'],
  ['DELETE', '/api/collections', 'collectionsWrite'],
  ['GET', '/api/tags', 'tagsRead'],
  ['POST', '/api/tags', 'tagsWrite'],
  ['PUT', '/api/tags', 'tagsWrite'],
  ['DELETE', '/api/tags', 'tagsWrite'],
  ['GET', '/api/partners', 'partnersRead'],
  ['POST', '/api/partners', 'partnersWrite'],
  ['PUT', '/api/partners', 'partnersWrite'],
  ['DELETE', '/api/partners', 'partnersWrite'],
  ['GET', '/api/customers', 'customersRead'],
  ['GET', '/api/analytics', 'analyticsRead'],
  ['GET', '/api/analytics/summary', 'analyticsRead'],
  ['POST', '/api/track/lead', 'conversionsWrite'],
  ['POST', '/api/track/sale', 'conversionsWrite'],
  ['GET', '/api/leads', 'analyticsRead'],
  ['GET', '/api/sales', 'analyticsRead'],
]

let s: TestServer
const keys = new Map<string, string>()
beforeAll(async () => {
  s = await startServer()
  for (const scope of SCOPES) keys.set(scope, s.newKey(scope))
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

test('the table covers every /api route the app registers', () => {
  const db = openDatabase(':memory:')
  runMigrations(db)
  const app = createApp(createContext({ db, config: loadConfig({}), baseUrl: 'http://localhost', secret: 'test-secret-0123456789' }))
  const registered = app.routes
    .filter((r) => r.path.startsWith('/api') && r.method !== 'ALL')
    .map((r) => `${r.method} ${r.path}`)
    .sort()
  expect(registered).toEqual(ENDPOINTS.map(([m, p]) => `${m} ${p}`).sort())
  db.$client.close()
})

describe('scopes', () => {
  // A body that passes the scope check but fails validation, so nothing is written.
  const bodyFor = (method: string) => (method === 'GET' ? undefined : [])

  for (const [method, path, required] of ENDPOINTS) {
    test(`${method} ${path} opens to ${required} only`, async () => {
      for (const scope of SCOPES) {
        const res = await s.api(path, { method, key: keys.get(scope), json: bodyFor(method) })
        const body = await res.json()
        if (scope === required) {
          expect([200, 400]).toContain(res.status)
          if (method !== 'GET') expect(res.status).toBe(400)
        } else {
          expect(res.status).toBe(403)
          expect(body).toEqual({
            error: { en: 'Missing required scopes', ar: 'الصلاحيات المطلوبة مفقودة' },
            missingScopes: [required],
          })
          expect(res.headers.get('x-ratelimit-limit')).not.toBeNull()
        }
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
