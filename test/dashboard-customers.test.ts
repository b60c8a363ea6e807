import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { UA } from './harness'
import { axe, haveChromium, type Lang, OWNER, pageScrollWidth, shot, startDashboard, type Dashboard, type DashPage } from './dashboard-harness'

/**
 * The customers list and a customer's page after a lead and sales tracked through the API: each
 * event with the click and the link it was attributed to; names and metadata sent by a website are text.
 */
let d: Dashboard
let links: any[]
let clicks: any[]
let ada: any
let mallory: any
const XSS = '<img src=x onerror="window.__xss=1">'

const json = async (res: Response) => {
  const body = await res.json()
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`)
  return body
}

describe.skipIf(!haveChromium)('dashboard customers', () => {
  beforeAll(async () => {
    d = await startDashboard({ env: { HOKO_TRUST_PROXY: '1' } })
    const s = d.s
    const [col] = await json(await s.api('/api/collections', { method: 'POST', json: [{ name: 'Shop' }] }))
    links = await json(
      await s.api('/api/links', { method: 'POST', json: [{ url: 'https://shop.example/a', collectionId: col.id }, { url: 'https://shop.example/b', collectionId: col.id }] }),
    )
    for (const l of links)
      await fetch(`${s.url}/${l.shortId}`, { redirect: 'manual', headers: { 'x-forwarded-for': '81.2.69.160', 'user-agent': UA.iphone } })
    clicks = await json(await s.api('/api/analytics?sort=asc'))
    expect(clicks.map((c: any) => c.linkId)).toEqual(links.map((l: any) => l.id))
    const track = (path: string, body: unknown) => s.api(path, { method: 'POST', json: body }).then(json)
    // Ada signs up through the first link, then buys (attributed through her lead) and buys again through the second link.
    ;({ customer: ada } = await track('/api/track/lead', {
      clickId: clicks[0].id,
      eventName: 'Sign up',
      customerExternalId: 'ada-1',
      customerName: 'Ada Lovelace',
      customerEmail: 'ada@example.com',
      metadata: { plan: 'pro' },
    }))
    await track('/api/track/sale', { customerExternalId: 'ada-1', customerName: 'Ada Lovelace', amount: 4999, currency: 'usd', eventName: 'Purchase' })
    await track('/api/track/sale', { customerExternalId: 'ada-1', customerName: 'Ada Lovelace', amount: 1500, currency: 'eur', eventName: 'Upgrade', clickId: clicks[1].id })
    // A hostile website names its customer with markup.
    ;({ customer: mallory } = await track('/api/track/lead', {
      clickId: clicks[1].id,
      eventName: XSS,
      customerExternalId: 'm-1',
      customerName: XSS,
      metadata: { note: XSS },
    }))
  }, 60_000)
  afterAll(async () => {
    await d?.stop()
  })

  const signIn = async (path: string, lang: Lang = 'en', width?: number): Promise<DashPage> => {
    const context = await d.context({ lang, width })
    await context.addCookies([{ name: 'hoko_lang', value: lang, url: d.url }])
    const page = await d.page(context)
    await d.login(page, OWNER.email, OWNER.password, path)
    return page
  }
  const cells = (page: DashPage, table: string) =>
    page.$$eval(`${table} tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent!.trim())))

  test('the list is searchable, and a customer page shows each lead and sale with its click and link', async () => {
    const page = await signIn('/app/customers')
    await page.waitForSelector('.customers tbody tr')
    expect((await cells(page, '.customers')).map((r) => r[0])).toEqual([XSS, 'Ada Lovelace'])
    expect(await page.textContent('.pager')).toContain('1–2 of 2')

    await page.fill('input[name=search]', 'ada@')
    await page.click('form[role=search] [type=submit]')
    await page.waitForURL((u) => u.searchParams.get('search') === 'ada@')
    await page.waitForFunction(() => document.querySelectorAll('.customers tbody tr').length === 1)
    expect((await cells(page, '.customers'))[0]!.slice(0, 3)).toEqual(['Ada Lovelace', 'ada@example.com', 'ada-1'])

    await page.click('.customers tbody a')
    await page.waitForURL((u) => u.pathname === `/app/customers/${ada.id}`)
    await page.waitForSelector('table.sales')
    expect(await page.textContent('main h1')).toBe('Ada Lovelace')
    const leads = await cells(page, 'table.leads')
    expect(leads.length).toBe(1)
    expect(leads[0]!.slice(1)).toEqual(['Sign up', links[0].shortId, clicks[0].id, '{"plan":"pro"}'])
    const sales = await cells(page, 'table.sales')
    // Newest first: the upgrade through the second link, then the purchase attributed through the lead's click.
    expect(sales.map((r) => r.slice(1))).toEqual([
      ['Upgrade', '€15.00', links[1].shortId, clicks[1].id, ''],
      ['Purchase', '$49.99', links[0].shortId, clicks[0].id, ''],
    ])
    // Money is one figure per currency, never added across currencies.
    expect(await page.$$eval('.details .money-list li', (lis) => lis.map((li) => li.textContent))).toEqual(['€15.00', '$49.99'])
    // The link opens that link's analytics.
    await page.click(`table.sales a:has-text("${links[1].shortId}")`)
    await page.waitForURL((u) => u.pathname === '/app/analytics' && u.searchParams.get('linkId') === links[1].id)
    await page.waitForFunction(() => document.querySelector('.stat .stat-value')?.textContent === '1')
    expect(page.offsite).toEqual([])
    expect(page.problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('names, event names and metadata from a website are text, never markup', async () => {
    const page = await signIn(`/app/customers/${mallory.id}`)
    await page.waitForSelector('table.leads')
    expect(await page.textContent('main h1')).toBe(XSS)
    expect((await cells(page, 'table.leads'))[0]!.slice(1)).toEqual([XSS, links[1].shortId, clicks[1].id, JSON.stringify({ note: XSS })])
    expect(await page.$$('main img')).toEqual([])
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined()
    await page.context().close()
  }, 60_000)

  test('an unknown customer id says so', async () => {
    const page = await signIn('/app/customers/01900000-0000-7000-8000-000000000000')
    await page.waitForSelector('[role=alert]')
    expect(await page.textContent('[role=alert]')).toBe('This customer does not exist in this workspace.')
    await page.context().close()
  }, 60_000)

  for (const lang of ['en', 'ar'] as const)
    test(`${lang}: axe finds nothing serious, the pages fit 375 px, screenshots`, async () => {
      const page = await signIn('/app/customers', lang)
      await page.waitForSelector('.customers tbody tr')
      expect(await page.getAttribute('html', 'dir')).toBe(lang === 'ar' ? 'rtl' : 'ltr')
      await shot(page, 'customers', lang)
      expect(await axe(page)).toEqual([])
      await page.goto(`/app/customers/${ada.id}`)
      await page.waitForSelector('table.sales')
      if (lang === 'ar') expect(await page.textContent('#customer-sales')).toContain('المبيعات')
      await shot(page, 'customer', lang)
      expect(await axe(page)).toEqual([])
      expect(page.offsite).toEqual([])
      expect(page.problems).toEqual([])
      await page.context().close()

      const phone = await signIn(`/app/customers/${ada.id}`, lang, 375)
      await phone.waitForSelector('table.sales')
      expect(await pageScrollWidth(phone)).toBeLessThanOrEqual(375)
      await shot(phone, 'customer-375', lang)
      await phone.goto('/app/customers')
      await phone.waitForSelector('.customers tbody tr')
      expect(await pageScrollWidth(phone)).toBeLessThanOrEqual(375)
      await phone.context().close()
    }, 90_000)
})
