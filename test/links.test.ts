import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { expectBilingual, removeDir, startServer, type TestServer } from './harness'

let s: TestServer
let collectionId: string
let otherCollectionId: string
let partnerId: string

const post = (json: unknown, key?: string) => s.api('/api/links', { method: 'POST', json, key })
const put = (json: unknown, key?: string) => s.api('/api/links', { method: 'PUT', json, key })
const del = (json: unknown, key?: string) => s.api('/api/links', { method: 'DELETE', json, key })
const get = async (query = '', key?: string) => {
  const res = await s.api(`/api/links${query}`, { key })
  expect(res.status).toBe(200)
  return (await res.json()) as any[]
}
async function created(items: unknown[], key?: string): Promise<any[]> {
  const res = await post(items, key)
  const body = await res.json()
  if (res.status !== 201) throw new Error(`POST /api/links: ${res.status} ${JSON.stringify(body)}`)
  return body
}
async function rejected(res: Response | Promise<Response>, status = 400) {
  const r = await res
  const body = await r.json()
  expect(r.status).toBe(status)
  return { ...expectBilingual(body), body }
}
const count = async () => (await s.rows<{ n: number }>('SELECT count(*) AS n FROM links'))[0].n

const LINK_FIELDS = [
  'id', 'shortId', 'domain', 'url', 'shortUrl', 'qrCode', 'title', 'description', 'image', 'utm', 'expiresAt', 'expiredUrl',
  'password', 'cloaked', 'ios', 'android', 'geo', 'collectionId', 'tagIds', 'externalId', 'tenantId', 'partnerId',
  'createdAt', 'updatedAt',
]

beforeAll(async () => {
  s = await startServer({ env: { HOKO_BASE_URL: 'https://go.example.test/' } })
  const cols = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'Main' }, { name: 'Other' }] })).json()
  collectionId = cols[0].id
  otherCollectionId = cols[1].id
  partnerId = (await (await s.api('/api/partners', { method: 'POST', json: [{ name: 'Affiliate' }] })).json())[0].id
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

describe('POST /api/links', () => {
  test('the documented example creates a link with every field, short URL and QR code URL', async () => {
    const res = await post([
      {
        url: 'https://example.com',
        collectionId,
        expiresAt: '2026-12-31T23:59:00Z',
        expiredUrl: 'https://example.com/expired',
        password: 'launch',
        cloaked: true,
        ios: 'https://example.com/ios',
        android: 'https://example.com/android',
        geo: { SA: 'https://example.com/sa' },
      },
    ])
    expect(res.status).toBe(201)
    const [link] = await res.json()
    expect(Object.keys(link)).toEqual(LINK_FIELDS)
    expect(link).toMatchObject({
      url: 'https://example.com',
      expiresAt: '2026-12-31T23:59:00.000Z',
      expiredUrl: 'https://example.com/expired',
      password: 'launch',
      cloaked: true,
      ios: 'https://example.com/ios',
      android: 'https://example.com/android',
      geo: { SA: 'https://example.com/sa' },
      collectionId,
      tagIds: [],
      title: null,
      description: null,
      image: null,
      utm: null,
      externalId: null,
      tenantId: null,
      partnerId: null,
    })
    expect(link.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(link.shortId).toMatch(/^[A-Za-z0-9_-]{7}$/)
    expect(link.shortUrl).toBe(`https://go.example.test/${link.shortId}`)
    expect(link.qrCode).toBe(
      `https://go.example.test/qrcode?text=${encodeURIComponent(`https://go.example.test/${link.shortId}?qr=1`)}` +
        '&size=512&errorCorrection=H&foreground=000000&background=FFFFFF&margin=1&format=svg',
    )
    expect(link.createdAt).toBe(link.updatedAt)
  })

  test('metadata, utm, externalId, tenantId and partnerId are stored and returned', async () => {
    const [link] = await created([
      {
        url: 'https://shop.example.com/p?id=1',
        collectionId,
        title: 'Summer sale',
        description: 'Banner link',
        image: 'https://cdn.example.com/i.png',
        utm: { source: 'google', medium: 'cpc', campaign: 'summer', term: 'shoes', content: 'ad1', referral: 'friend' },
        externalId: 'ext_meta',
        tenantId: 'tenant_1',
        partnerId,
      },
    ])
    expect(link).toMatchObject({
      title: 'Summer sale',
      description: 'Banner link',
      image: 'https://cdn.example.com/i.png',
      utm: { source: 'google', medium: 'cpc', campaign: 'summer', term: 'shoes', content: 'ad1', referral: 'friend' },
      externalId: 'ext_meta',
      tenantId: 'tenant_1',
      partnerId,
    })
  })

  test('a caller may choose the short id; it must be free, well-formed and not a server path', async () => {
    const [link] = await created([{ url: 'https://example.com/custom', collectionId, shortId: 'Spring_Sale-2026' }])
    expect(link.shortId).toBe('Spring_Sale-2026')
    expect(link.shortUrl).toBe('https://go.example.test/Spring_Sale-2026')
    expect((await rejected(post([{ url: 'https://a.example', collectionId, shortId: 'Spring_Sale-2026' }]))).en).toBe(
      'links[0].shortId: Spring_Sale-2026 is already taken',
    )
    for (const bad of ['ab', 'has space', 'x'.repeat(65), 'ümlaut']) {
      const e = await rejected(post([{ url: 'https://a.example', collectionId, shortId: bad }]))
      expect(e.en).toBe('links[0].shortId: must be 3 to 64 letters, digits, "_" or "-"')
    }
    for (const reserved of ['api', 'docs', 'healthz', 'qrcode', 'API']) {
      const e = await rejected(post([{ url: 'https://a.example', collectionId, shortId: reserved }]))
      expect(e.en).toBe('links[0].shortId: is reserved by the server')
    }
    const e = await rejected(
      post([
        { url: 'https://a.example', collectionId, shortId: 'twice' },
        { url: 'https://b.example', collectionId, shortId: 'twice' },
      ]),
    )
    expect(e.en).toBe('links[1].shortId: twice appears more than once in this request (first at links[0].shortId)')
  })

  test('generated short ids are unique across many links', async () => {
    const links = await created(Array.from({ length: 2000 }, (_, i) => ({ url: `https://example.com/${i}`, collectionId })))
    expect(new Set(links.map((l) => l.shortId)).size).toBe(2000)
  })

  test.each([
    ['url', 'invalid-url'],
    ['url', 'javascript:alert(1)'],
    ['url', 'data:text/html,<script>alert(1)</script>'],
    ['url', '/relative/path'],
    ['url', 'ftp://example.com/file'],
    ['url', 'https://exa mple.com'],
    ['url', `https://example.com/${'a'.repeat(5000)}`],
    ['image', 'not a url'],
    ['expiredUrl', 'javascript:void(0)'],
    ['ios', 'itms-apps://app'],
    ['android', 'intent://x'],
  ])('%s %p is refused: only absolute http(s) URLs of bounded length', async (field, value) => {
    const e = await rejected(post([{ url: 'https://example.com', collectionId, [field]: value }]))
    expect(e.en).toMatch(new RegExp(`^links\\[0\\]\\.${field}: must be`))
  })

  test('geo keys are ISO 3166-1 alpha-2 codes (case-insensitive) and its values http(s) URLs', async () => {
    const [link] = await created([{ url: 'https://example.com', collectionId, geo: { us: 'https://example.com/us', DE: 'https://example.com/de' } }])
    expect(link.geo).toEqual({ US: 'https://example.com/us', DE: 'https://example.com/de' })
    expect((await rejected(post([{ url: 'https://example.com', collectionId, geo: { XX: 'https://example.com' } }]))).en).toBe(
      'links[0].geo.XX: is not an ISO 3166-1 alpha-2 country code (such as SA or US)',
    )
    expect((await rejected(post([{ url: 'https://example.com', collectionId, geo: { SA: 'javascript:x' } }]))).en).toBe(
      'links[0].geo.SA: must be an absolute http or https URL',
    )
    expect((await rejected(post([{ url: 'https://example.com', collectionId, geo: ['https://example.com'] }]))).en).toBe(
      'links[0].geo: must be an object',
    )
  })

  test('expiresAt must be an ISO 8601 date-time with a time zone', async () => {
    for (const bad of ['tomorrow', '2026-12-31', '2026-12-31 23:59', '2026-02-30T10:00:00Z', 1767225540000]) {
      const e = await rejected(post([{ url: 'https://example.com', collectionId, expiresAt: bad }]))
      expect(e.en).toMatch(/^links\[0\]\.expiresAt: /)
    }
    const [link] = await created([{ url: 'https://example.com', collectionId, expiresAt: '2027-01-01T03:00:00+03:00' }])
    expect(link.expiresAt).toBe('2027-01-01T00:00:00.000Z')
  })

  test('url and collectionId are required; unknown fields are refused', async () => {
    expect((await rejected(post([{ collectionId }]))).en).toBe('links[0].url: is required')
    expect((await rejected(post([{ url: 'https://example.com' }]))).en).toBe('links[0].collectionId: is required')
    expect((await rejected(post([{ url: 'https://example.com', collectionId, colour: 'red' }]))).en).toBe(
      'links[0].colour: is not a known field',
    )
    expect((await rejected(post([{ url: 'https://example.com', collectionId: 'not-a-uuid' }]))).en).toBe(
      'links[0].collectionId: must be a valid UUID',
    )
    expect((await rejected(post([{ url: 'https://example.com', collectionId, cloaked: 'yes' }]))).en).toBe(
      'links[0].cloaked: must be true or false',
    )
  })

  test('collectionId, partnerId and tagIds must exist in the workspace', async () => {
    const ghost = '01a2138f-0000-7000-8000-000000000000'
    expect((await rejected(post([{ url: 'https://example.com', collectionId: ghost }]))).en).toBe(
      `links[0].collectionId: no collection with id ${ghost} in this workspace`,
    )
    expect((await rejected(post([{ url: 'https://example.com', collectionId, partnerId: ghost }]))).en).toBe(
      `links[0].partnerId: no partner with id ${ghost} in this workspace`,
    )
    expect((await rejected(post([{ url: 'https://example.com', collectionId, tagIds: [ghost] }]))).en).toBe(
      `links[0].tagIds[0]: no tag with id ${ghost} in this workspace`,
    )
  })

  test('externalId is unique among live links, within one batch too', async () => {
    await created([{ url: 'https://example.com', collectionId, externalId: 'unique-1' }])
    expect((await rejected(post([{ url: 'https://example.com', collectionId, externalId: 'unique-1' }]))).en).toMatch(
      /^links\[0\]\.externalId: unique-1 is already used by link [0-9a-f-]{36}$/,
    )
    const e = await rejected(
      post([
        { url: 'https://a.example', collectionId, externalId: 'same' },
        { url: 'https://b.example', collectionId, externalId: 'same' },
      ]),
    )
    expect(e.en).toBe('links[1].externalId: same appears more than once in this request (first at links[0].externalId)')
  })

  test('a batch is all or nothing: one bad item writes nothing and the message names it', async () => {
    const before = await count()
    const e = await rejected(
      post([
        { url: 'https://example.com/1', collectionId },
        { url: 'https://example.com/2', collectionId },
        { url: 'mailto:someone@example.com', collectionId },
      ]),
    )
    expect(e.en).toBe('links[2].url: must be an absolute http or https URL')
    // A reference error found after validation is atomic too.
    await rejected(
      post([
        { url: 'https://example.com/1', collectionId },
        { url: 'https://example.com/2', collectionId: '01a2138f-0000-7000-8000-000000000001' },
      ]),
    )
    expect(await count()).toBe(before)
  })

  test('bodies are arrays of 1 to 10,000 items', async () => {
    expect((await rejected(post({ url: 'https://example.com', collectionId }))).en).toBe('links: must be an array')
    expect((await rejected(post([]))).en).toBe('links: must contain at least 1 item')
    const big = Array.from({ length: 10_001 }, () => ({ url: 'https://example.com', collectionId }))
    expect((await rejected(post(big))).en).toBe('links: must contain at most 10000 items')
    expect((await rejected(post(['https://example.com']))).en).toBe('links[0]: must be an object')
  })
})

describe('plan features', () => {
  let freeKey: string
  let freeCollection: string
  beforeAll(async () => {
    s.cliJson(['workspace', 'create', '--name', 'Free', '--plan', 'free'])
    s.cliJson(['workspace', 'create', '--name', 'Pro', '--plan', 'pro'])
    freeKey = s.newKey('all', 'free')
    freeCollection = (await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'F' }], key: freeKey })).json())[0].id
  })

  test.each([
    [{ expiresAt: '2030-01-01T00:00:00Z' }, 'linkExpiration'],
    [{ expiredUrl: 'https://example.com/gone' }, 'linkExpiration'],
    [{ password: 'secret' }, 'passwordProtection'],
    [{ cloaked: true }, 'linkCloaking'],
    [{ ios: 'https://example.com/ios' }, 'deviceTargeting'],
    [{ android: 'https://example.com/android' }, 'deviceTargeting'],
    [{ geo: { SA: 'https://example.com/sa' } }, 'geoTargeting'],
  ])('%p needs %s: a 403 naming it, with missingFeatures', async (fields, feature) => {
    const e = await rejected(post([{ url: 'https://example.com', collectionId: freeCollection, ...fields }], freeKey), 403)
    expect(e.body.missingFeatures).toEqual([feature])
    expect(e.en).toBe(`Your workspace's plan does not include: ${feature}`)
  })

  test('every missing feature of a batch is listed, and nothing is written', async () => {
    const e = await rejected(
      post(
        [
          { url: 'https://example.com', collectionId: freeCollection, password: 'x', cloaked: true },
          { url: 'https://example.com', collectionId: freeCollection, geo: { US: 'https://example.com/us' } },
        ],
        freeKey,
      ),
      403,
    )
    expect(e.body.missingFeatures).toEqual(['passwordProtection', 'linkCloaking', 'geoTargeting'])
    expect(await get('', freeKey)).toEqual([])
  })

  test('plain links, cloaked=false and cleared values need no feature', async () => {
    const [link] = await created([{ url: 'https://example.com', collectionId: freeCollection, cloaked: false, password: null, geo: null }], freeKey)
    const res = await put([{ id: link.id, expiresAt: null, ios: null, cloaked: null }], freeKey)
    expect(res.status).toBe(200)
  })

  test('the pro plan has expiration and passwords but not geo targeting', async () => {
    const key = s.newKey('all', 'pro')
    const col = (await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'P' }], key })).json())[0].id
    expect((await post([{ url: 'https://example.com', collectionId: col, password: 'p', expiresAt: '2030-01-01T00:00:00Z' }], key)).status).toBe(201)
    const e = await rejected(post([{ url: 'https://example.com', collectionId: col, geo: { US: 'https://example.com' } }], key), 403)
    expect(e.body.missingFeatures).toEqual(['geoTargeting'])
  })

  test('the plan limits the batch size (free: 100 items)', async () => {
    const items = Array.from({ length: 101 }, (_, i) => ({ url: `https://example.com/${i}`, collectionId: freeCollection }))
    const e = await rejected(post(items, freeKey))
    expect(e.en).toBe('links: your plan allows at most 100 items per request, got 101')
    expect((await post(items.slice(0, 100), freeKey)).status).toBe(201)
  })
})

describe('PUT /api/links', () => {
  test('the documented example updates the fields it names and keeps the others', async () => {
    const [link] = await created([
      { url: 'https://example.com', collectionId, title: 'Old', description: 'kept', externalId: 'put-1', utm: { source: 'a', medium: 'b' } },
    ])
    await Bun.sleep(5)
    const res = await put([
      {
        id: link.id,
        url: 'https://updated.com',
        title: 'Updated Link',
        expiresAt: '2026-12-31T23:59:00Z',
        expiredUrl: 'https://updated.com/expired',
        cloaked: true,
        ios: 'https://updated.com/ios',
        android: 'https://updated.com/android',
        geo: { US: 'https://updated.com/us' },
        collectionId: otherCollectionId,
        utm: { medium: null, campaign: 'c' },
      },
    ])
    expect(res.status).toBe(200)
    const [u] = await res.json()
    expect(Object.keys(u)).toEqual(LINK_FIELDS)
    expect(u).toMatchObject({
      id: link.id,
      shortId: link.shortId,
      url: 'https://updated.com',
      title: 'Updated Link',
      description: 'kept',
      externalId: 'put-1',
      expiresAt: '2026-12-31T23:59:00.000Z',
      cloaked: true,
      geo: { US: 'https://updated.com/us' },
      collectionId: otherCollectionId,
      // only the utm keys sent change; null removes one
      utm: { source: 'a', campaign: 'c' },
      createdAt: link.createdAt,
    })
    expect(Date.parse(u.updatedAt)).toBeGreaterThan(Date.parse(link.updatedAt))
    const [stored] = await get(`?id=${link.id}`)
    expect(stored).toEqual(u)
  })

  test('an explicit null clears an optional field', async () => {
    const [link] = await created([
      { url: 'https://example.com', collectionId, title: 'T', password: 'pw', cloaked: true, geo: { SA: 'https://e.com/sa' }, utm: { source: 's' }, partnerId, externalId: 'clear-me', tenantId: 't' },
    ])
    const [u] = await (
      await put([{ id: link.id, title: null, password: null, cloaked: null, geo: null, utm: null, partnerId: null, externalId: null, tenantId: null }])
    ).json()
    expect(u).toMatchObject({ title: null, password: null, cloaked: false, geo: null, utm: null, partnerId: null, externalId: null, tenantId: null })
  })

  test('url and collectionId cannot be cleared, and the short id cannot change', async () => {
    const [link] = await created([{ url: 'https://example.com', collectionId }])
    expect((await rejected(put([{ id: link.id, url: null }]))).en).toBe('links[0].url: must be a string')
    expect((await rejected(put([{ id: link.id, shortId: 'another-one' }]))).en).toBe(
      `links[0].shortId: cannot be changed once a link exists (it is ${link.shortId})`,
    )
    expect((await put([{ id: link.id, shortId: link.shortId }])).status).toBe(200)
  })

  test('without an id an item is created with the create rules; results keep the input order', async () => {
    const [a] = await created([{ url: 'https://example.com/a', collectionId }])
    const res = await put([
      { url: 'https://example.com/new-1', collectionId, title: 'first' },
      { id: a.id, title: 'second' },
      { url: 'https://example.com/new-2', collectionId, title: 'third' },
    ])
    expect(res.status).toBe(200)
    const out = await res.json()
    expect(out.map((l: any) => l.title)).toEqual(['first', 'second', 'third'])
    expect(out[1].id).toBe(a.id)
    expect((await rejected(put([{ title: 'no url' }]))).en).toBe('links[0].url: is required')
  })

  test('an id that does not exist, was deleted, or is given twice is a 400 and nothing changes', async () => {
    const [a, b] = await created([
      { url: 'https://example.com/a', collectionId, title: 'a' },
      { url: 'https://example.com/b', collectionId, title: 'b' },
    ])
    const ghost = '01a2138f-0000-7000-8000-000000000002'
    expect((await rejected(put([{ id: a.id, title: 'changed' }, { id: ghost, title: 'x' }]))).en).toBe(
      `links[1].id: no link with id ${ghost} in this workspace`,
    )
    expect((await get(`?id=${a.id}`))[0].title).toBe('a')
    expect((await rejected(put([{ id: a.id, title: '1' }, { id: a.id, title: '2' }]))).en).toBe(
      'links[1].id: ' + a.id + ' appears more than once in this request (first at links[0].id)',
    )
    expect((await del([b.id])).status).toBe(200)
    expect((await rejected(put([{ id: b.id, title: 'revived?' }]))).en).toBe(`links[0].id: no link with id ${b.id} in this workspace`)
  })

  test('externalIds can move between links of one batch', async () => {
    const [a, b] = await created([
      { url: 'https://example.com/a', collectionId, externalId: 'swap-a' },
      { url: 'https://example.com/b', collectionId, externalId: 'swap-b' },
    ])
    const res = await put([
      { id: a.id, externalId: 'swap-b' },
      { id: b.id, externalId: 'swap-a' },
    ])
    expect(res.status).toBe(200)
    expect((await get('?externalId=swap-a'))[0].id).toBe(b.id)
    expect((await rejected(put([{ id: a.id, externalId: 'unique-1' }]))).en).toMatch(/is already used by link/)
  })
})

describe('tags on links', () => {
  test('tagIds replace the set, filter GET, and vanish when the tag is deleted', async () => {
    const tags = await (await s.api('/api/tags', { method: 'POST', json: [{ name: 'vip' }, { name: 'sale', color: 'red' }] })).json()
    const [link] = await created([{ url: 'https://example.com/tagged', collectionId, tagIds: [tags[0].id, tags[1].id, tags[0].id] }])
    expect([...link.tagIds].sort()).toEqual([tags[0].id, tags[1].id].sort())
    expect((await get(`?tagId=${tags[1].id}`)).map((l) => l.id)).toEqual([link.id])

    const [u] = await (await put([{ id: link.id, tagIds: [tags[1].id] }])).json()
    expect(u.tagIds).toEqual([tags[1].id])
    const [kept] = await (await put([{ id: link.id, title: 'no tag change' }])).json()
    expect(kept.tagIds).toEqual([tags[1].id])

    expect((await s.api('/api/tags', { method: 'DELETE', json: [tags[1].id] })).status).toBe(200)
    expect((await get(`?id=${link.id}`))[0].tagIds).toEqual([])
    expect(await get(`?tagId=${tags[1].id}`)).toEqual([])
  })
})

describe('GET /api/links', () => {
  let mine: any[]
  beforeAll(async () => {
    s.cliJson(['workspace', 'create', '--name', 'Listing'])
    const key = s.newKey('all', 'listing')
    const col = (await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'L' }], key })).json())[0].id
    const partner = (await (await s.api('/api/partners', { method: 'POST', json: [{ name: 'P' }], key })).json())[0].id
    mine = []
    for (let i = 0; i < 5; i++)
      mine.push(
        ...(await created(
          [{ url: `https://example.com/${i}`, collectionId: col, externalId: `L${i}`, tenantId: i % 2 ? 'odd' : 'even', partnerId: i === 4 ? partner : null }],
          key,
        )),
      )
    ;(globalThis as any).listingKey = key
  })
  const key = () => (globalThis as any).listingKey as string

  test('newest first by default; take, skip and sort=asc page through', async () => {
    expect((await get('', key())).map((l) => l.externalId)).toEqual(['L4', 'L3', 'L2', 'L1', 'L0'])
    expect((await get('?take=2&skip=1', key())).map((l) => l.externalId)).toEqual(['L3', 'L2'])
    expect((await get('?sort=asc&take=2', key())).map((l) => l.externalId)).toEqual(['L0', 'L1'])
    expect((await get('?take=50&sort=desc', key())).length).toBe(5)
  })

  test('filters id, externalId, tenantId and partnerId match any of them', async () => {
    expect((await get(`?id=${mine[0].id}`, key())).map((l) => l.externalId)).toEqual(['L0'])
    expect((await get('?tenantId=odd', key())).map((l) => l.externalId)).toEqual(['L3', 'L1'])
    expect((await get(`?externalId=L2&id=${mine[0].id}`, key())).map((l) => l.externalId)).toEqual(['L2', 'L0'])
    expect((await get(`?partnerId=${mine[4].partnerId}&externalId=L0`, key())).map((l) => l.externalId)).toEqual(['L4', 'L0'])
    expect(await get('?externalId=nothing', key())).toEqual([])
  })

  test.each([
    ['?take=0', 'take: must be at least 1'],
    ['?take=10001', 'take: must be at most 10000'],
    ['?take=ten', 'take: must be a whole number'],
    ['?take=1.5', 'take: must be a whole number'],
    ['?skip=-1', 'skip: must be a whole number'],
    ['?sort=newest', 'sort: must be one of: asc, desc'],
    ['?id=123', 'id: must be a valid UUID'],
    ['?partnerId=abc', 'partnerId: must be a valid UUID'],
    ['?tagId=abc', 'tagId: must be a valid UUID'],
    ['?limit=5', 'limit: is not a known field'],
  ])('%s is a 400: %s', async (query, message) => {
    expect((await rejected(s.api(`/api/links${query}`, { key: key() }))).en).toBe(message)
  })

  test('another workspace sees none of these links and cannot touch them', async () => {
    const ids = mine.map((l) => l.id)
    expect(await get(`?id=${ids[0]}`)).toEqual([])
    expect(await get('?externalId=L1')).toEqual([])
    expect((await rejected(put([{ id: ids[0], title: 'hijack' }]))).en).toBe(`links[0].id: no link with id ${ids[0]} in this workspace`)
    expect((await rejected(del([ids[0]]))).en).toBe(`links[0]: no link with id ${ids[0]} in this workspace`)
    expect((await get(`?id=${ids[0]}`, key()))[0].title).toBeNull()
  })
})

describe('DELETE /api/links', () => {
  test('soft-deletes: gone from GET, history kept in the database, externalId free again', async () => {
    const [a, b] = await created([
      { url: 'https://example.com/a', collectionId, externalId: 'del-a' },
      { url: 'https://example.com/b', collectionId },
    ])
    const res = await del([a.id, b.id])
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ deletedIds: [a.id, b.id] })
    expect(await get(`?id=${a.id}`)).toEqual([])
    const [row] = await s.rows('SELECT deleted_at, short_id FROM links WHERE id = ?', [a.id])
    expect(row.deleted_at).toBeGreaterThan(0)
    expect(row.short_id).toBe(a.shortId)
    // The externalId can be used again; the short id cannot.
    expect((await post([{ url: 'https://example.com/again', collectionId, externalId: 'del-a' }])).status).toBe(201)
    expect((await rejected(post([{ url: 'https://example.com/x', collectionId, shortId: a.shortId }]))).en).toBe(
      `links[0].shortId: ${a.shortId} is already taken`,
    )
  })

  test('any malformed, unknown, deleted or repeated id is a 400 and nothing is deleted', async () => {
    const [a, gone] = await created([{ url: 'https://example.com/a', collectionId }, { url: 'https://example.com/g', collectionId }])
    await del([gone.id])
    expect((await rejected(del(['invalid-id']))).en).toBe('links[0]: must be a valid UUID')
    expect((await rejected(del([a.id, gone.id]))).en).toBe(`links[1]: no link with id ${gone.id} in this workspace`)
    expect((await rejected(del([a.id, a.id]))).en).toBe(`links[1]: ${a.id} appears more than once in this request (first at links[0])`)
    expect((await rejected(del([]))).en).toBe('links: must contain at least 1 item')
    expect(await get(`?id=${a.id}`)).toHaveLength(1)
  })
})

describe('collections and partners referenced by links', () => {
  test('deleting a collection leaves its links in place but it cannot be used again', async () => {
    const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'Temp' }] })).json()
    const [link] = await created([{ url: 'https://example.com/in-temp', collectionId: col.id }])
    expect((await s.api('/api/collections', { method: 'DELETE', json: [col.id] })).status).toBe(200)
    expect((await get(`?id=${link.id}`))[0].collectionId).toBe(col.id)
    expect((await rejected(post([{ url: 'https://example.com', collectionId: col.id }]))).en).toBe(
      `links[0].collectionId: no collection with id ${col.id} in this workspace`,
    )
    expect((await rejected(put([{ id: link.id, collectionId: col.id }]))).en).toMatch(/no collection with id/)
  })

  test('a deleted partner cannot be referenced', async () => {
    const [p] = await (await s.api('/api/partners', { method: 'POST', json: [{ name: 'Gone' }] })).json()
    expect((await s.api('/api/partners', { method: 'DELETE', json: [p.id] })).status).toBe(200)
    expect((await rejected(post([{ url: 'https://example.com', collectionId, partnerId: p.id }]))).en).toBe(
      `links[0].partnerId: no partner with id ${p.id} in this workspace`,
    )
  })

  test("another workspace's collection cannot be referenced", async () => {
    s.cliJson(['workspace', 'create', '--name', 'Elsewhere'])
    const key = s.newKey('all', 'elsewhere')
    const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'E' }], key })).json()
    expect((await rejected(post([{ url: 'https://example.com', collectionId: col.id }]))).en).toMatch(/no collection with id/)
    expect((await rejected(post([{ url: 'https://example.com', collectionId, partnerId }], key))).en).toMatch(/no collection with id/)
  })
})
