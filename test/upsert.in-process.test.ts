import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { collection, partner, rowsOf, storedData, tag } from './endpoints'
import { startInProcess, type InProcess } from './in-process'

/** Link upsert (POST/PUT /api/links): the cases between items of one batch, in process. */
let s: InProcess
let c: string
let tags: string[]
let p: string
beforeAll(async () => {
  s = await startInProcess()
  c = (await collection(s, s.key)).id
  tags = [(await tag(s, s.key)).id, (await tag(s, s.key)).id]
  p = (await partner(s, s.key)).id
})
afterAll(() => s.close())

type Answer = { status: number; body: any }
async function call(method: string, json: unknown): Promise<Answer> {
  const res = await s.api('/api/links', { method, json })
  return { status: res.status, body: await res.json() }
}
const put = (items: unknown[]) => call('PUT', items)
const stored = () => storedData(rowsOf(s.db.$client), s.workspaceId)
async function create(item: Record<string, unknown> = {}): Promise<any> {
  const r = await call('POST', [{ url: 'https://example.com', collectionId: c, ...item }])
  expect(r.status).toBe(201)
  return r.body[0]
}
async function get(id: string): Promise<any> {
  const res = await s.api(`/api/links?id=${id}`)
  return (await res.json())[0]
}
/** A refused batch: 400, a message naming `path`, and nothing stored changed. */
async function refused(items: unknown[], path: string, method = 'PUT') {
  const before = await stored()
  const r = await call(method, items)
  expect(r.status).toBe(400)
  expect(r.body.error.en).toStartWith(`${path}: `)
  expect(await stored()).toBe(before)
  return r.body.error.en as string
}
const ext = () => `ext-${crypto.randomUUID()}`

describe('externalId between links of one batch', () => {
  test('two links swap their externalIds', async () => {
    const [x, y] = [ext(), ext()]
    const a = await create({ externalId: x })
    const b = await create({ externalId: y })
    const r = await put([
      { id: a.id, externalId: y },
      { id: b.id, externalId: x },
    ])
    expect(r.status).toBe(200)
    expect([(await get(a.id)).externalId, (await get(b.id)).externalId]).toEqual([y, x])
  })

  test('a link takes the externalId that a later item of the batch gives up', async () => {
    const [x, z] = [ext(), ext()]
    const a = await create({ externalId: x })
    const b = await create()
    expect((await put([{ id: b.id, externalId: x }, { id: a.id, externalId: z }])).status).toBe(200)
    expect([(await get(a.id)).externalId, (await get(b.id)).externalId]).toEqual([z, x])
  })

  test('a new link takes the externalId an updated link of the batch clears', async () => {
    const x = ext()
    const a = await create({ externalId: x })
    const r = await put([{ url: 'https://example.com/new', collectionId: c, externalId: x }, { id: a.id, externalId: null }])
    expect(r.status).toBe(200)
    expect(r.body.map((l: any) => l.externalId)).toEqual([x, null])
    expect((await get(a.id)).externalId).toBeNull()
  })

  test('an externalId that a link of the batch keeps cannot be taken by another item', async () => {
    const x = ext()
    const a = await create({ externalId: x })
    const b = await create()
    const message = await refused([{ id: b.id, externalId: x }, { id: a.id, title: 'kept' }], 'links[1].externalId')
    expect(message).toContain('first at links[0].externalId')
  })

  test('an externalId of a link outside the batch cannot be taken', async () => {
    const x = ext()
    const a = await create({ externalId: x })
    const b = await create()
    expect(await refused([{ id: b.id, externalId: x }], 'links[0].externalId')).toContain(a.id)
    expect(await refused([{ url: 'https://example.com', collectionId: c, externalId: x }], 'links[0].externalId', 'POST')).toContain(a.id)
  })

  test('two items of a batch cannot end with the same externalId', async () => {
    const x = ext()
    await refused([{ url: 'https://example.com', collectionId: c, externalId: x }, { url: 'https://example.com', collectionId: c, externalId: x }], 'links[1].externalId', 'POST')
  })

  test("a deleted link's externalId is free again", async () => {
    const x = ext()
    const a = await create({ externalId: x })
    expect((await s.api('/api/links', { method: 'DELETE', json: [a.id] })).status).toBe(200)
    expect((await create({ externalId: x })).externalId).toBe(x)
  })
})

describe('utm merges per key', () => {
  test('absent keeps, a value sets, null clears a key, and no key left is null', async () => {
    const l = await create({ utm: { source: 'news', medium: 'email' } })
    const utm = async (patch: unknown) => {
      const r = await put([{ id: l.id, ...(patch === undefined ? { title: 't' } : { utm: patch }) }])
      expect(r.status).toBe(200)
      expect((await get(l.id)).utm).toEqual(r.body[0].utm)
      return r.body[0].utm
    }
    expect(await utm({ medium: null, campaign: 'spring' })).toEqual({ source: 'news', campaign: 'spring' })
    expect(await utm(undefined)).toEqual({ source: 'news', campaign: 'spring' })
    expect(await utm({})).toEqual({ source: 'news', campaign: 'spring' })
    expect(await utm({ source: 'ads', term: 'shoes' })).toEqual({ source: 'ads', campaign: 'spring', term: 'shoes' })
    expect(await utm({ source: null, campaign: null, term: null })).toBeNull()
    expect(await utm({ referral: 'friend' })).toEqual({ referral: 'friend' })
    expect(await utm(null)).toBeNull()
  })
})

describe('ids and short ids in one batch', () => {
  test('a link named twice in a batch is refused, and so is a DELETE naming it twice', async () => {
    const a = await create()
    expect(await refused([{ id: a.id, title: '1' }, { id: a.id, title: '2' }], 'links[1].id')).toContain('first at links[0].id')
    const before = await stored()
    const del = await s.api('/api/links', { method: 'DELETE', json: [a.id, a.id] })
    expect(del.status).toBe(400)
    expect(await stored()).toBe(before)
  })

  test('two new links cannot choose the same short id; a deleted link keeps its short id', async () => {
    const id = `s${crypto.randomUUID().slice(0, 8)}`
    await refused([{ url: 'https://example.com', collectionId: c, shortId: id }, { url: 'https://example.com', collectionId: c, shortId: id }], 'links[1].shortId', 'POST')
    const a = await create({ shortId: id })
    expect(a.shortId).toBe(id)
    expect((await s.api('/api/links', { method: 'DELETE', json: [a.id] })).status).toBe(200)
    await refused([{ url: 'https://example.com', collectionId: c, shortId: id }], 'links[0].shortId', 'POST')
  })

  test('an update may repeat its short id but not change it', async () => {
    const a = await create()
    expect((await put([{ id: a.id, shortId: a.shortId, title: 'same' }])).status).toBe(200)
    await refused([{ id: a.id, shortId: `${a.shortId}x` }], 'links[0].shortId')
  })

  test('tagIds: absent keeps, a list replaces, null and [] clear', async () => {
    const a = await create({ tagIds: [tags[0]] })
    const tagIds = async (patch: Record<string, unknown>) => (await put([{ id: a.id, ...patch }])).body[0].tagIds
    expect(await tagIds({ title: 't' })).toEqual([tags[0]])
    expect(await tagIds({ tagIds: [tags[1], tags[0]] })).toEqual([...tags].sort())
    expect(await tagIds({ tagIds: null })).toEqual([])
    expect(await tagIds({ tagIds: [tags[1]] })).toEqual([tags[1]])
    expect(await tagIds({ tagIds: [] })).toEqual([])
  })
})

describe('atomicity', () => {
  const missing = '00000000-0000-4000-8000-000000000000'
  /** Items that fail one check each, wherever they stand in the batch. */
  const failing = (existing: { id: string; externalId: string }[]) => [
    { item: { url: 'https://example.com', collectionId: missing }, field: 'collectionId' },
    { item: { url: 'https://example.com', collectionId: c, partnerId: missing }, field: 'partnerId' },
    { item: { url: 'https://example.com', collectionId: c, tagIds: [tags[0], missing] }, field: 'tagIds[1]' },
    { item: { id: missing, title: 'x' }, field: 'id' },
    { item: { url: 'https://example.com' }, field: 'collectionId' },
    { item: { collectionId: c }, field: 'url' },
    { item: { url: 'https://example.com', collectionId: c, externalId: existing[0].externalId }, field: 'externalId' },
  ]

  test('a batch with one failing item, anywhere, writes nothing; without it, everything in order', async () => {
    const existing = await Promise.all([0, 1, 2, 3].map(() => create({ externalId: ext(), utm: { source: 'a' }, tagIds: [tags[0]] })))
    const valid = fc.oneof(
      fc.record({ title: fc.string({ maxLength: 20 }), utm: fc.constantFrom(null, { source: 'b' }, { medium: 'c', source: null }) }).map((f) => ({ url: 'https://example.com/n', collectionId: c, partnerId: p, tagIds: [tags[1]], ...f })),
      fc.record({ title: fc.string({ maxLength: 20 }), tagIds: fc.constantFrom(null, [tags[1]]) }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(valid, { minLength: 1, maxLength: 3 }), fc.nat(), fc.nat(), async (items, at, which) => {
        // Updates go to distinct existing links, never the first, whose externalId a failing item takes.
        const batch = items.map((it, i) => ('url' in it ? it : { id: existing[i + 1].id, ...it }))
        const bad = failing(existing)[which % 7]
        const position = at % (batch.length + 1)
        const before = await stored()
        const r = await put([...batch.slice(0, position), bad.item, ...batch.slice(position)])
        expect(r.status).toBe(400)
        expect(r.body.error.en).toStartWith(`links[${position}].${bad.field}: `)
        expect(await stored()).toBe(before)

        const ok = await put(batch)
        expect(ok.status).toBe(200)
        expect(ok.body.map((l: any) => l.title)).toEqual(batch.map((it) => it.title))
        batch.forEach((it, i) => 'id' in it && expect(ok.body[i].id).toBe(it.id))
      }),
      { numRuns: 60 },
    )
  })
})
