import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ENDPOINTS, identifiersOf, label, type Prepared, send, type Session, storedData, userSession } from './endpoints'
import { removeDir, startServer, type TestServer, UA } from './harness'

/**
 * Two workspaces with the same kinds of data: nothing of one is visible to, usable by or changeable
 * by the other, through any endpoint.
 */
let s: TestServer
let mine: Record<string, string>
let theirKey: string
/** A user of theirs, logged in: the session-only endpoints are called with it. */
let theirSession: Session
let mineId: string

async function json(res: Promise<Response>) {
  const r = await res
  return { status: r.status, body: await r.json() }
}

async function seed(key: string, tag: string) {
  const post = async (path: string, body: unknown) => (await json(s.api(path, { method: 'POST', json: body, key }))).body
  const [collection] = await post('/api/collections', [{ name: `c-${tag}` }])
  const [tagRow] = await post('/api/tags', [{ name: `t-${tag}` }])
  const [partner] = await post('/api/partners', [{ name: `p-${tag}` }])
  const [link] = await post('/api/links', [{ url: 'https://example.com', collectionId: collection.id, partnerId: partner.id, tagIds: [tagRow.id], externalId: `ext-${tag}`, tenantId: `ten-${tag}` }])
  const res = await fetch(`${s.url}/${link.shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })
  const clickId = new URL(res.headers.get('location')!).searchParams.get('hoko_id')!
  const lead = await post('/api/track/lead', { clickId, eventName: 'Sign up', customerExternalId: `cust-${tag}`, customerName: 'C' })
  return { collection: collection.id, tag: tagRow.id, partner: partner.id, link: link.id, clickId, customer: lead.customer.id, customerExternal: `cust-${tag}`, externalId: `ext-${tag}`, tenantId: `ten-${tag}` }
}

beforeAll(async () => {
  s = await startServer({ env: { HOKO_RATE_LIMIT: '100000000', HOKO_KEYLESS_RATE_LIMIT: '0' } })
  s.cliJson(['workspace', 'create', '--name', 'Theirs'])
  theirKey = s.newKey('all', 'theirs')
  mine = await seed(s.key, 'mine')
  await seed(theirKey, 'theirs')
  theirSession = await userSession(s, theirKey)
  mineId = (await s.rows<{ id: string }>("SELECT id FROM workspaces WHERE slug = 'default'"))[0].id
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

describe('another workspace', () => {
  test('sees none of it through any GET filter', async () => {
    const empty = async (path: string) => expect((await json(s.api(path, { key: theirKey }))).body).toEqual([])
    await empty(`/api/links?id=${mine.link}`)
    await empty(`/api/links?externalId=${mine.externalId}`)
    await empty(`/api/links?tenantId=${mine.tenantId}`)
    await empty(`/api/links?partnerId=${mine.partner}`)
    await empty(`/api/links?tagId=${mine.tag}`)
    await empty(`/api/collections?id=${mine.collection}`)
    await empty(`/api/tags?id=${mine.tag}`)
    await empty(`/api/partners?id=${mine.partner}`)
    await empty(`/api/customers?id=${mine.customer}`)
    await empty(`/api/customers?externalId=${mine.customerExternal}`)
    await empty(`/api/analytics?linkId=${mine.link}`)
    await empty(`/api/analytics?partnerId=${mine.partner}`)
    const summary = (await json(s.api(`/api/analytics/summary?linkId=${mine.link}`, { key: theirKey }))).body
    expect(summary).toEqual({ clicks: 0, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} })
    const all = (await json(s.api('/api/analytics/summary', { key: theirKey }))).body
    expect(all.clicks).toBe(1)
  })

  test('cannot use it as a reference', async () => {
    const [theirCollection] = (await json(s.api('/api/collections', { key: theirKey }))).body
    for (const item of [
      { url: 'https://example.com', collectionId: mine.collection },
      { url: 'https://example.com', collectionId: theirCollection.id, partnerId: mine.partner },
      { url: 'https://example.com', collectionId: theirCollection.id, tagIds: [mine.tag] },
    ]) {
      const r = await json(s.api('/api/links', { method: 'POST', json: [item], key: theirKey }))
      expect(r.status).toBe(400)
      expect(r.body.error.en).toMatch(/no (collection|partner|tag) with id/)
    }
    const lead = await json(s.api('/api/track/lead', { method: 'POST', json: { clickId: mine.clickId, eventName: 'x', customerExternalId: 'z', customerName: 'z' }, key: theirKey }))
    expect(lead.status).toBe(400)
    const sale = await json(s.api('/api/track/sale', { method: 'POST', json: { clickId: mine.clickId, customerExternalId: 'z', customerName: 'z', amount: 1 }, key: theirKey }))
    expect(sale.status).toBe(400)
    // Its customer is not theirs either: the same externalId is a new customer over there.
    const deferred = await json(s.api('/api/track/lead', { method: 'POST', json: { clickId: '', eventName: 'x', customerExternalId: mine.customerExternal, customerName: 'z' }, key: theirKey }))
    expect(deferred.status).toBe(400)
  })

  test('cannot change or delete it', async () => {
    for (const [path, id] of [
      ['/api/links', mine.link],
      ['/api/collections', mine.collection],
      ['/api/tags', mine.tag],
      ['/api/partners', mine.partner],
    ] as const) {
      const item = path === '/api/links' ? { id, title: 'taken' } : { id, name: 'taken' }
      const put = await json(s.api(path, { method: 'PUT', json: [item], key: theirKey }))
      expect(put.status).toBe(400)
      const del = await json(s.api(path, { method: 'DELETE', json: [id], key: theirKey }))
      expect(del.status).toBe(400)
    }
    const [link] = (await json(s.api(`/api/links?id=${mine.link}`))).body
    expect(link.title).toBeNull()
    expect((await json(s.api(`/api/tags?id=${mine.tag}`))).body).toHaveLength(1)
  })
})

/**
 * Every endpoint, with the requests of the endpoint table: whatever the other workspace sends, be it
 * a request prepared with this workspace's ids or a valid request of its own, this workspace's
 * stored data stays as it was and none of its identifiers comes back, beyond those the request sent.
 */
describe('every endpoint, called by another workspace', () => {
  async function expectUntouched(req: unknown, call: () => Promise<Response>) {
    const before = await storedData(s, mineId)
    const res = await call()
    const text = await res.text()
    expect(res.status).toBeLessThan(500)
    const sent = JSON.stringify([(req as Prepared).query, (req as Prepared).body])
    const leaked = (await identifiersOf(s, mineId)).filter((id) => text.includes(id) && !sent.includes(id))
    expect(leaked).toEqual([])
    expect(await storedData(s, mineId)).toBe(before)
    return { status: res.status, text, type: res.headers.get('content-type') ?? '' }
  }

  // The admin's endpoints are instance-wide by design (the admin sees and serves every workspace).
  for (const e of ENDPOINTS.filter((x) => x.session !== 'admin')) {
    const theirs = () => (e.session ? theirSession : theirKey)
    test(`${label(e)}: a request naming this workspace's data neither changes nor reveals it`, async () => {
      const req = await e.prepare(s, s.key)
      const names = (await identifiersOf(s, mineId)).some((id) => JSON.stringify([(req as Prepared).query, (req as Prepared).body]).includes(id))
      const r = await expectUntouched(req, () => send(s, e, req, theirs()))
      // A write that names another workspace's records is refused; a read finds nothing.
      if (names && e.method !== 'GET') expect(r.status).toBe(400)
      if (names && e.method === 'GET') {
        expect(r.status).toBe(200)
        // Exports: a CSV of its header only, or no NDJSON line at all.
        if (r.type.startsWith('text/csv')) return expect(r.text.trimEnd().split('\n')).toHaveLength(1)
        if (r.type.startsWith('application/x-ndjson')) return expect(r.text).toBe('')
        const body = JSON.parse(r.text)
        if (Array.isArray(body)) expect(body).toEqual([])
        else expect(Object.values(body).every((v) => v === 0 || (Array.isArray(v) && v.length === 0))).toBe(true)
      }
    })

    test(`${label(e)}: a valid request of its own leaves this workspace alone`, async () => {
      const req = await e.prepare(s, theirKey)
      const r = await expectUntouched(req, () => send(s, e, req, req.session ?? theirKey))
      expect(r.status).toBe(e.ok)
    })
  }
})
