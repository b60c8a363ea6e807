import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { expectBilingual, removeDir, startServer, type TestServer } from './harness'

let s: TestServer
beforeAll(async () => {
  s = await startServer()
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

const call = (method: string, json?: unknown, key?: string) => s.api('/api/collections', { method, json, key })
const list = async (query = '', key?: string) => (await (await s.api(`/api/collections${query}`, { key })).json()) as any[]
/** A 400 with its X-Hoko-Error code (a schema issue unless said otherwise); returns the English message. */
async function bad(res: Promise<Response>, code = 'validation') {
  const r = await res
  expect(r.status).toBe(400)
  expect(r.headers.get('x-hoko-error')).toBe(code)
  return expectBilingual(await r.json()).en
}

describe('collections', () => {
  test('POST creates collections with the documented shape and a 201', async () => {
    const res = await call('POST', [{ name: 'Marketing Campaigns', description: 'All marketing links' }, { name: 'Bare' }])
    expect(res.status).toBe(201)
    const [a, b] = await res.json()
    expect(Object.keys(a)).toEqual(['id', 'name', 'description', 'createdAt', 'updatedAt'])
    expect(a).toMatchObject({ name: 'Marketing Campaigns', description: 'All marketing links' })
    expect(b.description).toBeNull()
    expect(a.createdAt).toBe(a.updatedAt)
  })

  test('name is required, trimmed and 1 to 255 characters; description at most 2000', async () => {
    expect(await bad(call('POST', [{ description: 'x' }]))).toBe('collections[0].name: is required')
    expect(await bad(call('POST', [{ name: '   ' }]))).toBe('collections[0].name: must be at least 1 character long')
    expect(await bad(call('POST', [{ name: 'x'.repeat(256) }]))).toBe('collections[0].name: must be at most 255 characters long')
    expect(await bad(call('POST', [{ name: 'ok', description: 'd'.repeat(2001) }]))).toBe(
      'collections[0].description: must be at most 2000 characters long',
    )
    const [c] = await (await call('POST', [{ name: '  Padded  ' }])).json()
    expect(c.name).toBe('Padded')
  })

  test('a batch with one bad item writes nothing', async () => {
    const before = (await list('?take=10000')).length
    expect(await bad(call('POST', [{ name: 'fine' }, { name: 'fine too' }, { name: 7 }]))).toBe('collections[2].name: must be a string')
    expect((await list('?take=10000')).length).toBe(before)
  })

  test('PUT updates only the fields given, null clears the description, and creates items without id', async () => {
    const [c] = await (await call('POST', [{ name: 'Before', description: 'desc' }])).json()
    await Bun.sleep(5)
    const res = await call('PUT', [{ id: c.id, name: 'Updated Name' }, { name: 'Created by PUT' }])
    expect(res.status).toBe(200)
    const [u, n] = await res.json()
    expect(u).toMatchObject({ id: c.id, name: 'Updated Name', description: 'desc', createdAt: c.createdAt })
    expect(Date.parse(u.updatedAt)).toBeGreaterThan(Date.parse(c.updatedAt))
    expect(n.name).toBe('Created by PUT')
    const [cleared] = await (await call('PUT', [{ id: c.id, description: null }])).json()
    expect(cleared).toMatchObject({ name: 'Updated Name', description: null })
    expect(await bad(call('PUT', [{ id: c.id, name: null }]))).toBe('collections[0].name: must be a string')
    expect(await bad(call('PUT', [{ description: 'no name' }]), 'name_required')).toBe('collections[0].name: is required')
  })

  test('PUT with an unknown id fails and changes nothing', async () => {
    const [c] = await (await call('POST', [{ name: 'Stable' }])).json()
    const ghost = '01a2138f-0000-7000-8000-00000000abcd'
    expect(await bad(call('PUT', [{ id: c.id, name: 'Changed' }, { id: ghost, name: 'x' }]), 'unknown_reference')).toBe(
      `collections[1].id: no collection with id ${ghost} in this workspace`,
    )
    expect((await list(`?id=${c.id}`))[0].name).toBe('Stable')
  })

  test('GET filters by id, pages and sorts by creation', async () => {
    const made = await (await call('POST', [{ name: 'S1' }, { name: 'S2' }, { name: 'S3' }])).json()
    expect((await list(`?id=${made[1].id}`)).map((c) => c.name)).toEqual(['S2'])
    expect((await list('?take=3')).map((c) => c.name)).toEqual(['S3', 'S2', 'S1'])
    expect((await list('?take=2&skip=1')).map((c) => c.name)).toEqual(['S2', 'S1'])
    expect((await list('?sort=asc&take=1'))[0].name).toBe('Marketing Campaigns')
    expect(await bad(s.api('/api/collections?id=nope'))).toBe('id: must be a valid UUID')
    expect(await bad(s.api('/api/collections?take=10001'))).toBe('take: must be at most 10000')
  })

  test('DELETE soft-deletes: gone from GET and from PUT, kept in the database', async () => {
    const [c, d] = await (await call('POST', [{ name: 'Doomed' }, { name: 'Survivor' }])).json()
    expect(await bad(call('DELETE', [c.id, '01a2138f-0000-7000-8000-00000000dead']), 'unknown_reference')).toMatch(/^collections\[1\]: no collection with id/)
    expect(await list(`?id=${c.id}`)).toHaveLength(1)
    const res = await call('DELETE', [c.id])
    expect(await res.json()).toEqual({ deletedIds: [c.id] })
    expect(await list(`?id=${c.id}`)).toEqual([])
    expect(await bad(call('PUT', [{ id: c.id, name: 'back?' }]), 'unknown_reference')).toMatch(/no collection with id/)
    expect(await bad(call('DELETE', [c.id]), 'unknown_reference')).toMatch(/no collection with id/)
    expect(await list(`?id=${d.id}`)).toHaveLength(1)
    const [row] = await s.rows('SELECT deleted_at FROM collections WHERE id = ?', [c.id])
    expect(row.deleted_at).toBeGreaterThan(0)
  })

  test('another workspace can neither see nor change them', async () => {
    const [c] = await (await call('POST', [{ name: 'Private' }])).json()
    s.cliJson(['workspace', 'create', '--name', 'Rival'])
    const key = s.newKey('all', 'rival')
    expect(await list(`?id=${c.id}`, key)).toEqual([])
    expect(await list('', key)).toEqual([])
    expect(await bad(call('PUT', [{ id: c.id, name: 'mine' }], key), 'unknown_reference')).toMatch(/no collection with id/)
    expect(await bad(call('DELETE', [c.id], key), 'unknown_reference')).toMatch(/no collection with id/)
    expect((await list(`?id=${c.id}`))[0].name).toBe('Private')
  })

  test('the plan caps the batch size', async () => {
    s.cliJson(['workspace', 'create', '--name', 'Small', '--plan', 'free'])
    const key = s.newKey('all', 'small')
    const items = Array.from({ length: 101 }, (_, i) => ({ name: `c${i}` }))
    expect(await bad(call('POST', items, key), 'batch_too_large')).toBe('collections: your plan allows at most 100 items per request, got 101')
    expect(await list('', key)).toEqual([])
  })
})
