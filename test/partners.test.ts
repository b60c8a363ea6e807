import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { expectBilingual, removeDir, startServer, type TestServer } from './harness'

const UNKNOWN = '01900000-0000-7000-8000-000000000000'
/** A valid address of `length` characters (at least 198). */
const longEmail = (length: number) => `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(length - 197)}.com`

let s: TestServer
let otherKey: string
let freeKey: string
beforeAll(async () => {
  s = await startServer()
  s.cliJson(['workspace', 'create', '--name', 'Other'])
  otherKey = s.newKey('all', 'other')
  s.cliJson(['workspace', 'create', '--name', 'Free', '--plan', 'free'])
  freeKey = s.newKey('all', 'free')
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

const partnersApi = (method: string, json?: unknown, key?: string) => s.api('/api/partners', { method, json, key })
const list = async (query = '', key?: string) => (await s.api(`/api/partners${query}`, { key })).json() as Promise<any[]>
const get = async (id: string, key?: string) => (await list(`?id=${id}`, key))[0]

async function create(...items: object[]): Promise<any[]> {
  const res = await partnersApi('POST', items)
  expect(res.status).toBe(201)
  return res.json()
}

/** The English message of a 400, after checking the body is bilingual. */
async function rejected(res: Response): Promise<string> {
  expect(res.status).toBe(400)
  return expectBilingual(await res.json()).en
}

const namesInWorkspace = async () => (await list('?take=10000')).map((p) => p.name)

describe('creating partners', () => {
  test('POST answers 201 with exactly the spec fields, in input order, with ISO timestamps and nulls for what was not sent', async () => {
    const out = await create({ name: ' Acme Affiliates ', email: 'partner@example.com', phone: '+1234567890' }, { name: 'Bare' })
    expect(out).toHaveLength(2)
    expect(Object.keys(out[0]).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'phone', 'rewards', 'updatedAt'])
    expect(out[0]).toMatchObject({ name: 'Acme Affiliates', email: 'partner@example.com', phone: '+1234567890' })
    expect(out[1]).toMatchObject({ name: 'Bare', email: null, phone: null, rewards: null })
    expect(out[0].createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    expect(out[0].updatedAt).toBe(out[0].createdAt)
    expect(await get(out[0].id)).toEqual(out[0])
  })

  test.each([
    [[{}], 'partners[0].name: is required'],
    [[{ name: 'ok' }, { name: '' }], 'partners[1].name: must be at least 1 character long'],
    [[{ name: 'x'.repeat(256) }], 'partners[0].name: must be at most 255 characters long'],
    [[{ name: 'ok', email: 'not-an-email' }], 'partners[0].email: must be a valid email address'],
    [[{ name: 'ok', email: longEmail(255) }], 'partners[0].email: must be at most 254 characters long'],
    [[{ name: 'ok', phone: '1'.repeat(33) }], 'partners[0].phone: must be at most 32 characters long'],
    [[{ name: 'ok', phone: 1234 }], 'partners[0].phone: must be a string'],
    [[{ name: 'ok', website: 'https://example.com' }], 'partners[0].website: is not a known field'],
  ])('POST %j is a 400: %s', async (body, message) => {
    expect(await rejected(await partnersApi('POST', body))).toBe(message)
  })

  test('the longest allowed name, email and phone are accepted', async () => {
    const email = longEmail(254)
    expect(email).toHaveLength(254)
    const [p] = await create({ name: 'n'.repeat(255), email, phone: '9'.repeat(32) })
    expect(p).toMatchObject({ email, phone: '9'.repeat(32) })
  })

  test('one invalid partner makes the whole batch a 400 and none is created', async () => {
    const res = await partnersApi('POST', [{ name: 'batch-good' }, { name: 'batch-bad', email: 'nope' }])
    expect(await rejected(res)).toBe('partners[1].email: must be a valid email address')
    expect(await namesInWorkspace()).not.toContain('batch-good')
  })
})

describe('listing partners', () => {
  test('partners come newest first by createdAt, oldest first with sort=asc', async () => {
    const made = [...(await create({ name: 'order 1' })), ...(await create({ name: 'order 2' }))]
    const desc = await list('?take=10000')
    const key = (p: any) => `${p.createdAt} ${p.id}`
    expect(desc.map(key)).toEqual(desc.map(key).sort().reverse())
    expect(desc.slice(0, 2).map((p) => p.id)).toEqual([made[1].id, made[0].id])
    expect(await list('?take=10000&sort=asc')).toEqual([...desc].reverse())
  })

  test('take and skip page through the list; take defaults to 50', async () => {
    await create(...Array.from({ length: 51 }, (_, i) => ({ name: `page ${i}` })))
    const all = await list('?take=10000')
    expect(await list()).toEqual(all.slice(0, 50))
    expect(await list('?take=2&skip=3')).toEqual(all.slice(3, 5))
  })

  test.each([
    ['?take=0', 'take: must be at least 1'],
    ['?take=10001', 'take: must be at most 10000'],
    ['?skip=x', 'skip: must be a whole number'],
    ['?id=123', 'id: must be a valid UUID'],
    ['?email=a@b.c', 'email: is not a known field'],
  ])('GET %s is a 400: %s', async (query, message) => {
    expect(await rejected(await s.api(`/api/partners${query}`))).toBe(message)
  })
})

describe('upserting partners', () => {
  test('an id updates only the fields sent, null clears email and phone, and items without id are created, in input order', async () => {
    const [a, b] = await create({ name: 'Alpha', email: 'a@example.com', phone: '111' }, { name: 'Beta', email: 'b@example.com', phone: '222' })
    const res = await partnersApi('PUT', [
      { id: a.id, email: null },
      { name: 'Gamma', phone: '333' },
      { id: b.id, name: ' Beta Two ', phone: null },
    ])
    expect(res.status).toBe(200)
    const out = await res.json()
    expect(out[0]).toMatchObject({ id: a.id, name: 'Alpha', email: null, phone: '111', createdAt: a.createdAt })
    expect(out[1]).toMatchObject({ name: 'Gamma', email: null, phone: '333' })
    expect(out[2]).toMatchObject({ id: b.id, name: 'Beta Two', email: 'b@example.com', phone: null })
    expect(Date.parse(out[0].updatedAt)).toBeGreaterThanOrEqual(Date.parse(a.updatedAt))
    expect(await get(a.id)).toEqual(out[0])
    expect(await get(out[1].id)).toEqual(out[1])
    expect(await get(b.id)).toEqual(out[2])
  })

  test.each([
    [{ name: null }, 'partners[1].name: must be a string'],
    [{ name: '  ' }, 'partners[1].name: must be at least 1 character long'],
    [{ email: 'broken@' }, 'partners[1].email: must be a valid email address'],
    [{ id: 'nope' }, 'partners[1].id: must be a valid UUID'],
  ])('an invalid item %j is a 400 and the earlier update is not applied', async (patch, message) => {
    const [p] = await create({ name: 'Steady', email: 'steady@example.com' })
    const res = await partnersApi('PUT', [{ id: p.id, name: 'Changed' }, { id: p.id, ...patch }])
    expect(await rejected(res)).toBe(message)
    expect(await get(p.id)).toEqual(p)
  })

  test('an item without id needs a name, and the failure rolls back the whole batch', async () => {
    const [p] = await create({ name: 'Before' })
    const res = await partnersApi('PUT', [{ id: p.id, name: 'After' }, { name: 'put-created' }, { email: 'x@example.com' }])
    expect(await rejected(res)).toBe('partners[2].name: is required')
    expect(await get(p.id)).toEqual(p)
    expect(await namesInWorkspace()).not.toContain('put-created')
  })

  test('an unknown id is a 400 naming the item, and nothing is written', async () => {
    const res = await partnersApi('PUT', [{ name: 'put-unknown-sibling' }, { id: UNKNOWN, name: 'x' }])
    expect(await rejected(res)).toBe(`partners[1].id: no partner with id ${UNKNOWN} in this workspace`)
    expect(await namesInWorkspace()).not.toContain('put-unknown-sibling')
  })
})

describe('deleting partners', () => {
  test('DELETE is a soft delete: the row stays, but the partner leaves GET and can no longer be updated or deleted', async () => {
    const [gone, kept] = await create({ name: 'Leaving' }, { name: 'Staying' })
    const res = await partnersApi('DELETE', [gone.id])
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ deletedIds: [gone.id] })

    expect(await list(`?id=${gone.id}`)).toEqual([])
    expect((await list('?take=10000')).map((p) => p.id)).not.toContain(gone.id)
    expect(await get(kept.id)).toEqual(kept)
    const [row] = await s.rows('SELECT name, deleted_at FROM partners WHERE id = ?', [gone.id])
    expect(row.name).toBe('Leaving')
    expect(row.deleted_at).toBeGreaterThan(0)

    expect(await rejected(await partnersApi('PUT', [{ id: gone.id, name: 'Back' }]))).toBe(
      `partners[0].id: no partner with id ${gone.id} in this workspace`,
    )
    expect(await rejected(await partnersApi('DELETE', [gone.id]))).toBe(`partners[0]: no partner with id ${gone.id} in this workspace`)
  })

  test.each([
    ['an unknown id', (id: string) => [id, UNKNOWN], `partners[1]: no partner with id ${UNKNOWN} in this workspace`],
    ['a malformed id', (id: string) => [id, 'nope'], 'partners[1]: must be a valid UUID'],
    ['a repeated id', (id: string) => [id, id], ''],
  ])('%s makes the whole DELETE a 400 and nothing is deleted', async (_, body, message) => {
    const [p] = await create({ name: 'Survivor' })
    const en = await rejected(await partnersApi('DELETE', body(p.id)))
    expect(en).toBe(message || `partners[1]: ${p.id} appears more than once in this request (first at partners[0])`)
    expect(await get(p.id)).toEqual(p)
  })
})

describe('request bodies', () => {
  test.each([
    ['POST', { name: 'not in an array' }, 'partners: must be an array'],
    ['POST', [], 'partners: must contain at least 1 item'],
    ['PUT', [], 'partners: must contain at least 1 item'],
    ['DELETE', [], 'partners: must contain at least 1 item'],
  ])('%s %j is a 400: %s', async (method, body, message) => {
    expect(await rejected(await partnersApi(method, body))).toBe(message)
  })

  test('more than 10,000 items is a 400 for POST, PUT and DELETE', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => ({ name: `n${i}` }))
    expect(await rejected(await partnersApi('POST', many))).toBe('partners: must contain at most 10000 items')
    expect(await rejected(await partnersApi('PUT', many))).toBe('partners: must contain at most 10000 items')
    const ids = Array.from({ length: 10_001 }, () => Bun.randomUUIDv7())
    expect(await rejected(await partnersApi('DELETE', ids))).toBe('partners: must contain at most 10000 items')
  })

  test("the plan's batch limit applies: a free workspace may send 100 items, not 101", async () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `free ${i}` }))
    expect(await rejected(await partnersApi('POST', items(101), freeKey))).toBe(
      'partners: your plan allows at most 100 items per request, got 101',
    )
    expect(await list('', freeKey)).toEqual([])
    expect(await rejected(await partnersApi('PUT', items(101), freeKey))).toContain('at most 100 items per request')
    const ids = Array.from({ length: 101 }, () => Bun.randomUUIDv7())
    expect(await rejected(await partnersApi('DELETE', ids, freeKey))).toContain('at most 100 items per request')
    const ok = await partnersApi('POST', items(100), freeKey)
    expect(ok.status).toBe(201)
    expect(await ok.json()).toHaveLength(100)
  })
})

describe('workspaces and scopes', () => {
  test('another workspace cannot see, update or delete these partners', async () => {
    const [p] = await create({ name: 'Private partner' })
    expect(await list(`?id=${p.id}`, otherKey)).toEqual([])
    expect((await list('?take=10000', otherKey)).map((x) => x.id)).not.toContain(p.id)
    expect(await rejected(await partnersApi('PUT', [{ id: p.id, name: 'Stolen' }], otherKey))).toBe(
      `partners[0].id: no partner with id ${p.id} in this workspace`,
    )
    expect(await rejected(await partnersApi('DELETE', [p.id], otherKey))).toBe(
      `partners[0]: no partner with id ${p.id} in this workspace`,
    )
    expect(await get(p.id)).toEqual(p)
  })

  // The spec's PUT and DELETE pages say linksWrite; its scope table says partnersWrite, which wins.
  test.each([
    ['GET', 'partnersWrite,linksRead', 'partnersRead'],
    ['POST', 'partnersRead,linksWrite', 'partnersWrite'],
    ['PUT', 'partnersRead,linksWrite', 'partnersWrite'],
    ['DELETE', 'partnersRead,linksWrite', 'partnersWrite'],
  ])('%s with a key holding only %s is a 403 naming %s', async (method, scopes, missing) => {
    const key = s.newKey(scopes)
    // An invalid body must not matter: the scope is checked first.
    const res = await partnersApi(method, method === 'GET' ? undefined : [{}], key)
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({
      error: { en: 'Missing required scopes', ar: 'الصلاحيات المطلوبة مفقودة' },
      missingScopes: [missing],
    })
  })

  test('partnersWrite alone is enough to create, update and delete', async () => {
    const key = s.newKey('partnersWrite')
    const res = await partnersApi('POST', [{ name: 'By writer' }], key)
    expect(res.status).toBe(201)
    const [p] = await res.json()
    expect((await partnersApi('PUT', [{ id: p.id, phone: '42' }], key)).status).toBe(200)
    expect((await partnersApi('DELETE', [p.id], key)).status).toBe(200)
  })
})
