import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { expectBilingual, removeDir, startServer, type TestServer } from './harness'
import { writeRows } from './write-rows'

type Customer = {
  id: string
  externalId: string
  name: string | null
  email: string | null
  phone: string | null
  avatar: string | null
  createdAt: string
  updatedAt: string
}

let s: TestServer
let otherKey: string
let defaultWs: string
let otherWs: string
beforeAll(async () => {
  s = await startServer()
  otherWs = s.cliJson(['workspace', 'create', '--name', 'Other']).id
  otherKey = s.newKey('all', 'other')
  defaultWs = (await s.rows<{ id: string }>("SELECT id FROM workspaces WHERE slug='default'"))[0].id
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

const T0 = Date.UTC(2026, 0, 1)

/**
 * Customers are written by conversion tracking, which does not exist yet: the tests insert rows
 * straight into the server's database file.
 */
async function insertCustomers(workspaceId: string, rows: Partial<Customer>[]): Promise<Customer[]> {
  const out = rows.map((r) => {
    const c: Customer = {
      id: r.id ?? Bun.randomUUIDv7(),
      externalId: r.externalId ?? `ext-${crypto.randomUUID()}`,
      name: r.name ?? null,
      email: r.email ?? null,
      phone: r.phone ?? null,
      avatar: r.avatar ?? null,
      createdAt: r.createdAt ?? new Date(T0).toISOString(),
      updatedAt: r.updatedAt ?? r.createdAt ?? new Date(T0).toISOString(),
    }
    return c
  })
  await writeRows(
    s,
    `INSERT INTO customers (id, workspace_id, external_id, name, email, phone, avatar, created_at, updated_at)
     VALUES ${out.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    out.flatMap((c) => [c.id, workspaceId, c.externalId, c.name, c.email, c.phone, c.avatar, Date.parse(c.createdAt), Date.parse(c.updatedAt)]),
  )
  return out
}

const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString()
const list = async (query = '', key?: string) => {
  const res = await s.api(`/api/customers${query}`, { key })
  expect(res.status).toBe(200)
  return (await res.json()) as Customer[]
}

async function rejected(res: Response): Promise<string> {
  expect(res.status).toBe(400)
  return expectBilingual(await res.json()).en
}

describe('GET /api/customers', () => {
  let john: Customer
  let jane: Customer
  let early: Customer

  beforeAll(async () => {
    ;[john, jane, early] = await insertCustomers(defaultWs, [
      {
        externalId: 'customer_123',
        name: 'John Doe',
        email: 'john@example.com',
        phone: '+1234567890',
        avatar: 'https://example.com/avatar.jpg',
        createdAt: at(10),
        updatedAt: at(20),
      },
      { externalId: 'customer_456', name: 'Jane Roe', createdAt: at(30) },
      // Inserted last, so its UUIDv7 is the newest, but it was created first: order follows createdAt.
      { externalId: 'customer_000', createdAt: at(1) },
    ])
  })

  test('returns exactly the spec fields with ISO timestamps', async () => {
    const [c] = await list(`?id=${john.id}`)
    expect(c).toEqual({
      id: john.id,
      externalId: 'customer_123',
      name: 'John Doe',
      email: 'john@example.com',
      phone: '+1234567890',
      avatar: 'https://example.com/avatar.jpg',
      createdAt: '2026-01-01T00:10:00.000Z',
      updatedAt: '2026-01-01T00:20:00.000Z',
    })
    expect(await list(`?id=${early.id}`)).toEqual([{ ...early, name: null, email: null, phone: null, avatar: null }])
  })

  test('sorts by createdAt, newest first by default and oldest first with sort=asc', async () => {
    expect((await list()).map((c) => c.externalId)).toEqual(['customer_456', 'customer_123', 'customer_000'])
    expect((await list('?sort=desc')).map((c) => c.id)).toEqual([jane.id, john.id, early.id])
    expect((await list('?sort=asc')).map((c) => c.id)).toEqual([early.id, john.id, jane.id])
  })

  test('take and skip page through the list', async () => {
    expect((await list('?take=1')).map((c) => c.id)).toEqual([jane.id])
    expect((await list('?take=1&skip=1')).map((c) => c.id)).toEqual([john.id])
    expect((await list('?sort=asc&take=2&skip=1')).map((c) => c.id)).toEqual([john.id, jane.id])
    expect(await list('?skip=3')).toEqual([])
  })

  test('filters by id or by externalId; both together return either match', async () => {
    expect((await list(`?id=${jane.id}`)).map((c) => c.id)).toEqual([jane.id])
    expect((await list('?externalId=customer_123')).map((c) => c.id)).toEqual([john.id])
    expect((await list(`?id=${jane.id}&externalId=customer_123`)).map((c) => c.id)).toEqual([jane.id, john.id])
    expect((await list(`?id=${jane.id}&externalId=customer_456`)).map((c) => c.id)).toEqual([jane.id])
    expect(await list('?externalId=nobody')).toEqual([])
    expect(await list('?id=01900000-0000-7000-8000-000000000000')).toEqual([])
  })

  test('an externalId filter is matched exactly, special characters included', async () => {
    const [odd] = await insertCustomers(defaultWs, [{ externalId: 'user+1@shop/eu?x=1', createdAt: at(40) }])
    expect((await list(`?externalId=${encodeURIComponent('user+1@shop/eu?x=1')}`)).map((c) => c.id)).toEqual([odd.id])
    expect(await list('?externalId=USER%2B1%40SHOP%2FEU%3FX%3D1')).toEqual([])
  })

  test.each([
    ['?id=not-a-uuid', 'id: must be a valid UUID'],
    ['?take=0', 'take: must be at least 1'],
    ['?take=10001', 'take: must be at most 10000'],
    ['?skip=-5', 'skip: must be a whole number'],
    ['?email=john@example.com', 'email: is not a known field'],
  ])('GET %s is a 400: %s', async (query, message) => {
    expect(await rejected(await s.api(`/api/customers${query}`))).toBe(message)
  })

  test('an externalId filter may have up to 255 characters', async () => {
    expect(await list(`?externalId=${'x'.repeat(255)}`)).toEqual([])
    const en = await rejected(await s.api(`/api/customers?externalId=${'x'.repeat(256)}`))
    expect(en).toBe('externalId: must be at most 255 characters long')
  })

  test('each workspace sees only its own customers, even with the same externalId', async () => {
    const [theirs] = await insertCustomers(otherWs, [{ externalId: 'customer_123', name: 'Other John', createdAt: at(5) }])
    expect(await list(`?id=${john.id}`, otherKey)).toEqual([])
    expect((await list('?externalId=customer_123', otherKey)).map((c) => c.id)).toEqual([theirs.id])
    expect((await list('', otherKey)).map((c) => c.id)).toEqual([theirs.id])
    expect(await list(`?id=${theirs.id}`)).toEqual([])
    expect((await list('?externalId=customer_123')).map((c) => c.id)).toEqual([john.id])
  })
})

describe('no write endpoints', () => {
  test.each(['POST', 'PUT', 'DELETE', 'PATCH'])('%s /api/customers is a 404', async (method) => {
    const res = await s.api('/api/customers', { method, json: [{ externalId: 'new' }] })
    expect(res.status).toBe(404)
    expect(expectBilingual(await res.json()).en).toBe(`Endpoint not found: ${method} /api/customers`)
  })
})

describe('scopes', () => {
  test('a key without customersRead gets a 403 naming exactly that scope', async () => {
    const key = s.newKey('linksRead,conversionsWrite,partnersRead')
    const res = await s.api('/api/customers', { key })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({
      error: { en: 'Missing required scopes', ar: 'الصلاحيات المطلوبة مفقودة' },
      missingScopes: ['customersRead'],
    })
  })

  test('customersRead alone is enough to read', async () => {
    const key = s.newKey('customersRead')
    expect((await list('?take=1', key)).length).toBe(1)
  })
})
