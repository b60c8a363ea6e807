import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SCOPES } from '../src/keys/scopes'
import { ENGINE, expectBilingual, removeDir, startServer, type TestServer } from './harness'

let s: TestServer
beforeAll(async () => {
  s = await startServer()
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

// An authenticated request to an /api path that has no endpoint answers 404: it proves the key passed.
const PROBE = '/api/__probe'

async function unauthorized(headers: Record<string, string>) {
  const res = await s.api(PROBE, { key: null, headers })
  expect(res.status).toBe(401)
  expect(res.headers.get('content-type')).toContain('application/json')
  expect(res.headers.get('x-ratelimit-limit')).toBeNull()
  return expectBilingual(await res.json())
}

describe('authentication', () => {
  test('the first start prints an all-scopes key for workspace default', async () => {
    expect(s.key).toMatch(/^hk_[A-Za-z0-9_-]{32,}$/)
    const keys = s.cliJson(['key', 'list', '--workspace', 'default'])
    expect(keys).toHaveLength(1)
    expect(keys[0].scopes).toEqual([...SCOPES])
  })

  test('a missing Authorization header is a 401 with its own message', async () => {
    const e = await unauthorized({})
    expect(e).toEqual({ en: 'Missing Authorization header', ar: 'ترويسة التفويض (Authorization) مفقودة' })
  })

  test.each([
    ['Bearer'],
    ['Bearer    '],
    ['Basic dXNlcjpwYXNz'],
    ['Bearer hk_short'],
    ['Bearer sk_live_0123456789abcdefghijklmnopqrstuvwxyz'],
    ['hk_has spaces in it 0123456789abcdefghijklmnop'],
  ])('a malformed value (%p) is a 401 "Invalid API key format"', async (value) => {
    const e = await unauthorized({ authorization: value })
    expect(e.en).toBe('Invalid API key format')
  })

  test('an unknown key of the right shape is a 401 "Invalid API key" as in the spec', async () => {
    const e = await unauthorized({ authorization: `Bearer hk_${'x'.repeat(40)}` })
    expect(e).toEqual({ en: 'Invalid API key', ar: 'مفتاح API غير صالح' })
  })

  test('Bearer, lower-case bearer and the bare key are all accepted', async () => {
    for (const value of [`Bearer ${s.key}`, `bearer ${s.key}`, s.key, `  Bearer   ${s.key}  `]) {
      const res = await s.api(PROBE, { key: null, headers: { authorization: value } })
      expect(res.status).toBe(404)
    }
  })

  test('a revoked key is refused at once', async () => {
    const key = s.newKey('linksRead')
    expect((await s.api(PROBE, { key })).status).toBe(404)
    const id = s.cliJson(['key', 'list', '--workspace', 'default']).find((k: any) => key.startsWith(k.prefix)).id
    const revoked = s.cliJson(['key', 'revoke', id])
    expect(revoked.id).toBe(id)
    const res = await s.api(PROBE, { key })
    expect(res.status).toBe(401)
    expect(expectBilingual(await res.json()).en).toBe('Invalid API key')
  })

  test('an expired key is a 401 "API key has expired"', async () => {
    const expires = new Date(Date.now() + 1500).toISOString()
    const created = s.cliJson(['key', 'create', '--workspace', 'default', '--name', 'short-lived', '--scopes', 'all', '--expires', expires])
    expect(created.expiresAt).toBe(expires)
    expect((await s.api(PROBE, { key: created.key })).status).toBe(404)
    await Bun.sleep(Math.max(0, Date.parse(expires) - Date.now()) + 100)
    const res = await s.api(PROBE, { key: created.key })
    expect(res.status).toBe(401)
    expect(expectBilingual(await res.json())).toEqual({ en: 'API key has expired', ar: 'انتهت صلاحية مفتاح API' })
  })

  test('using a key records when it was last used', async () => {
    const key = s.newKey('tagsRead')
    const before = s.cliJson(['key', 'list', '--workspace', 'default']).find((k: any) => key.startsWith(k.prefix))
    expect(before.lastUsedAt).toBeNull()
    await s.api(PROBE, { key })
    const after = s.cliJson(['key', 'list', '--workspace', 'default']).find((k: any) => key.startsWith(k.prefix))
    expect(Date.parse(after.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000)
  })

  test.skipIf(ENGINE === 'pg')('the plaintext key is stored nowhere: database, WAL and shared memory files', async () => {
    const key = s.newKey('all')
    await s.api(PROBE, { key })
    const files = readdirSync(s.dir).filter((f) => f.startsWith('hoko.db'))
    expect(files).toContain('hoko.db')
    for (const f of files) {
      const bytes = readFileSync(join(s.dir, f)).toString('latin1')
      expect(bytes.includes(key)).toBe(false)
      expect(bytes.includes(s.key)).toBe(false)
      // only the hash and the short display prefix are kept
      expect(bytes.includes(key.slice(3, 20))).toBe(false)
    }
  })

  test('a key is stored as its SHA-256 and a short display prefix', async () => {
    const key = s.newKey('all')
    const rows = await s.rows('SELECT * FROM api_keys WHERE prefix = ?', [key.slice(0, 11)])
    expect(rows).toHaveLength(1)
    expect(rows[0].hash).toBe(new Bun.CryptoHasher('sha256').update(key).digest('hex'))
    expect(JSON.stringify(rows)).not.toContain(key.slice(3, 20))
  })
})
