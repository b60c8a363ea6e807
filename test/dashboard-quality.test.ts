import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { axe, haveChromium, type Lang, OWNER, pageScrollWidth, shot, startDashboard, type Dashboard, type DashPage } from './dashboard-harness'
import { UA } from './harness'

/**
 * Every page of the menu (whoever added it), in both languages: stored XSS payloads in every field a
 * visitor or API client can write render as text, axe finds nothing serious, nothing leaves the
 * origin, 375 px never scrolls sideways, and a screenshot of each is saved for review.
 */
const XSS = [`<img src=x onerror="window.__xss=1">`, `"><script>window.__xss=2</script>`, `<svg onload="window.__xss=3">`, `'><iframe src=javascript:alert(4)>`]
const x = (i: number, what: string) => `${what} ${XSS[i % XSS.length]}`

let d: Dashboard
const extraPages: string[] = ['/app/links/new']
let owner: Record<Lang, DashPage>

/** Elements that only an injection could have made (the app renders none of these). */
const injected = (page: DashPage) =>
  page.evaluate(() => ({
    xss: (window as any).__xss ?? null,
    elements: [...document.querySelectorAll('img[src="x"], svg[onload], iframe, [onerror], script:not([src^="/app/assets/"])')].map((e) => e.outerHTML.slice(0, 80)),
  }))

async function settle(page: DashPage) {
  await page.waitForSelector('main h1')
  await page.waitForLoadState('networkidle')
}

describe.skipIf(!haveChromium)('dashboard quality on every page', () => {
  beforeAll(async () => {
    d = await startDashboard()
    const api = async (path: string, json: unknown, method = 'POST') => {
      const res = await d.s.api(path, { method, json })
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
      return res.json()
    }
    const [collection] = await api('/api/collections', [{ name: x(0, 'Collection'), description: x(1, 'Description') }])
    const [tag] = await api('/api/tags', [{ name: x(1, 'Tag'), color: 'red' }])
    // With rewards, so that the lead and sale below earn commissions (the Commissions page lists the hostile name).
    const [partner] = await api('/api/partners', [{ name: x(2, 'Partner'), email: 'p@example.com', rewards: [{ event: 'sale', type: 'percentage', amount: 10 }, { event: 'lead', type: 'flat', amount: 150, currency: 'eur' }] }])
    extraPages.push(`/app/partners/${partner.id}`)
    const [link] = await api('/api/links', [
      { url: 'https://shop.example/x?q=%3Cscript%3E', collectionId: collection.id, title: x(0, 'Title'), description: x(3, 'Desc'), tagIds: [tag.id], partnerId: partner.id, utm: { source: x(1, 'src') }, tenantId: x(2, 't'), externalId: 'xss-1' },
    ])
    extraPages.push(`/app/links/${link.id}`)
    await api('/api/keys', [{ name: x(3, 'Key'), scopes: ['linksRead'] }])
    // A webhook no event reaches (nothing here deletes a partner) and a domain, for their settings pages.
    await api('/api/webhooks', [{ url: 'https://hooks.example/in', events: ['partner.deleted'], description: x(0, 'Hook') }])
    await api('/api/domains', [{ name: 'go.quality.test' }])
    // A click with a hostile referrer, then a lead and a sale whose customer and metadata are hostile too.
    const click = await fetch(`${d.url}/${link.shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows, referer: `https://evil.example/${XSS[0]}` } })
    const clickId = new URL(click.headers.get('location')!).searchParams.get('hoko_id')!
    await api('/api/track/lead', { clickId, eventName: x(1, 'Sign up'), customerExternalId: 'cust-xss', customerName: x(0, 'Customer'), customerEmail: 'c@example.com', metadata: { note: XSS[1], [XSS[2]]: 'key' } })
    await api('/api/track/sale', { customerExternalId: 'cust-xss', customerName: x(0, 'Customer'), amount: 1999, currency: 'usd', eventName: x(2, 'Purchase'), metadata: { html: XSS[3] } })
    const customers = await (await d.s.api('/api/customers')).json()
    if (customers[0]) extraPages.push(`/app/customers/${customers[0].id}`)
    // Clicks are written in groups: wait until analytics counts this one.
    for (let i = 0; i < 50 && !(await (await d.s.api('/api/analytics/summary')).json()).clicks; i++) await Bun.sleep(100)
    owner = { en: await d.session(OWNER.email, OWNER.password, { lang: 'en' }), ar: await d.session(OWNER.email, OWNER.password, { lang: 'ar' }) }
  }, 90_000)
  afterAll(async () => {
    await d?.stop()
  })

  const paths = async (page: DashPage) => [...new Set([...(await page.$$eval('nav.side a', (as) => as.map((a) => (a as HTMLAnchorElement).pathname))), ...extraPages])]
  const name = (path: string) => path.replace(/^\/app\/?/, '').replace(/[0-9a-f-]{36}/, 'detail').replace(/\//g, '-') || 'home'

  for (const lang of ['en', 'ar'] as const) {
    test(`${lang}: payloads render as text, axe finds nothing serious, nothing leaves the origin; screenshots saved`, async () => {
      const page = owner[lang]
      const all = await paths(page)
      expect(all).toContain('/app/settings/api-keys')
      for (const path of all) {
        await page.goto(path)
        await settle(page)
        expect(await page.getAttribute('html', 'lang')).toBe(lang)
        expect(await page.getAttribute('html', 'dir')).toBe(lang === 'ar' ? 'rtl' : 'ltr')
        expect({ path, ...(await injected(page)) }).toEqual({ path, xss: null, elements: [] })
        expect({ path, violations: await axe(page) }).toEqual({ path, violations: [] })
        await shot(page, name(path), lang)
      }
      // The payloads are there, as text.
      await page.goto('/app/links')
      await settle(page)
      const text = await page.textContent('main')
      expect(text).toContain(XSS[0])
      expect(text).toContain(XSS[1])
      expect(text).toContain(XSS[2])
      // Dialogs too: the delete confirmation names the link; the QR dialog.
      await page.click('main tbody tr button:has-text("QR"), main tbody tr button:has-text("رمز QR")')
      await page.waitForSelector('dialog[open] .qr img')
      expect({ violations: await axe(page) }).toEqual({ violations: [] })
      await page.keyboard.press('Escape')
      expect(page.offsite).toEqual([])
      expect(page.problems).toEqual([])
    }, 120_000)
  }

  test('375 px wide: no page scrolls sideways (tables scroll in their own box), in both languages', async () => {
    for (const lang of ['en', 'ar'] as const) {
      const page = await d.session(OWNER.email, OWNER.password, { lang, width: 375 })
      for (const path of await paths(page)) {
        await page.goto(path)
        await settle(page)
        expect({ path, lang, width: await pageScrollWidth(page) }).toEqual({ path, lang, width: 375 })
      }
      await shot(page, 'links-375px', lang)
      expect(page.offsite).toEqual([])
      await page.context().close()
    }
  }, 120_000)

  test('keyboard: the skip link reaches the content, and focus is visible', async () => {
    const page = owner.en
    await page.goto('/app/links')
    await settle(page)
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)
    expect(outline).not.toBe('none')
    await page.keyboard.press('Enter')
    expect(await page.evaluate(() => location.hash)).toBe('#main')
  }, 30_000)
})
