import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { UA } from './harness'
import { axe, haveChromium, type Lang, OWNER, pageScrollWidth, shot, startDashboard, type Dashboard, type DashPage } from './dashboard-harness'

/**
 * The analytics and partner performance pages over clicks made through real redirects, located by a
 * trusted X-Forwarded-For (the right-most entry is the visitor; 81.2.69.160 is in the United Kingdom,
 * 8.8.8.8 in the United States, 5.42.250.1 in Saudi Arabia), with a lead and sales in two currencies.
 */
let d: Dashboard
let links: any[]
let partner: any
let other: any
const XSS = '<img src=x onerror="window.__xss=1">'

const json = async (res: Response) => {
  const body = await res.json()
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`)
  return body
}

describe.skipIf(!haveChromium)('dashboard analytics', () => {
  beforeAll(async () => {
    d = await startDashboard({ env: { HOKO_TRUST_PROXY: '1' } })
    const s = d.s
    const [col] = await json(await s.api('/api/collections', { method: 'POST', json: [{ name: 'Spring' }] }))
    ;[partner, other] = await json(await s.api('/api/partners', { method: 'POST', json: [{ name: 'Acme Affiliates' }, { name: XSS }] }))
    links = await json(
      await s.api('/api/links', {
        method: 'POST',
        json: [
          { url: 'https://shop.example/a', collectionId: col.id, partnerId: partner.id, title: 'Spring sale' },
          { url: 'https://shop.example/b', collectionId: col.id, partnerId: other.id },
        ],
      }),
    )
    const visit = (i: number, ip: string, ua: string, more: Record<string, string> = {}, query = '') =>
      fetch(`${s.url}/${links[i].shortId}${query}`, { redirect: 'manual', headers: { 'x-forwarded-for': `10.0.0.1, ${ip}`, 'user-agent': ua, ...more } })
    for (const r of [
      await visit(0, '81.2.69.160', UA.chromeWindows, { referer: `https://news.example.org/${XSS}` }),
      await visit(0, '81.2.69.160', UA.iphone),
      await visit(0, '81.2.69.160', UA.chromeWindows, {}, '?qr=1'),
      await visit(0, '8.8.8.8', UA.android, {}, '?utm_source=newsletter'),
      await visit(1, '5.42.250.1', UA.iphone),
    ])
      expect(r.status).toBe(302)
    const clicks = await json(await s.api(`/api/analytics?linkId=${links[0].id}&sort=asc`))
    const track = (path: string, body: unknown) => s.api(path, { method: 'POST', json: body }).then(json)
    await track('/api/track/lead', { clickId: clicks[0].id, eventName: 'Sign up', customerExternalId: 'c1', customerName: 'Ada' })
    await track('/api/track/sale', { customerExternalId: 'c1', customerName: 'Ada', amount: 4999, currency: 'usd' })
    await track('/api/track/sale', { customerExternalId: 'c1', customerName: 'Ada', amount: 1500, currency: 'EUR' })
  }, 60_000)
  afterAll(async () => {
    await d?.stop()
  })

  /** A signed-in page on `path` (logged in through the form, which leads there). */
  const signIn = async (path: string, lang: Lang = 'en', width?: number): Promise<DashPage> => {
    const context = await d.context({ lang, width })
    // The language switch's cookie: it outranks the account's language, as a chosen language should.
    await context.addCookies([{ name: 'hoko_lang', value: lang, url: d.url }])
    const page = await d.page(context)
    await d.login(page, OWNER.email, OWNER.password, path)
    return page
  }
  const open = async (path: string, lang: Lang = 'en', width?: number): Promise<DashPage> => {
    const page = await signIn(path, lang, width)
    await page.waitForSelector('#top-country ~ ol, #top-country ~ p')
    return page
  }

  /** The top list under a heading, as [label, figure] pairs. */
  const topList = (page: DashPage, group: string) =>
    page.$$eval(`#top-${group} ~ ol > li`, (lis) =>
      lis.map((li) => [li.querySelector('.toplist-label')!.textContent!.trim(), li.querySelector('.toplist-value')!.textContent!.trim()]),
    )

  test('counts clicks by country from a trusted X-Forwarded-For, and draws the chart', async () => {
    const page = await open('/app/analytics?range=7d')
    expect(await topList(page, 'country')).toEqual([
      ['United Kingdom', '3'],
      ['Saudi Arabia', '1'],
      ['United States', '1'],
    ])
    expect(await topList(page, 'qr')).toEqual([
      ['Link', '4'],
      ['QR code', '1'],
    ])
    expect(await topList(page, 'utm_source')).toEqual([
      ['None', '4'],
      ['newsletter', '1'],
    ])
    // Totals, the funnel and revenue one figure per currency, never added up.
    const stats = await page.$$eval('.stat', (els) => els.map((e) => e.textContent!.trim()))
    expect(stats.slice(0, 3)).toEqual(['Clicks5', 'Leads1', 'Sales2'])
    expect(await page.$$eval('.stat .money-list li', (els) => els.map((e) => e.textContent))).toEqual(['€15.00', '$49.99'])
    expect(await page.$$eval('.funnel li', (els) => els.map((e) => e.querySelector('.funnel-value')!.textContent))).toEqual(['5', '1', '2'])

    // uPlot drew on a canvas of real size, with a line per series: clicks, leads, sales, revenue in EUR and USD.
    const canvas = await page.$eval('.chart-canvas canvas', (c) => ({ w: (c as HTMLCanvasElement).width, h: (c as HTMLCanvasElement).height }))
    expect(canvas.w).toBeGreaterThan(100)
    expect(canvas.h).toBeGreaterThan(100)
    expect(await page.$$eval('.chart-legend li:not(.chart-legend-time)', (els) => els.map((e) => e.textContent))).toEqual([
      'Clicks: 5',
      'Leads: 1',
      'Sales: 2',
      'Revenue (EUR): €15.00',
      'Revenue (USD): $49.99',
    ])
    // The same figures as a table, for screen readers and anyone who prefers one: 7 days, today's row last.
    const rows = await page.$$eval('.chart-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))
    expect(rows.length).toBe(7)
    expect(rows.at(-1)).toEqual(['5', '1', '2', '€15.00', '$49.99'])

    // The recent clicks, newest first; the referrer is text, never markup.
    const recent = await page.$$eval('.recent tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))
    expect(recent.length).toBe(5)
    expect(recent.at(-1)![1]).toBe(links[0].shortId)
    expect(recent.at(-1)![2]).toBe('United Kingdom')
    expect(recent.at(-1)![6]).toBe(`https://news.example.org/${XSS}`)
    expect(await page.$$('.recent img')).toEqual([])
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined()
    expect(page.offsite).toEqual([])
    expect(page.problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('a country in the top list narrows the page to it; a link has its own analytics', async () => {
    const page = await open('/app/analytics?range=30d')
    await page.click('#top-country ~ ol button:has-text("United Kingdom")')
    await page.waitForURL((u) => u.searchParams.get('country') === 'GB')
    await page.waitForFunction(() => document.querySelector('.stat .stat-value')?.textContent === '3')
    expect(await topList(page, 'country')).toEqual([['United Kingdom', '3']])
    expect(await page.inputValue('input[name=country]')).toBe('GB')

    await page.goto(`/app/analytics?linkId=${links[1].id}`)
    await page.waitForFunction(() => document.querySelector('.stat .stat-value')?.textContent === '1')
    expect(await topList(page, 'country')).toEqual([['Saudi Arabia', '1']])
    expect(await page.textContent('main h1')).toContain(links[1].shortId)
    // The link filter shows which link it is, and the device filter names devices in words.
    expect(await page.inputValue('input[name=link]')).toBe(links[1].shortId)
    await page.selectOption('select[name=device]', 'mobile')
    await page.click('form[role=search] [type=submit]')
    await page.waitForURL((u) => u.searchParams.get('device') === 'mobile' && u.searchParams.get('linkId') === links[1].id)
    await page.waitForFunction(() => document.querySelector('.stat .stat-value')?.textContent === '1')
    await page.context().close()
  }, 60_000)

  test("the links table opens a link's own analytics", async () => {
    const page = await signIn('/app/links')
    await page.click(`a[href="/app/analytics?linkId=${links[0].id}"]`)
    await page.waitForURL((u) => u.pathname === '/app/analytics' && u.searchParams.get('linkId') === links[0].id)
    await page.waitForFunction(() => document.querySelector('.stat .stat-value')?.textContent === '4')
    expect(await page.textContent('main h1')).toContain(links[0].shortId)
    expect(await topList(page, 'country')).toEqual([
      ['United Kingdom', '3'],
      ['United States', '1'],
    ])
    await page.context().close()
  }, 60_000)

  test('a custom range outside the clicks shows none of them', async () => {
    const page = await open('/app/analytics?range=custom&start=2020-01-01&end=2020-01-31')
    expect(await page.textContent('.stat .stat-value')).toBe('0')
    expect(await page.$$eval('.chart-table tbody tr', (trs) => trs.length)).toBe(31)
    expect(await page.textContent('.recent')).toContain('No clicks in this range.')
    await page.context().close()
  }, 60_000)

  test('partner performance: clicks, leads, sales and revenue per currency for each partner', async () => {
    const page = await signIn('/app/partners/performance?range=7d')
    await page.waitForSelector('table.performance')
    const row = (id: string) =>
      page.$eval(`tr[data-partner-id="${id}"]`, (tr) => [tr.querySelector('th')!.textContent, ...[...tr.querySelectorAll('td')].map((td) => td.textContent)])
    expect(await row(partner.id)).toEqual(['Acme Affiliates', '4', '1', '2', '€15.00$49.99', '50%'])
    expect(await page.$eval(`tr[data-partner-id="${partner.id}"] td:nth-of-type(4)`, (td) => [...td.querySelectorAll('li')].map((li) => li.textContent))).toEqual([
      '€15.00',
      '$49.99',
    ])
    // A partner's name is text: the payload is shown, not run.
    expect(await row(other.id)).toEqual([XSS, '1', '0', '0', '—', '0%'])
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined()
    // Its name opens the analytics of that partner over the same range.
    await page.click(`tr[data-partner-id="${partner.id}"] a`)
    await page.waitForURL((u) => u.pathname === '/app/analytics' && u.searchParams.get('partnerId') === partner.id && u.searchParams.get('range') === '7d')
    await page.waitForFunction(() => document.querySelector('.stat .stat-value')?.textContent === '4')
    expect(page.offsite).toEqual([])
    await page.context().close()
  }, 60_000)

  for (const lang of ['en', 'ar'] as const)
    test(`${lang}: axe finds nothing serious, the page fits 375 px, screenshots`, async () => {
      const page = await open('/app/analytics?range=7d', lang)
      await page.waitForSelector('.chart-canvas canvas')
      expect(await page.getAttribute('html', 'dir')).toBe(lang === 'ar' ? 'rtl' : 'ltr')
      if (lang === 'ar') {
        // Figures and names as Intl writes them in Arabic (its default digits for `ar`).
        const [five, three, uk] = await page.evaluate(() => [
          new Intl.NumberFormat('ar').format(5),
          new Intl.NumberFormat('ar').format(3),
          new Intl.DisplayNames(['ar'], { type: 'region' }).of('GB') ?? '',
        ])
        expect(uk).toBe('المملكة المتحدة')
        expect(await page.textContent('.stat .stat-value')).toBe(five!)
        expect((await topList(page, 'country'))[0]).toEqual([uk!, three!])
        expect(await page.textContent('main h1')).toBe('التحليلات')
      }
      await shot(page, 'analytics', lang)
      expect(await axe(page)).toEqual([])
      await page.goto('/app/partners/performance?range=7d')
      await page.waitForSelector('table.performance')
      await shot(page, 'partner-performance', lang)
      expect(await axe(page)).toEqual([])
      expect(page.offsite).toEqual([])
      expect(page.problems).toEqual([])
      await page.context().close()

      const phone = await open('/app/analytics?range=7d', lang, 375)
      await phone.waitForSelector('.chart-canvas canvas')
      expect(await pageScrollWidth(phone)).toBeLessThanOrEqual(375)
      expect(await phone.$eval('.chart-canvas canvas', (c) => c.getBoundingClientRect().width)).toBeLessThanOrEqual(375)
      await shot(phone, 'analytics-375', lang)
      await phone.goto('/app/partners/performance?range=7d')
      await phone.waitForSelector('table.performance')
      expect(await pageScrollWidth(phone)).toBeLessThanOrEqual(375)
      await phone.context().close()
    }, 90_000)
})
