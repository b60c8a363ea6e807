import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { EVENT_TYPES } from '../src/webhooks/events'
import { UA } from './harness'
import { axe, haveChromium, type Lang, OWNER, pageScrollWidth, shot, startDashboard, type Dashboard, type DashPage } from './dashboard-harness'

/**
 * A partner's rewards set in the partner page, then a real click on the partner's link, a lead and a
 * sale tracked with its click id: the commissions appear pending, are approved (the held one only with
 * "force"), marked paid and exported from the Commissions page; a refused transition shows the API's
 * message in the page's language.
 */
let d: Dashboard
let partner: any
let collection: any
const VIEWER = { email: 'viewer@example.com', password: 'viewer password 123' }

const json = async (res: Response) => {
  const body = await res.json()
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`)
  return body
}
const commissions = async (q = '') => json(await d.s.api(`/api/commissions?sort=asc${q}`))

describe.skipIf(!haveChromium)('dashboard commissions', () => {
  beforeAll(async () => {
    d = await startDashboard()
    d.s.cliJson(['user', 'create', '--email', VIEWER.email, '--password', VIEWER.password, '--workspace', 'default', '--role', 'viewer'])
    ;[collection] = await json(await d.s.api('/api/collections', { method: 'POST', json: [{ name: 'Spring' }] }))
    ;[partner] = await json(await d.s.api('/api/partners', { method: 'POST', json: [{ name: 'Acme Affiliates', email: 'ads@acme.example' }] }))
  }, 60_000)
  afterAll(async () => {
    await d?.stop()
  })

  const signIn = async (path: string, lang: Lang = 'en', width?: number, who: { email: string; password: string } = OWNER): Promise<DashPage> => {
    const context = await d.context({ lang, width })
    await context.addCookies([{ name: 'hoko_lang', value: lang, url: d.url }])
    const page = await d.page(context)
    await d.login(page, who.email, who.password, path)
    await page.waitForSelector('main h1')
    return page
  }
  const rows = (page: DashPage) =>
    page.$$eval('.commissions tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(1).map((c) => c.textContent!.trim())))
  const statuses = (page: DashPage) => page.$$eval('.commissions tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-status')))

  test('rewards are set in the partner page; a bad amount shows the API message beside its field', async () => {
    const page = await signIn('/app/partners')
    await page.click(`main a:has-text("Acme Affiliates")`)
    await page.waitForURL((u) => u.pathname === `/app/partners/${partner.id}`)
    await page.waitForSelector('.rewards')
    expect(await page.textContent('main h1')).toBe('Acme Affiliates')
    expect(await page.textContent('.rewards .no-rewards')).toBe('No reward: this partner earns no commission.')

    // A percentage of each sale (hold left empty: the API's 30 days), and a flat amount per lead in euros, payable at once.
    await page.click('.rewards button:has-text("Add a reward")')
    const first = page.locator('.rewards fieldset.reward').nth(0)
    expect(await first.locator('select[name=event]').inputValue()).toBe('sale')
    expect(await first.locator('select[name=type]').inputValue()).toBe('percentage')
    await first.locator('input[name=amount]').fill('12.5')
    await page.click('.rewards button:has-text("Add a reward")')
    expect(await page.locator('.rewards button:has-text("Add a reward")').count()).toBe(0)
    const second = page.locator('.rewards fieldset.reward').nth(1)
    expect(await second.locator('select[name=event]').inputValue()).toBe('lead')
    expect(await second.locator('select[name=type]').inputValue()).toBe('flat')
    await second.locator('input[name=amount]').fill('2.5')
    await second.locator('input[name=currency]').fill('EUR')
    await second.locator('input[name=holdDays]').fill('0')
    await page.click('.rewards button[type=submit]')
    // Cents are whole: the API's 400, beside the second reward's amount, and nothing saved.
    await second.locator('.field.invalid .error').waitFor()
    expect(await second.locator('.field.invalid .error').textContent()).toBe('must be a whole number (in the smallest currency unit, such as cents)')
    expect((await json(await d.s.api(`/api/partners?id=${partner.id}`)))[0].rewards).toBeNull()
    expect({ violations: await axe(page) }).toEqual({ violations: [] })

    await second.locator('input[name=amount]').fill('500')
    expect(await second.locator('.hint:has-text("=")').textContent()).toBe('= €5.00')
    await page.click('.rewards button[type=submit]')
    await page.waitForSelector('.toasts p:has-text("Rewards saved")')
    expect(await page.locator('.rewards .error').count()).toBe(0)
    expect((await json(await d.s.api(`/api/partners?id=${partner.id}`)))[0].rewards).toEqual([
      { event: 'sale', type: 'percentage', amount: 12.5, holdDays: 30 },
      { event: 'lead', type: 'flat', amount: 500, currency: 'eur', holdDays: 0 },
    ])
    // The saved values are shown back as the API stored them.
    expect(await first.locator('input[name=holdDays]').inputValue()).toBe('30')
    expect(await second.locator('input[name=currency]').inputValue()).toBe('eur')
    await shot(page, 'partner', 'en')
    expect(page.offsite).toEqual([])
    expect(page.problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('a click on the link, a lead and a sale: pending commissions; approve (force for the held one), mark paid, export', async () => {
    const [link] = await json(await d.s.api('/api/links', { method: 'POST', json: [{ url: 'https://shop.example/spring', collectionId: collection.id, partnerId: partner.id }] }))
    const click = await fetch(`${d.url}/${link.shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })
    expect(click.status).toBe(302)
    const clickId = new URL(click.headers.get('location')!).searchParams.get('hoko_id')!
    for (let i = 0; i < 50 && (await json(await d.s.api(`/api/analytics?linkId=${link.id}`))).length === 0; i++) await Bun.sleep(100)
    const track = (path: string, body: unknown) => d.s.api(path, { method: 'POST', json: body }).then(json)
    await track('/api/track/lead', { clickId, eventName: 'Sign up', customerExternalId: 'ada-1', customerName: 'Ada' })
    await track('/api/track/sale', { clickId, customerExternalId: 'ada-1', customerName: 'Ada', amount: 1999, currency: 'usd', eventName: 'Purchase' })

    // The partner page: what the link did and earned over the range, revenue and commissions per currency.
    const page = await signIn(`/app/partners/${partner.id}?range=7d`)
    await page.waitForSelector('.commission-stats tbody tr')
    expect(await page.$$eval('.stats .stat-value', (els) => els.map((e) => e.textContent))).toEqual(['1', '1', '1', '$19.99'])
    expect(await page.$$eval('.commission-stats tbody tr', (trs) => trs.map((tr) => tr.textContent))).toEqual(['Pending1€5.00', 'Pending1$2.50'])

    // The menu leads to the Commissions page: both pending, newest first (12.5 % of $19.99 is $2.4988, half-up $2.50).
    await page.click('nav.side a:has-text("Commissions")')
    await page.waitForURL((u) => u.pathname === '/app/commissions')
    await page.waitForSelector('.commissions tbody tr')
    const [lead, sale] = await commissions()
    expect((await rows(page)).map((r) => r.slice(0, 4))).toEqual([
      ['Acme Affiliates', 'Sale', '$2.50of $19.99', 'Pending'],
      ['Acme Affiliates', 'Lead', '€5.00', 'Pending'],
    ])
    expect(await page.textContent('.pager')).toContain('1–2 of 2')
    expect({ violations: await axe(page) }).toEqual({ violations: [] })
    await shot(page, 'commissions', 'en')

    // Approving both at once: the sale is held for 30 days, so the whole change is refused, item named.
    await page.check('.commissions thead input[type=checkbox]')
    expect(await page.textContent('.selected-count')).toBe('2 selected')
    await page.click('.commission-actions button:has-text("Approve")')
    await page.waitForSelector('.commissions .error-box')
    expect(await page.textContent('.commissions .error-box')).toBe(
      `commissions[0]: commission ${sale.id} is on hold until ${sale.availableAt}; send "force": true to approve it now`,
    )
    expect((await commissions()).map((c: any) => c.status)).toEqual(['pending', 'pending'])
    await page.check('.commission-actions input[name=force]')
    await page.click('.commission-actions button:has-text("Approve")')
    await page.waitForSelector('.toasts p:has-text("2 commissions approved")')
    await page.waitForFunction(() => [...document.querySelectorAll('.commissions tbody tr')].every((tr) => tr.getAttribute('data-status') === 'approved'))
    expect(await page.locator('.commissions .error-box').count()).toBe(0)
    expect((await commissions()).map((c: any) => c.status)).toEqual(['approved', 'approved'])

    // The payout: approved ones of this partner, filtered, exported with the same filters, then marked paid.
    await page.selectOption('select[name=status]', 'approved')
    await page.selectOption('select[name=partnerId]', partner.id)
    await page.click('.commissions form.filters button[type=submit]')
    await page.waitForURL((u) => u.searchParams.get('status') === 'approved' && u.searchParams.get('partnerId') === partner.id)
    await page.waitForSelector('.commissions tbody tr')
    const href = await page.getAttribute('a:has-text("Export CSV")', 'href')
    expect(new URL(href!, d.url).searchParams.toString()).toBe(new URLSearchParams({ status: 'approved', partnerId: partner.id, format: 'csv' }).toString())
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Export CSV")')])
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\r\n')
    expect(csv[0]).toStartWith('id,partnerId,partnerName,partnerEmail,event,status,amount,currency')
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 8))).toEqual([
      [lead.id, partner.id, 'Acme Affiliates', 'ads@acme.example', 'lead', 'approved', '500', 'eur'],
      [sale.id, partner.id, 'Acme Affiliates', 'ads@acme.example', 'sale', 'approved', '250', 'usd'],
    ])
    await page.check('.commissions thead input[type=checkbox]')
    await page.click('.commission-actions button:has-text("Mark paid")')
    await page.waitForSelector('.toasts p:has-text("2 commissions marked paid")')
    // Paid ones leave the "approved" list.
    await page.waitForSelector('.commissions p.muted:has-text("No commission matches these filters.")')
    expect((await commissions()).map((c: any) => [c.id, c.status])).toEqual([
      [lead.id, 'paid'],
      [sale.id, 'paid'],
    ])
    expect(page.offsite).toEqual([])
    expect(page.problems).toEqual([])
    await page.context().close()
  }, 90_000)

  for (const lang of ['en', 'ar'] as const)
    test(`${lang}: a refused transition (cancel a paid commission) shows the API's message in the page's language; axe; 375 px`, async () => {
      const paid = (await commissions('&status=paid'))[0]
      const refusal = await d.s.api('/api/commissions', { method: 'PUT', json: [{ id: paid.id, status: 'canceled' }] })
      expect(refusal.status).toBe(400)
      const expected = (await refusal.json()).error[lang]
      expect(expected).toContain(paid.id)

      const page = await signIn(`/app/commissions?status=paid`, lang)
      await page.waitForSelector(`.commissions tbody tr[data-id="${paid.id}"]`)
      await page.check(`.commissions tbody tr[data-id="${paid.id}"] input[type=checkbox]`)
      await page.click('.commission-actions button:nth-of-type(3)')
      await page.waitForSelector('.commissions .error-box')
      expect(await page.textContent('.commissions .error-box')).toBe(expected)
      expect(await statuses(page)).toEqual(['paid', 'paid'])
      expect((await commissions()).map((c: any) => c.status)).toEqual(['paid', 'paid'])
      expect({ violations: await axe(page) }).toEqual({ violations: [] })
      await shot(page, 'commissions-refused', lang)
      await page.goto(`/app/partners/${partner.id}`)
      await page.waitForSelector('.commission-stats tbody tr')
      expect(await page.$$eval('.commission-stats tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-status')))).toEqual(['paid', 'paid'])
      expect({ violations: await axe(page) }).toEqual({ violations: [] })
      await shot(page, 'partner', lang)
      expect(page.problems).toEqual([])
      await page.context().close()

      const phone = await signIn('/app/commissions', lang, 375)
      await phone.waitForSelector('.commissions tbody tr')
      expect(await pageScrollWidth(phone)).toBe(375)
      await shot(phone, 'commissions-375px', lang)
      await phone.goto(`/app/partners/${partner.id}`)
      await phone.waitForSelector('.commission-stats tbody tr')
      expect(await pageScrollWidth(phone)).toBe(375)
      await shot(phone, 'partner-375px', lang)
      expect(phone.offsite).toEqual([])
      await phone.context().close()
    }, 60_000)

  test('a viewer sees the commissions and the rewards, with no control to change them', async () => {
    const page = await signIn('/app/commissions', 'en', undefined, VIEWER)
    await page.waitForSelector('.commissions tbody tr')
    expect(await page.locator('nav.side a[href="/app/commissions"]').count()).toBe(1)
    expect(await page.locator('.commissions input[type=checkbox], .commission-actions').count()).toBe(0)
    expect(await page.locator('a:has-text("Export CSV")').count()).toBe(1)
    await page.goto(`/app/partners/${partner.id}`)
    await page.waitForSelector('.rewards fieldset.reward')
    expect(await page.locator('.rewards button').count()).toBe(0)
    expect(await page.locator('.rewards input[name=amount]').first().isDisabled()).toBe(true)
    expect(page.problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('the webhooks page offers every event type of the API, the commission events included', async () => {
    const page = await signIn('/app/settings/webhooks')
    await page.waitForSelector('input[name=events]')
    const offered = await page.$$eval('main form input[name=events]', (inputs) => inputs.map((i) => (i as HTMLInputElement).value))
    expect(offered).toEqual([...EVENT_TYPES])
    expect(offered).toContain('commission.created')
    expect(offered).toContain('commission.updated')
    await page.context().close()
  }, 60_000)
})
