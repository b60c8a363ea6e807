import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { expectBilingual, removeDir, startServer, type TestServer, UA } from './harness'

/** What the dashboard's tables need of the list GETs: search, more filters, X-Total-Count, leads and sales. */
let s: TestServer
let otherKey: string
let cols: any[]
let tagId: string
let partnerId: string
let links: any[]

async function list(path: string, key?: string): Promise<{ items: any[]; total: number }> {
  const res = await s.api(path, { key })
  const body = await res.json()
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`)
  const total = res.headers.get('x-total-count')
  expect(total).toMatch(/^\d+$/)
  return { items: body, total: Number(total) }
}
async function bad(path: string, message: string) {
  const res = await s.api(path)
  expect(res.status).toBe(400)
  expect(expectBilingual(await res.json()).en).toBe(message)
}
async function click(shortId: string): Promise<string> {
  const res = await fetch(`${s.url}/${shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })
  return new URL(res.headers.get('location')!).searchParams.get('hoko_id')!
}
async function track(kind: 'lead' | 'sale', json: Record<string, unknown>, key?: string) {
  const res = await s.api(`/api/track/${kind}`, { method: 'POST', json, key })
  const body = await res.json()
  if (res.status !== 201) throw new Error(`${kind}: ${res.status} ${JSON.stringify(body)}`)
  return body
}
const search = (q: string) => encodeURIComponent(q)

beforeAll(async () => {
  s = await startServer()
  s.cliJson(['workspace', 'create', '--name', 'Other'])
  otherKey = s.newKey('all', 'other')
  cols = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'Spring' }, { name: 'Autumn' }] })).json()
  ;[{ id: tagId }] = await (await s.api('/api/tags', { method: 'POST', json: [{ name: 'promo' }] })).json()
  ;[{ id: partnerId }] = await (await s.api('/api/partners', { method: 'POST', json: [{ name: 'P' }] })).json()
  links = []
  // One at a time: each link gets a later createdAt, so the default order is known.
  for (const link of [
    { url: 'https://shop.example.com/spring-sale', collectionId: cols[0].id, title: 'Spring Sale 50%', shortId: 'spring-1' },
    { url: 'https://shop.example.com/autumn', collectionId: cols[1].id, title: 'Autumn launch', tagIds: [tagId] },
    { url: 'https://blog.example.org/post_1', collectionId: cols[1].id, title: 'عرض الربيع', partnerId },
    { url: 'https://docs.example.net/a,b', collectionId: cols[0].id, title: null, shortId: 'SALEabc' },
  ]) {
    links.push(...(await (await s.api('/api/links', { method: 'POST', json: [link] })).json()))
    await Bun.sleep(2)
  }
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

describe('GET /api/links search and collectionId', () => {
  test('search matches shortId, url or title, ignoring case', async () => {
    const ids = async (q: string) => (await list(`/api/links?search=${search(q)}&sort=asc`)).items.map((l) => l.id)
    expect(await ids('SALE')).toEqual([links[0].id, links[3].id]) // title, then shortId
    expect(await ids('autumn')).toEqual([links[1].id]) // url and title
    expect(await ids('example.org')).toEqual([links[2].id])
    expect(await ids('الربيع')).toEqual([links[2].id])
    expect(await ids('nothing like it')).toEqual([])
  })

  test('% and _ in a search are plain characters, and so is a comma', async () => {
    expect((await list(`/api/links?search=${search('50%')}`)).items.map((l) => l.id)).toEqual([links[0].id])
    expect((await list(`/api/links?search=${search('post_1')}`)).items.map((l) => l.id)).toEqual([links[2].id])
    expect((await list(`/api/links?search=${search('t_1')}`)).items.map((l) => l.id)).toEqual([links[2].id])
    expect((await list(`/api/links?search=${search('%')}`)).items).toHaveLength(1)
    expect((await list(`/api/links?search=${search('a,b')}`)).items.map((l) => l.id)).toEqual([links[3].id])
    expect((await list(`/api/links?search=${search('[1]')}`)).items).toEqual([])
  })

  test('an externalId filter with a comma is one value, not two', async () => {
    const [l] = await (await s.api('/api/links', { method: 'POST', json: [{ url: 'https://x.example.com/', collectionId: cols[0].id, externalId: 'a,b' }] })).json()
    expect((await list('/api/links?externalId=a,b')).items.map((x) => x.id)).toEqual([l.id])
    await s.api('/api/links', { method: 'DELETE', json: [l.id] })
  })

  test('collectionId filters, and widens the other id filters (OR)', async () => {
    const spring = await list(`/api/links?collectionId=${cols[0].id}&sort=asc`)
    expect(spring.items.map((l) => l.id)).toEqual([links[0].id, links[3].id])
    expect(spring.total).toBe(2)
    const either = await list(`/api/links?collectionId=${cols[0].id}&tagId=${tagId}&sort=asc`)
    expect(either.items.map((l) => l.id)).toEqual([links[0].id, links[1].id, links[3].id])
  })

  test('search narrows what the id filters select (AND)', async () => {
    const r = await list(`/api/links?collectionId=${cols[1].id}&partnerId=${partnerId}&search=autumn`)
    expect(r.items.map((l) => l.id)).toEqual([links[1].id])
    expect(r.total).toBe(1)
    expect((await list(`/api/links?collectionId=${cols[0].id}&search=autumn`)).items).toEqual([])
  })

  test('an unknown collection, or another workspace\'s, selects nothing', async () => {
    expect(await list(`/api/links?collectionId=${crypto.randomUUID()}`)).toEqual({ items: [], total: 0 })
    expect(await list(`/api/links?collectionId=${cols[0].id}`, otherKey)).toEqual({ items: [], total: 0 })
    expect(await list('/api/links?search=sale', otherKey)).toEqual({ items: [], total: 0 })
  })

  test('search is at most 200 characters, once', async () => {
    expect((await list(`/api/links?search=${'a'.repeat(200)}`)).total).toBe(0)
    await bad(`/api/links?search=${'a'.repeat(201)}`, 'search: must be at most 200 characters long')
    await bad('/api/links?search=a&search=b', 'search: must be a string')
    await bad('/api/links?collectionId=nope', 'collectionId: must be a valid UUID')
  })

  test('a deleted link leaves the results and the count', async () => {
    const [extra] = await (await s.api('/api/links', { method: 'POST', json: [{ url: 'https://gone.example.com/', collectionId: cols[0].id }] })).json()
    expect((await list('/api/links?search=gone.example')).total).toBe(1)
    await s.api('/api/links', { method: 'DELETE', json: [extra.id] })
    expect(await list('/api/links?search=gone.example')).toEqual({ items: [], total: 0 })
  })
})

describe('X-Total-Count', () => {
  test('counts what the filters select, ignoring take and skip', async () => {
    const page = await list('/api/links?take=1&skip=1')
    expect(page.items).toHaveLength(1)
    expect(page.total).toBe(4)
    expect((await list('/api/links?take=10&skip=10')).items).toEqual([])
    expect((await list('/api/links?take=10&skip=10')).total).toBe(4)
    expect((await list('/api/links?search=sale&take=1')).total).toBe(2)
  })

  test.each(['collections', 'tags', 'partners'])('on GET /api/%s', async (name) => {
    const all = await list(`/api/${name}?take=1`)
    expect(all.items).toHaveLength(1)
    const n = all.total
    expect((await list(`/api/${name}?take=10000`)).items).toHaveLength(n)
    const one = (await list(`/api/${name}`)).items[0]
    expect((await list(`/api/${name}?id=${one.id}`)).total).toBe(1)
    expect((await list(`/api/${name}?id=${one.id}`, otherKey)).total).toBe(0)
  })

  test('a deleted collection leaves the count', async () => {
    const before = (await list('/api/collections')).total
    const [c] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'tmp' }] })).json()
    expect((await list('/api/collections')).total).toBe(before + 1)
    await s.api('/api/collections', { method: 'DELETE', json: [c.id] })
    expect((await list('/api/collections')).total).toBe(before)
  })
})

describe('customers, leads and sales', () => {
  let clicks: string[]
  beforeAll(async () => {
    clicks = [await click(links[0].shortId), await click(links[1].shortId), await click(links[2].shortId)]
    await track('lead', { clickId: clicks[0], eventName: 'Sign up', customerExternalId: 'user_1', customerName: 'Alice Smith', customerEmail: 'alice@example.com' })
    await Bun.sleep(2)
    await track('lead', { clickId: clicks[2], eventName: 'Sign up', customerExternalId: 'user_2', customerName: 'Bob', metadata: { plan: 'pro' } })
    await Bun.sleep(2)
    await track('sale', { customerExternalId: 'user_1', customerName: 'Alice Smith', amount: 4900, currency: 'EUR', leadEventName: 'Sign up' })
    await Bun.sleep(2)
    await track('sale', { clickId: clicks[1], customerExternalId: 'ACME_3', customerName: 'Carol', amount: 100 })
    // The other workspace's own customer, lead and sale.
    const [oc] = await (await s.api('/api/collections', { method: 'POST', key: otherKey, json: [{ name: 'o' }] })).json()
    const [ol] = await (await s.api('/api/links', { method: 'POST', key: otherKey, json: [{ url: 'https://o.example.com', collectionId: oc.id }] })).json()
    const oClick = await click(ol.shortId)
    await track('lead', { clickId: oClick, eventName: 'Sign up', customerExternalId: 'user_1', customerName: 'Alice Other' }, otherKey)
    await track('sale', { clickId: oClick, customerExternalId: 'user_1', customerName: 'Alice Other', amount: 1 }, otherKey)
  })
  const customerId = async (externalId: string) => (await list(`/api/customers?externalId=${externalId}`)).items[0].id

  test('customers: search over name, email and externalId, with a total', async () => {
    const names = async (q: string) => (await list(`/api/customers?search=${search(q)}&sort=asc`)).items.map((c) => c.name)
    expect(await names('alice')).toEqual(['Alice Smith'])
    expect(await names('EXAMPLE.COM')).toEqual(['Alice Smith'])
    expect(await names('acme')).toEqual(['Carol'])
    expect(await names('user_')).toEqual(['Alice Smith', 'Bob'])
    expect(await names('zzz')).toEqual([])
    const all = await list('/api/customers?take=1')
    expect(all.items).toHaveLength(1)
    expect(all.total).toBe(3)
    // search narrows the id filters
    expect((await list('/api/customers?externalId=user_2&search=alice')).items).toEqual([])
    expect((await list(`/api/customers?search=alice`, otherKey)).items.map((c) => c.name)).toEqual(['Alice Other'])
    await bad(`/api/customers?search=${'x'.repeat(201)}`, 'search: must be at most 200 characters long')
  })

  test('GET /api/leads: each lead with its click, link and customer, newest first', async () => {
    const r = await list('/api/leads')
    expect(r.total).toBe(2)
    expect(r.items).toHaveLength(2)
    const [bob, alice] = r.items
    expect(Object.keys(alice)).toEqual(['id', 'eventName', 'metadata', 'createdAt', 'clickId', 'linkId', 'shortId', 'partnerId', 'customerId'])
    expect(alice).toMatchObject({
      eventName: 'Sign up',
      metadata: null,
      clickId: clicks[0],
      linkId: links[0].id,
      shortId: 'spring-1',
      partnerId: null,
      customerId: await customerId('user_1'),
    })
    expect(alice.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(bob).toMatchObject({ metadata: { plan: 'pro' }, clickId: clicks[2], linkId: links[2].id, partnerId })
  })

  test('GET /api/sales: each sale with its click, link, customer and lead', async () => {
    const r = await list('/api/sales?sort=asc')
    expect(r.total).toBe(2)
    const [alice, carol] = r.items
    expect(Object.keys(alice)).toEqual([
      'id', 'amount', 'currency', 'eventName', 'metadata', 'createdAt', 'clickId', 'linkId', 'shortId', 'partnerId', 'customerId', 'leadId',
    ])
    expect(alice).toMatchObject({ amount: 4900, currency: 'eur', eventName: 'Purchase', clickId: clicks[0], linkId: links[0].id, customerId: await customerId('user_1') })
    expect(alice.leadId).toBe((await list('/api/leads?sort=asc')).items[0].id)
    expect(carol).toMatchObject({ amount: 100, currency: 'usd', clickId: clicks[1], shortId: links[1].shortId, leadId: null })
  })

  test('filters: customerId, linkId, partnerId (any of them) and dates (narrowing)', async () => {
    const alice = await customerId('user_1')
    expect((await list(`/api/leads?customerId=${alice}`)).items.map((l) => l.clickId)).toEqual([clicks[0]])
    expect((await list(`/api/sales?customerId=${alice}`)).items.map((l) => l.amount)).toEqual([4900])
    expect((await list(`/api/sales?linkId=${links[1].id}`)).items.map((l) => l.amount)).toEqual([100])
    expect((await list(`/api/leads?partnerId=${partnerId}`)).items.map((l) => l.clickId)).toEqual([clicks[2]])
    expect((await list(`/api/leads?customerId=${alice}&partnerId=${partnerId}`)).total).toBe(2)
    const [newest] = (await list('/api/leads')).items
    expect((await list(`/api/leads?startDate=${newest.createdAt}`)).items.map((l) => l.id)).toEqual([newest.id])
    expect((await list(`/api/leads?endDate=${newest.createdAt}`)).total).toBe(2)
    expect((await list('/api/leads?endDate=2020-01-01')).total).toBe(0)
    const page = await list('/api/sales?take=1&skip=1')
    expect(page.items).toHaveLength(1)
    expect(page.total).toBe(2)
  })

  test("another workspace's leads and sales are invisible, even by id", async () => {
    const alice = await customerId('user_1')
    expect(await list(`/api/leads?customerId=${alice}`, otherKey)).toEqual({ items: [], total: 0 })
    expect(await list(`/api/sales?linkId=${links[1].id}`, otherKey)).toEqual({ items: [], total: 0 })
    const theirs = await list('/api/leads', otherKey)
    expect(theirs.total).toBe(1)
    expect(theirs.items[0].customerId).not.toBe(alice)
    expect((await list('/api/sales', otherKey)).items.map((x) => x.amount)).toEqual([1])
  })

  test.each([
    ['/api/leads?customerId=nope', 'customerId: must be a valid UUID'],
    ['/api/sales?startDate=yesterday', 'startDate: must be an ISO 8601 date or date-time, such as 2024-01-31 or 2024-01-31T23:59:59Z'],
    ['/api/sales?startDate=2024-02-01&endDate=2024-01-01', 'endDate: must not be before startDate'],
    ['/api/leads?take=0', 'take: must be at least 1'],
    ['/api/leads?eventName=x', 'eventName: is not a known field'],
  ])('%s is a bilingual 400', async (path, message) => {
    await bad(path, message)
  })
})
