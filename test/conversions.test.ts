import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { expectBilingual, removeDir, startServer, type TestServer, UA } from './harness'
import { writeRows } from './write-rows'

let s: TestServer
let link: any
let partnerId: string

/** A real click through the redirect; returns its id. */
async function click(shortId = link.shortId, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${s.url}/${shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows, ...headers } })
  return new URL(res.headers.get('location')!).searchParams.get('hoko_id')!
}
const lead = (json: unknown, headers: Record<string, string> = {}, key?: string) =>
  s.api('/api/track/lead', { method: 'POST', json, headers, key })
const sale = (json: unknown, headers: Record<string, string> = {}, key?: string) =>
  s.api('/api/track/sale', { method: 'POST', json, headers, key })
async function ok(res: Promise<Response>) {
  const r = await res
  const body = await r.json()
  if (r.status !== 201) throw new Error(`${r.status} ${JSON.stringify(body)}`)
  return body
}
/** A 400 with its machine-readable code in X-Hoko-Error; returns the bilingual message. */
async function bad(res: Promise<Response>, code: string) {
  const r = await res
  expect(r.status).toBe(400)
  expect(r.headers.get('x-hoko-error')).toBe(code)
  return expectBilingual(await r.json())
}
async function count(table: 'leads' | 'sales' | 'customers'): Promise<number> {
  return (await s.rows<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0].n
}
const customer = async (externalId: string) =>
  (await (await s.api(`/api/customers?externalId=${encodeURIComponent(externalId)}`)).json())[0]

beforeAll(async () => {
  s = await startServer({ env: { HOKO_TRUST_PROXY: '1', HOKO_BASE_URL: 'https://go.example.test' } })
  const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'c' }] })).json()
  ;[{ id: partnerId }] = await (await s.api('/api/partners', { method: 'POST', json: [{ name: 'Affiliate' }] })).json()
  ;[link] = await (
    await s.api('/api/links', {
      method: 'POST',
      json: [{ url: 'https://example.com', collectionId: col.id, partnerId, tenantId: 'tenant_456', externalId: 'ext_789' }],
    })
  ).json()
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

describe('POST /api/track/lead', () => {
  test('the documented example: 201 with click, full link, lead and customer', async () => {
    const clickId = await click()
    const body = await ok(
      lead({ clickId, eventName: 'Sign up', customerExternalId: 'customer_123', customerName: 'John Doe', customerEmail: 'john@example.com', metadata: { source: 'website' } }),
    )
    expect(Object.keys(body)).toEqual(['click', 'link', 'lead', 'customer'])
    expect(body.click).toEqual({ id: clickId })
    const [full] = await (await s.api(`/api/links?id=${link.id}`)).json()
    expect(body.link).toEqual(full)
    expect(body.link).toMatchObject({ partnerId, tenantId: 'tenant_456', externalId: 'ext_789', shortUrl: `https://go.example.test/${link.shortId}` })
    expect(body.lead).toEqual({ eventName: 'Sign up', metadata: { source: 'website' } })
    expect(Object.keys(body.customer)).toEqual(['id', 'name', 'email', 'phone', 'avatar', 'externalId'])
    expect(body.customer).toMatchObject({ name: 'John Doe', email: 'john@example.com', phone: null, avatar: null, externalId: 'customer_123' })
    expect(body.customer.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/)

    const [row] = await s.rows('SELECT * FROM leads WHERE click_id = ?', [clickId])
    expect(row).toMatchObject({ event_name: 'Sign up', link_id: link.id, partner_id: partnerId, customer_id: body.customer.id })
    expect(JSON.parse(row.metadata)).toEqual({ source: 'website' })
  })

  test('an unknown click id is the documented 400', async () => {
    const e = await bad(lead({ clickId: 'invalid-click-id', eventName: 'Sign up', customerExternalId: 'customer_123', customerName: 'John Doe' }), 'click_not_found')
    expect(e).toEqual({
      en: 'Click ID invalid-click-id not found or does not belong to your workspace',
      ar: 'معرف النقرة invalid-click-id غير موجود أو لا ينتمي إلى مساحة العمل الخاصة بك',
    })
  })

  test("another workspace's click id is refused the same way", async () => {
    s.cliJson(['workspace', 'create', '--name', 'Other'])
    const key = s.newKey('all', 'other')
    const clickId = await click()
    const e = await bad(lead({ clickId, eventName: 'x', customerExternalId: 'c-other', customerName: 'X' }, {}, key), 'click_not_found')
    expect(e.en).toBe(`Click ID ${clickId} not found or does not belong to your workspace`)
    const res = await s.api('/api/customers?externalId=c-other', { key })
    expect(await res.json()).toEqual([])
  })

  test('deferred tracking ("") uses the click of the customer\'s most recent lead, and fails without one', async () => {
    const first = await click()
    const second = await click()
    await ok(lead({ clickId: first, eventName: 'Visit', customerExternalId: 'deferred', customerName: 'D' }))
    await ok(lead({ clickId: second, eventName: 'Trial', customerExternalId: 'deferred', customerName: 'D' }))
    const deferred = await ok(lead({ clickId: '', eventName: 'Sign up', customerExternalId: 'deferred', customerName: 'D' }))
    expect(deferred.click.id).toBe(second)

    const before = [await count('leads'), await count('customers')]
    const e = await bad(lead({ clickId: '', eventName: 'Sign up', customerExternalId: 'nobody-yet', customerName: 'N' }), 'no_earlier_lead')
    expect(e).toEqual({
      en: 'clickId: customer nobody-yet has no earlier lead to attribute a deferred lead ("") to; send the clickId',
      ar: 'clickId: لا يوجد للعميل nobody-yet عميل محتمل سابق لنسب هذا الحدث المؤجل ("") إليه؛ أرسل معرف النقرة clickId',
    })
    expect([await count('leads'), await count('customers')]).toEqual(before)
  })

  test('the customer is upserted: name set, email and avatar set or cleared, phone untouched', async () => {
    const clickId = await click()
    const a = await ok(
      lead({ clickId, eventName: 'a', customerExternalId: 'upsert-me', customerName: 'First', customerEmail: 'a@example.com', customerAvatar: 'https://example.com/a.png' }),
    )
    const created = await customer('upsert-me')
    expect(created).toMatchObject({ id: a.customer.id, name: 'First', email: 'a@example.com', avatar: 'https://example.com/a.png', phone: null })
    expect(created.createdAt).toBe(created.updatedAt)
    await writeRows(s, "UPDATE customers SET phone = '+966500000000' WHERE id = ?", [a.customer.id])
    await Bun.sleep(5)

    const b = await ok(lead({ clickId, eventName: 'b', customerExternalId: 'upsert-me', customerName: 'Second' }))
    expect(b.customer).toMatchObject({ id: a.customer.id, name: 'Second', email: 'a@example.com', avatar: 'https://example.com/a.png', phone: '+966500000000' })
    const c = await ok(lead({ clickId, eventName: 'c', customerExternalId: 'upsert-me', customerName: 'Third', customerEmail: null, customerAvatar: null }))
    expect(c.customer).toMatchObject({ name: 'Third', email: null, avatar: null, phone: '+966500000000' })
    const after = await customer('upsert-me')
    expect(after.createdAt).toBe(created.createdAt)
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt))
  })

  test.each([
    [[], 'lead: must be an object'],
    [{ eventName: 'x', customerExternalId: 'c', customerName: 'n' }, 'clickId: is required'],
    [{ clickId: 'c', customerExternalId: 'c', customerName: 'n' }, 'eventName: is required'],
    [{ clickId: 'c', eventName: '', customerExternalId: 'c', customerName: 'n' }, 'eventName: must be at least 1 character long'],
    [{ clickId: 'c', eventName: 'e'.repeat(256), customerExternalId: 'c', customerName: 'n' }, 'eventName: must be at most 255 characters long'],
    [{ clickId: 'c', eventName: 'e', customerName: 'n' }, 'customerExternalId: is required'],
    [{ clickId: 'c', eventName: 'e', customerExternalId: 'x'.repeat(101), customerName: 'n' }, 'customerExternalId: must be at most 100 characters long'],
    [{ clickId: 'c', eventName: 'e', customerExternalId: 'c' }, 'customerName: is required'],
    [{ clickId: 'c', eventName: 'e', customerExternalId: 'c', customerName: 'n'.repeat(101) }, 'customerName: must be at most 100 characters long'],
    [{ clickId: 'c', eventName: 'e', customerExternalId: 'c', customerName: 'n', customerEmail: 'nope' }, 'customerEmail: must be a valid email address'],
    [{ clickId: 'c', eventName: 'e', customerExternalId: 'c', customerName: 'n', customerAvatar: 'javascript:x' }, 'customerAvatar: must be an absolute http or https URL'],
    [{ clickId: 'c', eventName: 'e', customerExternalId: 'c', customerName: 'n', metadata: [1] }, 'metadata: must be an object'],
    [{ clickId: 'c', eventName: 'e', customerExternalId: 'c', customerName: 'n', metadata: { big: 'x'.repeat(10_001) } }, 'metadata: must be at most 10000 bytes as JSON'],
    [{ clickId: 'c', eventName: 'e', customerExternalId: 'c', customerName: 'n', amount: 5 }, 'amount: is not a known field'],
  ])('%p is a 400: %s', async (body, message) => {
    expect((await bad(lead(body), 'validation')).en).toBe(message)
  })
})

describe('POST /api/track/sale', () => {
  test('the documented example, attributed to the customer\'s most recent lead', async () => {
    const clickId = await click()
    await ok(lead({ clickId, eventName: 'Sign up', customerExternalId: 'sale-cust', customerName: 'John Doe' }))
    const body = await ok(
      sale({ customerExternalId: 'sale-cust', amount: 12900, currency: 'usd', eventName: 'Invoice paid', customerName: 'John Doe', customerEmail: 'john@example.com', metadata: { invoiceId: 'inv_123' } }),
    )
    expect(Object.keys(body)).toEqual(['click', 'link', 'customer', 'sale'])
    expect(body.click).toEqual({ id: clickId })
    expect(body.link.id).toBe(link.id)
    expect(body.customer).toMatchObject({ name: 'John Doe', email: 'john@example.com', externalId: 'sale-cust' })
    expect(body.sale).toEqual({ amount: 12900, currency: 'usd', eventName: 'Invoice paid', metadata: { invoiceId: 'inv_123' } })
  })

  test('currency defaults to usd and is stored lower-case; eventName defaults to Purchase', async () => {
    const clickId = await click()
    const a = await ok(sale({ customerExternalId: 'defaults', amount: 0, customerName: 'D', clickId }))
    expect(a.sale).toEqual({ amount: 0, currency: 'usd', eventName: 'Purchase', metadata: null })
    const b = await ok(sale({ customerExternalId: 'defaults', amount: 500, currency: 'SAR', customerName: 'D', clickId }))
    expect(b.sale.currency).toBe('sar')
  })

  test('attribution order: leadEventName, then clickId, then the most recent lead', async () => {
    const [c1, c2, c3] = [await click(), await click(), await click()]
    await ok(lead({ clickId: c1, eventName: 'Sign up', customerExternalId: 'order', customerName: 'O' }))
    await ok(lead({ clickId: c2, eventName: 'Demo', customerExternalId: 'order', customerName: 'O' }))
    // leadEventName wins over clickId
    expect((await ok(sale({ customerExternalId: 'order', customerName: 'O', amount: 1, leadEventName: 'Sign up', clickId: c3 }))).click.id).toBe(c1)
    // clickId wins over the most recent lead
    expect((await ok(sale({ customerExternalId: 'order', customerName: 'O', amount: 1, clickId: c3 }))).click.id).toBe(c3)
    // the most recent lead (Demo) otherwise
    expect((await ok(sale({ customerExternalId: 'order', customerName: 'O', amount: 1 }))).click.id).toBe(c2)
    // an unknown lead name falls through to the next rule
    expect((await ok(sale({ customerExternalId: 'order', customerName: 'O', amount: 1, leadEventName: 'Nope' }))).click.id).toBe(c2)
    const leadIds = await s.rows("SELECT s.lead_id, l.event_name FROM sales s LEFT JOIN leads l ON l.id = s.lead_id JOIN customers c ON c.id = s.customer_id WHERE c.external_id = 'order' ORDER BY s.created_at, s.id")
    expect(leadIds.map((r: any) => r.event_name)).toEqual(['Sign up', null, 'Demo', 'Demo'])
  })

  test('without a lead or a click the sale is a 400 and nothing is written', async () => {
    const before = [await count('sales'), await count('customers')]
    const e = await bad(sale({ customerExternalId: 'no-attribution', amount: 100, customerName: 'N' }), 'sale_unattributable')
    expect(e).toEqual({
      en: 'Cannot attribute this sale: customer no-attribution has no lead, and no clickId was sent',
      ar: 'تعذّر نسب هذا البيع: لا يوجد للعميل no-attribution أي عميل محتمل، ولم يُرسل معرف النقرة clickId',
    })
    const named = await bad(sale({ customerExternalId: 'no-attribution', amount: 100, customerName: 'N', leadEventName: 'Sign up' }), 'sale_unattributable')
    expect(named).toEqual({
      en: 'Cannot attribute this sale: customer no-attribution has no lead named "Sign up", no lead, and no clickId was sent',
      ar: 'تعذّر نسب هذا البيع: لا يوجد عميل محتمل باسم "Sign up"، لا يوجد للعميل no-attribution أي عميل محتمل، ولم يُرسل معرف النقرة clickId',
    })
    expect((await bad(sale({ customerExternalId: 'no-attribution', amount: 100, customerName: 'N', clickId: 'nope' }), 'click_not_found')).en).toBe(
      'Click ID nope not found or does not belong to your workspace',
    )
    expect([await count('sales'), await count('customers')]).toEqual(before)
    expect(await customer('no-attribution')).toBeUndefined()
  })

  test.each([
    [{ customerExternalId: 'c', amount: -100, customerName: 'John Doe' }, 'amount: must be at least 0'],
    [{ customerExternalId: 'c', amount: 12.5, customerName: 'n' }, 'amount: must be a whole number (the amount in the smallest currency unit, such as cents)'],
    [{ customerExternalId: 'c', amount: '100', customerName: 'n' }, 'amount: must be a number'],
    [{ customerExternalId: 'c', customerName: 'n' }, 'amount: is required'],
    [{ customerExternalId: 'c', amount: 1, customerName: 'n', currency: 'dollars' }, 'currency: must be a 3-letter currency code such as usd'],
    [{ customerExternalId: 'c', amount: 1, customerName: 'n', eventName: '' }, 'eventName: must be at least 1 character long'],
    [{ customerExternalId: 'c', amount: 1 }, 'customerName: is required'],
    [[{ customerExternalId: 'c', amount: 1, customerName: 'n' }], 'sale: must be an object'],
  ])('%p is a 400: %s', async (body, message) => {
    expect((await bad(sale(body), 'validation')).en).toBe(message)
  })
})

describe('Idempotency-Key', () => {
  test('a retried lead returns the first answer and records nothing twice', async () => {
    const clickId = await click()
    const body = { clickId, eventName: 'Sign up', customerExternalId: 'idem', customerName: 'I' }
    const first = await lead(body, { 'idempotency-key': 'lead-retry-1' })
    const firstBody = await first.json()
    const leads = await count('leads')
    const again = await lead(body, { 'idempotency-key': 'lead-retry-1' })
    expect(again.status).toBe(201)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(await again.json()).toEqual(firstBody)
    expect(await count('leads')).toBe(leads)
    // Without the key, the same request is a new lead.
    await ok(lead(body))
    expect(await count('leads')).toBe(leads + 1)
  })

  test('parallel retries of a sale record one sale', async () => {
    const clickId = await click()
    const body = { customerExternalId: 'idem-sale', amount: 999, customerName: 'S', clickId }
    const sales = await count('sales')
    const answers = await Promise.all(Array.from({ length: 10 }, () => sale(body, { 'idempotency-key': 'sale-once' }).then((r) => r.json())))
    expect(await count('sales')).toBe(sales + 1)
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1)
  })

  test('the same key with another request, or a malformed key, is a 400', async () => {
    const clickId = await click()
    await ok(lead({ clickId, eventName: 'A', customerExternalId: 'k', customerName: 'K' }, { 'idempotency-key': 'reused' }))
    const again = { clickId, eventName: 'B', customerExternalId: 'k', customerName: 'K' }
    expect(await bad(lead(again, { 'idempotency-key': 'reused' }), 'idempotency_key_reused')).toEqual({
      en: 'Idempotency-Key: this key was already used with a different request',
      ar: 'Idempotency-Key: هذا المفتاح استُخدم من قبل مع طلب مختلف',
    })
    expect(await bad(lead(again, { 'idempotency-key': 'x'.repeat(256) }), 'idempotency_key_invalid')).toEqual({
      en: 'Idempotency-Key: must be 1 to 255 printable ASCII characters',
      ar: 'Idempotency-Key: يجب أن يتكون من 1 إلى 255 حرفًا من أحرف ASCII القابلة للطباعة',
    })
  })

  test('keys are per workspace', async () => {
    s.cliJson(['workspace', 'create', '--name', 'Idem Two'])
    const key = s.newKey('all', 'idem-two')
    const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'c' }], key })).json()
    const [l] = await (await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com', collectionId: col.id }], key })).json()
    const clickId = await click(l.shortId)
    const res = await lead({ clickId, eventName: 'Sign up', customerExternalId: 'w2', customerName: 'W' }, { 'idempotency-key': 'lead-retry-1' }, key)
    expect(res.status).toBe(201)
    expect(res.headers.get('idempotent-replayed')).toBeNull()
  })
})

describe('the funnel in /api/analytics/summary', () => {
  test('leads, sales and revenue are counted per link, partner and country of their click', async () => {
    s.cliJson(['workspace', 'create', '--name', 'Funnel'])
    const key = s.newKey('all', 'funnel')
    const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'c' }], key })).json()
    const [p] = await (await s.api('/api/partners', { method: 'POST', json: [{ name: 'P' }], key })).json()
    const [a, b] = await (
      await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com/a', collectionId: col.id, partnerId: p.id }, { url: 'https://example.com/b', collectionId: col.id }], key })
    ).json()
    const us = await click(a.shortId, { 'x-forwarded-for': '8.8.8.8' })
    const sa = await click(a.shortId, { 'x-forwarded-for': '5.42.250.1' })
    await click(b.shortId, { 'x-forwarded-for': '8.8.8.8' })
    await ok(lead({ clickId: us, eventName: 'Sign up', customerExternalId: 'f1', customerName: 'F' }, {}, key))
    await ok(lead({ clickId: sa, eventName: 'Sign up', customerExternalId: 'f2', customerName: 'F' }, {}, key))
    await ok(sale({ customerExternalId: 'f1', amount: 1000, customerName: 'F' }, {}, key))
    await ok(sale({ customerExternalId: 'f1', amount: 500, currency: 'EUR', customerName: 'F' }, {}, key))
    await ok(sale({ customerExternalId: 'f2', amount: 250, customerName: 'F' }, {}, key))

    // saleAmount adds amounts as sent; saleAmountByCurrency keeps each currency apart.
    const get = async (q: string) => (await s.api(`/api/analytics/summary${q}`, { key })).json()
    expect(await get('')).toEqual({ clicks: 3, leads: 2, sales: 3, saleAmount: 1750, saleAmountByCurrency: { usd: 1250, eur: 500 } })
    expect(await get('?groupBy=link')).toEqual([
      { key: a.id, clicks: 2, leads: 2, sales: 3, saleAmount: 1750, saleAmountByCurrency: { usd: 1250, eur: 500 } },
      { key: b.id, clicks: 1, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} },
    ])
    expect(await get('?groupBy=partner')).toEqual([
      { key: p.id, clicks: 2, leads: 2, sales: 3, saleAmount: 1750, saleAmountByCurrency: { usd: 1250, eur: 500 } },
      { key: null, clicks: 1, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} },
    ])
    expect(await get('?groupBy=country')).toEqual([
      { key: 'US', clicks: 2, leads: 1, sales: 2, saleAmount: 1500, saleAmountByCurrency: { usd: 1000, eur: 500 } },
      { key: 'SA', clicks: 1, leads: 1, sales: 1, saleAmount: 250, saleAmountByCurrency: { usd: 250 } },
    ])
    expect(await get(`?linkId=${b.id}`)).toEqual({ clicks: 1, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} })
    const today = new Date().toISOString().slice(0, 10)
    expect(await get('?groupBy=day')).toEqual([{ key: today, clicks: 3, leads: 2, sales: 3, saleAmount: 1750, saleAmountByCurrency: { usd: 1250, eur: 500 } }])
  })
})
