import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { expectBilingual, removeDir, startServer, type TestServer } from './harness'

const COLORS = 'slate, gray, zinc, neutral, stone, red, orange, amber, yellow, lime, green, emerald, teal, cyan, sky, blue, indigo, violet, purple, fuchsia, pink, rose'
const UNKNOWN = '01900000-0000-7000-8000-000000000000'

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

const tagsApi = (method: string, json?: unknown, key?: string) => s.api('/api/tags', { method, json, key })
const list = async (query = '', key?: string) => (await s.api(`/api/tags${query}`, { key })).json() as Promise<any[]>

async function create(...items: object[]): Promise<any[]> {
  const res = await tagsApi('POST', items)
  expect(res.status).toBe(201)
  return res.json()
}

/** The English message of a 400, after checking the body is bilingual. */
async function rejected(res: Response): Promise<string> {
  expect(res.status).toBe(400)
  return expectBilingual(await res.json()).en
}

async function namesInWorkspace(): Promise<string[]> {
  return (await list('?take=10000')).map((t) => t.name)
}

describe('creating tags', () => {
  test('POST answers 201 with exactly id, name and color, in input order, name trimmed and color defaulting to slate', async () => {
    const tags = await create({ name: '  Marketing  ', color: 'blue' }, { name: 'Plain' })
    expect(tags).toHaveLength(2)
    expect(tags[0]).toEqual({ id: expect.any(String), name: 'Marketing', color: 'blue' })
    expect(tags[1]).toEqual({ id: expect.any(String), name: 'Plain', color: 'slate' })
    expect(tags[0].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(await list(`?id=${tags[1].id}`)).toEqual([tags[1]])
  })

  test('every one of the 22 colors is accepted', async () => {
    const colors = COLORS.split(', ')
    expect(colors).toHaveLength(22)
    const tags = await create(...colors.map((color) => ({ name: `color ${color}`, color })))
    expect(tags.map((t) => t.color)).toEqual(colors)
  })

  test('an unknown color is a 400 naming the item and listing the colors, and no tag of the batch is created', async () => {
    const res = await tagsApi('POST', [{ name: 'batch-ok' }, { name: 'batch-bad', color: 'magenta' }])
    expect(await rejected(res)).toBe(`tags[1].color: must be one of: ${COLORS}`)
    const names = await namesInWorkspace()
    expect(names).not.toContain('batch-ok')
    expect(names).not.toContain('batch-bad')
  })

  test.each([
    [[{}], 'tags[0].name: is required'],
    [[{ name: 'ok' }, { name: '   ' }], 'tags[1].name: must be at least 1 character long'],
    [[{ name: 'x'.repeat(256) }], 'tags[0].name: must be at most 255 characters long'],
    [[{ name: 42 }], 'tags[0].name: must be a string'],
    [[{ name: 'ok', color: null }], `tags[0].color: must be one of: ${COLORS}`],
    [[{ name: 'ok', colour: 'red' }], 'tags[0].colour: is not a known field'],
    [[{ id: UNKNOWN, name: 'ok' }], 'tags[0].id: is not a known field'],
  ])('POST %j is a 400: %s', async (body, message) => {
    expect(await rejected(await tagsApi('POST', body))).toBe(message)
  })

  test('a 255-character name is accepted', async () => {
    const [tag] = await create({ name: 'y'.repeat(255) })
    expect(tag.name).toHaveLength(255)
  })
})

describe('listing tags', () => {
  test('tags come sorted by id, newest first by default and oldest first with sort=asc', async () => {
    const made = [...(await create({ name: 'order 1' })), ...(await create({ name: 'order 2' }, { name: 'order 3' }))]
    const desc = await list('?take=10000')
    const ids = desc.map((t) => t.id)
    expect(ids).toEqual([...ids].sort().reverse())
    expect(ids.slice(0, 3)).toEqual(made.map((t) => t.id).reverse())
    const asc = await list('?take=10000&sort=asc')
    expect(asc).toEqual([...desc].reverse())
  })

  test('take and skip page through the list; take defaults to 50', async () => {
    await create(...Array.from({ length: 51 }, (_, i) => ({ name: `page ${i}` })))
    const all = await list('?take=10000')
    expect(all.length).toBeGreaterThan(50)
    expect(await list()).toEqual(all.slice(0, 50))
    expect(await list('?take=3&skip=2')).toEqual(all.slice(2, 5))
    expect(await list(`?skip=${all.length}`)).toEqual([])
  })

  test('an unknown id gives an empty list', async () => {
    expect(await list(`?id=${UNKNOWN}`)).toEqual([])
  })

  test.each([
    ['?take=0', 'take: must be at least 1'],
    ['?take=10001', 'take: must be at most 10000'],
    ['?take=ten', 'take: must be a whole number'],
    ['?skip=-1', 'skip: must be a whole number'],
    ['?sort=up', 'sort: must be one of: asc, desc'],
    ['?id=not-a-uuid', 'id: must be a valid UUID'],
  ])('GET %s is a 400: %s', async (query, message) => {
    expect(await rejected(await s.api(`/api/tags${query}`))).toBe(message)
  })
})

describe('upserting tags', () => {
  test('an item with an id changes only the fields it has; one without creates; results keep input order', async () => {
    const [a, b] = await create({ name: 'up a', color: 'red' }, { name: 'up b', color: 'green' })
    const res = await tagsApi('PUT', [{ id: a.id, name: ' up a renamed ' }, { name: 'up new' }, { id: b.id, color: 'teal' }])
    expect(res.status).toBe(200)
    const out = await res.json()
    expect(out).toEqual([
      { id: a.id, name: 'up a renamed', color: 'red' },
      { id: expect.any(String), name: 'up new', color: 'slate' },
      { id: b.id, name: 'up b', color: 'teal' },
    ])
    expect(await list(`?id=${a.id}`)).toEqual([out[0]])
    expect(await list(`?id=${out[1].id}`)).toEqual([out[1]])
  })

  test.each([
    [{ color: null }, `tags[1].color: must be one of: ${COLORS}`],
    [{ name: null }, 'tags[1].name: must be a string'],
    [{ color: 'beige' }, `tags[1].color: must be one of: ${COLORS}`],
  ])('updating with %j is a 400 and the batch changes nothing', async (patch, message) => {
    const [t] = await create({ name: 'keep me', color: 'amber' })
    const res = await tagsApi('PUT', [{ id: t.id, name: 'changed' }, { id: t.id, ...patch }])
    expect(await rejected(res)).toBe(message)
    expect(await list(`?id=${t.id}`)).toEqual([t])
  })

  test('an item without id needs a name; the failure rolls back the whole batch', async () => {
    const [t] = await create({ name: 'before', color: 'sky' })
    const res = await tagsApi('PUT', [{ id: t.id, name: 'after' }, { name: 'put-created' }, { color: 'red' }])
    expect(await rejected(res)).toBe('tags[2].name: is required')
    expect(await list(`?id=${t.id}`)).toEqual([t])
    expect(await namesInWorkspace()).not.toContain('put-created')
  })

  test('an unknown id is a 400 naming the item, and nothing is written', async () => {
    const res = await tagsApi('PUT', [{ name: 'put-unknown-sibling' }, { id: UNKNOWN, name: 'x' }])
    expect(await rejected(res)).toBe(`tags[1].id: no tag with id ${UNKNOWN} in this workspace`)
    expect(await namesInWorkspace()).not.toContain('put-unknown-sibling')
  })

  test('a malformed id is a 400', async () => {
    expect(await rejected(await tagsApi('PUT', [{ id: 'abc', name: 'x' }]))).toBe('tags[0].id: must be a valid UUID')
  })
})

describe('deleting tags', () => {
  test('DELETE removes the rows for good and answers with the deleted ids', async () => {
    const [a, b, keep] = await create({ name: 'del a' }, { name: 'del b' }, { name: 'del keep' })
    const res = await tagsApi('DELETE', [b.id, a.id])
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ deletedIds: [b.id, a.id] })
    expect(await list(`?id=${a.id}`)).toEqual([])
    expect(await list(`?id=${keep.id}`)).toEqual([keep])
    expect(await s.rows('SELECT count(*) AS n FROM tags WHERE id IN (?, ?)', [a.id, b.id])).toEqual([{ n: 0 }])
    // Deleted means gone: the id is now unknown to PUT and DELETE.
    expect(await rejected(await tagsApi('PUT', [{ id: a.id, name: 'back' }]))).toBe(`tags[0].id: no tag with id ${a.id} in this workspace`)
    expect(await rejected(await tagsApi('DELETE', [a.id]))).toBe(`tags[0]: no tag with id ${a.id} in this workspace`)
  })

  test('deleting a tag removes it from the links that carried it', async () => {
    const [tag, other] = await create({ name: 'on a link' }, { name: 'stays on the link' })
    const colRes = await s.api('/api/collections', { method: 'POST', json: [{ name: 'for tags' }] })
    const [collection] = await colRes.json()
    const linkRes = await s.api('/api/links', {
      method: 'POST',
      json: [{ url: 'https://example.com', collectionId: collection.id, tagIds: [tag.id, other.id] }],
    })
    const [{ id: linkId }] = await linkRes.json()

    expect((await tagsApi('DELETE', [tag.id])).status).toBe(200)
    expect(await s.rows('SELECT tag_id FROM link_tags WHERE link_id = ?', [linkId])).toEqual([{ tag_id: other.id }])
    const [link] = await (await s.api(`/api/links?id=${linkId}`)).json()
    expect(link.tagIds).toEqual([other.id])
  })

  test.each([
    ['an unknown id', (id: string) => [id, UNKNOWN], `tags[1]: no tag with id ${UNKNOWN} in this workspace`],
    ['a malformed id', (id: string) => [id, 'nope'], 'tags[1]: must be a valid UUID'],
    ['a repeated id', (id: string) => [id, id], ''],
  ])('%s makes the whole DELETE a 400 and nothing is deleted', async (_, body, message) => {
    const [t] = await create({ name: 'survivor' })
    const res = await tagsApi('DELETE', body(t.id))
    const en = await rejected(res)
    expect(en).toBe(message || `tags[1]: ${t.id} appears more than once in this request (first at tags[0])`)
    expect(await list(`?id=${t.id}`)).toEqual([t])
  })
})

describe('request bodies', () => {
  test.each([
    ['POST', { name: 'not in an array' }, 'tags: must be an array'],
    ['POST', [], 'tags: must contain at least 1 item'],
    ['PUT', [], 'tags: must contain at least 1 item'],
    ['DELETE', [], 'tags: must contain at least 1 item'],
    ['DELETE', 'x', 'tags: must be an array'],
  ])('%s %j is a 400: %s', async (method, body, message) => {
    expect(await rejected(await tagsApi(method, body))).toBe(message)
  })

  test('more than 10,000 items is a 400 for POST, PUT and DELETE', async () => {
    const many = Array.from({ length: 10_001 }, (_, i) => ({ name: `n${i}` }))
    expect(await rejected(await tagsApi('POST', many))).toBe('tags: must contain at most 10000 items')
    expect(await rejected(await tagsApi('PUT', many))).toBe('tags: must contain at most 10000 items')
    const ids = Array.from({ length: 10_001 }, () => Bun.randomUUIDv7())
    expect(await rejected(await tagsApi('DELETE', ids))).toBe('tags: must contain at most 10000 items')
  })

  test("the plan's batch limit applies: a free workspace may send 100 items, not 101", async () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `free ${i}` }))
    const over = await tagsApi('POST', items(101), freeKey)
    expect(await rejected(over)).toBe('tags: your plan allows at most 100 items per request, got 101')
    expect(await list('', freeKey)).toEqual([])
    expect(await rejected(await tagsApi('PUT', items(101), freeKey))).toContain('at most 100 items per request')
    const ids = Array.from({ length: 101 }, () => Bun.randomUUIDv7())
    expect(await rejected(await tagsApi('DELETE', ids, freeKey))).toContain('at most 100 items per request')
    const ok = await tagsApi('POST', items(100), freeKey)
    expect(ok.status).toBe(201)
    expect(await ok.json()).toHaveLength(100)
  })
})

describe('workspaces and scopes', () => {
  test('another workspace cannot see, update or delete these tags', async () => {
    const [t] = await create({ name: 'private tag' })
    expect(await list(`?id=${t.id}`, otherKey)).toEqual([])
    expect((await list('?take=10000', otherKey)).map((x) => x.id)).not.toContain(t.id)
    expect(await rejected(await tagsApi('PUT', [{ id: t.id, name: 'stolen' }], otherKey))).toBe(
      `tags[0].id: no tag with id ${t.id} in this workspace`,
    )
    expect(await rejected(await tagsApi('DELETE', [t.id], otherKey))).toBe(`tags[0]: no tag with id ${t.id} in this workspace`)
    expect(await list(`?id=${t.id}`)).toEqual([t])
  })

  test.each([
    ['GET', 'tagsWrite', 'tagsRead'],
    ['POST', 'tagsRead', 'tagsWrite'],
    ['PUT', 'tagsRead', 'tagsWrite'],
    ['DELETE', 'tagsRead', 'tagsWrite'],
  ])('%s with a key holding only %s is a 403 naming %s', async (method, has, missing) => {
    const key = s.newKey(`${has},linksRead,linksWrite`)
    // An invalid body must not matter: the scope is checked first.
    const res = await tagsApi(method, method === 'GET' ? undefined : [{ color: 'nope' }], key)
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({
      error: { en: 'Missing required scopes', ar: 'الصلاحيات المطلوبة مفقودة' },
      missingScopes: [missing],
    })
  })
})
