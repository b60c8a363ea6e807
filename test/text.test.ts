import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { expectBilingual, removeDir, startServer, type TestServer } from './harness'

/**
 * Text no engine can keep as sent (src/http/text.ts): PostgreSQL's text refuses U+0000, and an unpaired
 * surrogate has no UTF-8 form. Every entry refuses it alike on SQLite and PostgreSQL, with a 400 that
 * names where it was; nothing is written, and no request gets a 5xx.
 */
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

async function refused(res: Response, where: string) {
  expect(res.status).toBe(400)
  expect(res.headers.get('x-hoko-error')).toBe('unstorable_text')
  const { en, ar } = expectBilingual(await res.json())
  expect(en).toStartWith(`${where}: text must not contain the NUL character (U+0000)`)
  expect(ar).toStartWith(`${where}: `)
}

describe('the NUL character and unpaired surrogates', () => {
  test('in a JSON body: 400 naming the field, nothing written', async () => {
    const before = await s.rows('SELECT count(*) AS n FROM tags')
    await refused(await s.api('/api/tags', { method: 'POST', json: [{ name: 'ok' }, { name: 'a\u0000b' }] }), '[1].name')
    // An escaped lone surrogate, as JSON.stringify writes it.
    await refused(await s.api('/api/tags', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[{"name":"x\\ud800"}]' }), '[0].name')
    await refused(await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com/', collectionId, utm: { 'so\u0000urce': 'x' } }] }), '[0].utm.so\u0000urce')
    expect(await s.rows('SELECT count(*) AS n FROM tags')).toEqual(before)
    // A backslash followed by "u0000" is ordinary text.
    const ok = await s.api('/api/tags', { method: 'POST', json: [{ name: 'back\\u0000slash' }] })
    expect(ok.status).toBe(201)
    expect((await ok.json())[0].name).toBe('back\\u0000slash')
  })

  test('in a query parameter: 400 naming the parameter, after the key and scope checks', async () => {
    await refused(await s.api('/api/links?search=%00'), 'query parameter search')
    await refused(await s.api('/api/customers?externalId=a%00b'), 'query parameter externalId')
    expect((await s.api('/api/links?search=%00', { key: null })).status).toBe(401)
  })

  test('as a short id: the not-found page, as for any unknown link', async () => {
    const res = await fetch(`${s.url}/ab%00cd`, { redirect: 'manual' })
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toStartWith('text/html')
  })

  test('in a CSV import: that line is rejected with its reason, the others imported', async () => {
    const res = await s.api(`/api/links/import?collectionId=${collectionId}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'shortId,url,title\n,https://example.com/a,fine\n,https://example.com/b,bad\u0000title\n',
    })
    const r = await res.json()
    expect(res.status, JSON.stringify(r)).toBe(200)
    expect(r.created.length).toBe(1)
    expect(r.rejected).toEqual([{ line: 3, reason: { en: 'this line contains the NUL character (U+0000), which no field accepts', ar: 'يحتوي هذا السطر على المحرف NUL ‏(U+0000)، ولا يقبله أي حقل' } }])
  })

  test('in a dashboard form: no 5xx, nobody logged in', async () => {
    const res = await fetch(`${s.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: s.url },
      body: 'email=a%00%40example.com&password=x',
    })
    expect(res.status).toBeLessThan(500)
    expect(res.headers.get('set-cookie') ?? '').not.toContain('hoko_session=')
  })
})
