import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { expectBilingual, removeDir, startServer, type TestServer, UA } from './harness'
import { ROLLUP_PROGRESS } from './clicks-sql'

/**
 * The dashboard's analytics filters: collectionId, tagId, country, device. Different filters narrow
 * each other (AND), the values of one filter widen (OR); the summary answers the same from the
 * rollups as from the clicks table.
 */
let s: TestServer
let otherKey: string
const col: Record<string, string> = {}
const tag: Record<string, string> = {}
const link: Record<string, any> = {}
let partnerId: string

const US = '8.8.8.8'
const US2 = '8.8.4.4'
const SA = '5.42.250.1'

async function click(shortId: string, ua: string, ip: string): Promise<string> {
  const res = await fetch(`${s.url}/${shortId}`, { redirect: 'manual', headers: { 'user-agent': ua, 'x-forwarded-for': ip } })
  return new URL(res.headers.get('location')!).searchParams.get('hoko_id')!
}
async function get(path: string, key?: string) {
  const res = await s.api(path, { key })
  const body = await res.json()
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`)
  return { body, total: res.headers.get('x-total-count') }
}
const summary = async (query: string) => (await get(`/api/analytics/summary?${query}`)).body

/** Waits until the rollup thread has counted every click. */
async function rolledUp() {
  for (let i = 0; i < 200; i++) {
    const [{ mark, last }] = await s.rows<{ mark: number | null; last: number | null }>(ROLLUP_PROGRESS)
    if (mark === last) return
    await Bun.sleep(25)
  }
  throw new Error('the rollups did not catch up')
}

beforeAll(async () => {
  s = await startServer({ env: { HOKO_TRUST_PROXY: '1' } })
  s.cliJson(['workspace', 'create', '--name', 'Other'])
  otherKey = s.newKey('all', 'other')
  const cols = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'one' }, { name: 'two' }] })).json()
  ;[col.one, col.two] = cols.map((c: any) => c.id)
  const tags = await (await s.api('/api/tags', { method: 'POST', json: [{ name: 't1' }, { name: 't2' }] })).json()
  ;[tag.t1, tag.t2] = tags.map((t: any) => t.id)
  ;[{ id: partnerId }] = await (await s.api('/api/partners', { method: 'POST', json: [{ name: 'P' }] })).json()
  const links = await (
    await s.api('/api/links', {
      method: 'POST',
      json: [
        { url: 'https://example.com/a', collectionId: col.one, tagIds: [tag.t1] },
        { url: 'https://example.com/b', collectionId: col.two, tagIds: [tag.t1, tag.t2], partnerId },
        { url: 'https://example.com/d', collectionId: col.two },
      ],
    })
  ).json()
  ;[link.a, link.b, link.d] = links
  // a: US desktop, SA mobile (lead) · b (partner): US mobile (sale), SA desktop, a bot · d: US tablet
  await click(link.a.shortId, UA.chromeWindows, US)
  const leadClick = await click(link.a.shortId, UA.iphone, SA)
  const saleClick = await click(link.b.shortId, UA.android, US2)
  await click(link.b.shortId, UA.chromeWindows, SA)
  await click(link.b.shortId, UA.googlebot, US)
  await click(link.d.shortId, UA.ipad, US)
  const lead = await s.api('/api/track/lead', {
    method: 'POST',
    json: { clickId: leadClick, eventName: 'Sign up', customerExternalId: 'c1', customerName: 'One' },
  })
  expect(lead.status).toBe(201)
  const sale = await s.api('/api/track/sale', {
    method: 'POST',
    json: { clickId: saleClick, amount: 1000, customerExternalId: 'c2', customerName: 'Two' },
  })
  expect(sale.status).toBe(201)
  await rolledUp()
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

// The one sale is in usd (the default currency).
const totals = (clicks: number, leads = 0, sales = 0, saleAmount = 0) => ({ clicks, leads, sales, saleAmount, saleAmountByCurrency: saleAmount ? { usd: saleAmount } : {} })

describe('GET /api/analytics/summary filters', () => {
  test.each([
    ['no filter', '', totals(5, 1, 1, 1000)],
    ['one country', 'country=SA', totals(2, 1)],
    ['a lower-case country code', 'country=sa', totals(2, 1)],
    ['two countries, comma-separated (OR)', 'country=SA,US', totals(5, 1, 1, 1000)],
    ['two countries, repeated (OR)', 'country=SA&country=US', totals(5, 1, 1, 1000)],
    ['a country with no clicks', 'country=FR', totals(0)],
    ['one device', 'device=mobile', totals(2, 1, 1, 1000)],
    ['two devices', 'device=tablet,desktop', totals(3)],
    ['country and device (AND)', 'country=US&device=mobile', totals(1, 0, 1, 1000)],
    ['a collection', `collectionId=${'two'}`, totals(3, 0, 1, 1000)],
    ['two collections', 'collectionId=one,two', totals(5, 1, 1, 1000)],
    ['a tag', 'tagId=t1', totals(4, 1, 1, 1000)],
    ['another tag', 'tagId=t2', totals(2, 0, 1, 1000)],
    ['collection and tag (AND)', 'collectionId=two&tagId=t1', totals(2, 0, 1, 1000)],
    ['tag and country (AND)', 'tagId=t2&country=SA', totals(1)],
    ['link and country (AND)', 'linkId=a&country=SA', totals(1, 1)],
    ['a partner', 'partnerId=P', totals(2, 0, 1, 1000)],
    ['partner and country (AND)', 'partnerId=P&country=SA', totals(1)],
    ['link or partner (either, as in the spec)', 'linkId=a&partnerId=P', totals(4, 1, 1, 1000)],
    ['link or partner, then a collection', 'linkId=a&partnerId=P&collectionId=one', totals(2, 1)],
  ])('%s', async (_, query, expected) => {
    const real = query
      .replace(/collectionId=([a-z,]+)/, (_, names) => `collectionId=${names.split(',').map((n: string) => col[n]).join(',')}`)
      .replace(/tagId=([a-z0-9,]+)/, (_, names) => `tagId=${names.split(',').map((n: string) => tag[n]).join(',')}`)
      .replace(/linkId=([a-z])/, (_, n) => `linkId=${link[n].id}`)
      .replace('partnerId=P', `partnerId=${partnerId}`)
    expect(await summary(real)).toEqual(expected)
    // The same clicks, whichever way they are read: rollups (totals, by day), the clicks table (by link), the list.
    const byDay = await summary(`${real}&groupBy=day`)
    const byLink = await summary(`${real}&groupBy=link`)
    const sum = (rows: any[]) => rows.reduce((n, r) => n + r.clicks, 0)
    expect(sum(byDay)).toBe(expected.clicks)
    expect(sum(byLink)).toBe(expected.clicks)
    const list = await get(`/api/analytics?${real}&take=100`)
    expect(list.body).toHaveLength(expected.clicks)
    expect(list.total).toBe(String(expected.clicks))
  })

  test('grouped by the filtered dimension, only its values', async () => {
    expect(await summary('country=SA&groupBy=country')).toEqual([{ key: 'SA', ...totals(2, 1) }])
    expect(await summary('device=mobile,tablet&groupBy=device')).toEqual([
      { key: 'mobile', ...totals(2, 1, 1, 1000) },
      { key: 'tablet', ...totals(1) },
    ])
  })

  test('grouped by another dimension than the filtered one', async () => {
    // Equal clicks: more sales first, then by key.
    expect(await summary('country=US&groupBy=device')).toEqual([
      { key: 'mobile', ...totals(1, 0, 1, 1000) },
      { key: 'desktop', ...totals(1) },
      { key: 'tablet', ...totals(1) },
    ])
    expect(await summary(`collectionId=${col.two}&groupBy=country`)).toEqual([
      { key: 'US', ...totals(2, 0, 1, 1000) },
      { key: 'SA', ...totals(1) },
    ])
  })

  test('a click after the rollups is counted at once', async () => {
    const before = (await summary('country=SA')).clicks
    await click(link.d.shortId, UA.iphone, SA)
    expect((await summary('country=SA')).clicks).toBe(before + 1)
    expect((await summary('country=SA&device=mobile')).clicks).toBe(2)
  })

  test('an id of another workspace, or of nothing, selects no clicks (not an error)', async () => {
    expect(await summary(`collectionId=${crypto.randomUUID()}`)).toEqual(totals(0))
    expect((await get(`/api/analytics/summary?collectionId=${col.two}`, otherKey)).body).toEqual(totals(0))
    expect((await get(`/api/analytics?tagId=${tag.t1}`, otherKey)).body).toEqual([])
  })
})

describe('bad filters are bilingual 400s', () => {
  test.each([
    ['country=XX', 'country[0]: is not an ISO 3166-1 alpha-2 country code (such as SA or US)'],
    ['country=SA,USA', 'country[1]: is not an ISO 3166-1 alpha-2 country code (such as SA or US)'],
    ['device=phone', 'device[0]: must be one of: desktop, mobile, tablet, console, smarttv, wearable, embedded'],
    ['collectionId=nope', 'collectionId[0]: must be a valid UUID'],
    ['tagId=1,2', 'tagId[0]: must be a valid UUID'],
    [`country=${Array(251).fill('SA').join(',')}`, 'country: must contain at most 250 items'],
  ])('%s', async (query, message) => {
    for (const path of ['/api/analytics', '/api/analytics/summary']) {
      const res = await s.api(`${path}?${query}`)
      expect(res.status).toBe(400)
      expect(res.headers.get('x-hoko-error')).toBe('validation')
      expect(expectBilingual(await res.json()).en).toBe(message)
    }
  })
})

describe('X-Total-Count on GET /api/analytics', () => {
  test('counts every click the filters select, whatever take and skip', async () => {
    const all = await get('/api/analytics?take=2&skip=1')
    expect(all.body).toHaveLength(2)
    const n = Number(all.total)
    expect((await get('/api/analytics?take=10000')).body).toHaveLength(n)
    const sa = await get('/api/analytics?country=SA&take=1')
    expect(sa.body).toHaveLength(1)
    expect(sa.body[0].countryCode).toBe('SA')
    expect(Number(sa.total)).toBe((await summary('country=SA')).clicks)
  })
})
