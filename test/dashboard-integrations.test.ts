import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Webhook } from 'standardwebhooks'
import { axe, haveChromium, type Lang, OWNER, pageScrollWidth, shot, startDashboard, type Dashboard, type DashPage } from './dashboard-harness'
import { UA } from './harness'

/**
 * Settings > Domains and Webhooks, the link form's domain selector and the CSV import upload
 * (issues 13, 14 and 16), driven through the dashboard in headless Chromium.
 */
let d: Dashboard
let page: DashPage
let collectionId: string
const MEMBER = { email: 'member@example.com', password: 'member password 123' }
const DOMAIN = 'go.brand.test'

/** A local receiver: answers `status` (200 unless told otherwise) and keeps every request. */
const rx = {
  status: 200,
  got: [] as { id: string; timestamp: string; signature: string; body: string }[],
  server: null as ReturnType<typeof Bun.serve> | null,
}

async function settle(p: DashPage) {
  await p.waitForSelector('main h1')
  await p.waitForLoadState('networkidle')
}

async function check(p: DashPage, name: string, lang: Lang) {
  expect({ name, violations: await axe(p) }).toEqual({ name, violations: [] })
  await shot(p, name, lang)
}

describe.skipIf(!haveChromium)('dashboard: domains, webhooks, import', () => {
  beforeAll(async () => {
    rx.server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      async fetch(req) {
        rx.got.push({ id: req.headers.get('webhook-id')!, timestamp: req.headers.get('webhook-timestamp')!, signature: req.headers.get('webhook-signature')!, body: await req.text() })
        return new Response(rx.status === 200 ? 'thanks' : 'receiver is down', { status: rx.status })
      },
    })
    // The first attempt at once, the next an hour later: only "retry now" sends it again within the test.
    d = await startDashboard({ env: { HOKO_WEBHOOK_ALLOW_PRIVATE: '1', HOKO_WEBHOOK_DELIVERY: '1', HOKO_WEBHOOK_RETRY_SCHEDULE: '0,3600,3600' } })
    const res = await d.s.api('/api/collections', { method: 'POST', json: [{ name: 'Campaigns' }] })
    collectionId = (await res.json())[0].id
    d.s.cliJson(['user', 'create', '--email', MEMBER.email, '--password', MEMBER.password, '--workspace', 'default', '--role', 'member'])
    page = await d.session(OWNER.email, OWNER.password)
  }, 60_000)
  afterAll(async () => {
    await d?.stop()
    rx.server?.stop(true)
  })

  test('domains: add, make default, a link on it from the form, delete refused while it has links, then deleted', async () => {
    await page.goto('/app/settings/domains')
    await settle(page)
    await page.click('main button.primary:has-text("Add a domain")')
    await page.fill('dialog[open] input[name=name]', DOMAIN)
    await page.fill('dialog[open] input[name=rootUrl]', 'https://brand.test/home')
    await page.click('dialog[open] button[type=submit]')
    await page.waitForSelector(`main tr:has-text("${DOMAIN}")`)
    const [domain] = await (await d.s.api('/api/domains')).json()
    expect(domain).toMatchObject({ name: DOMAIN, rootUrl: 'https://brand.test/home', notFoundUrl: null })

    // Edit: the not-found redirect.
    await page.click(`main tr:has-text("${DOMAIN}") button:has-text("Edit")`)
    expect(await page.inputValue('dialog[open] input[name=rootUrl]')).toBe('https://brand.test/home')
    await page.fill('dialog[open] input[name=notFoundUrl]', 'https://brand.test/missing')
    await page.click('dialog[open] button[type=submit]')
    await page.waitForSelector('main td:has-text("https://brand.test/missing")')
    expect((await (await d.s.api('/api/domains')).json())[0].notFoundUrl).toBe('https://brand.test/missing')

    // The default: base host first, then the domain.
    const choices = await page.$$eval('select[name=defaultDomainId] option', (os) => os.map((o) => (o as HTMLOptionElement).value))
    expect(choices).toEqual(['', domain.id])
    await page.selectOption('select[name=defaultDomainId]', domain.id)
    await page.click('main button:has-text("Save default")')
    await page.waitForSelector(`main tr:has-text("${DOMAIN}") .tag:has-text("Default")`)
    expect((await (await d.s.api('/api/workspace')).json()).defaultDomainId).toBe(domain.id)
    await check(page, 'settings-domains', 'en')

    // /api/me names the base host (the host of HOKO_BASE_URL) for the selector; a key gets it too.
    expect((await d.me(page)).baseHost).toBe('127.0.0.1')
    expect((await (await d.s.api('/api/me')).json()).baseHost).toBe('127.0.0.1')
    // The link form starts on the default domain; the base host is the other choice.
    await page.goto('/app/links/new')
    await settle(page)
    await page.waitForFunction((name) => (document.querySelector('select[name=domain]') as HTMLSelectElement)?.value === name, DOMAIN)
    const hosts = await page.$$eval('select[name=domain] option', (os) => os.map((o) => (o as HTMLOptionElement).value))
    expect(hosts).toEqual(['127.0.0.1', DOMAIN])
    await page.fill('input[name=url]', 'https://shop.example/brand')
    await page.fill('input[name=shortId]', 'brand-1')
    await Promise.all([page.waitForURL((u) => u.pathname === '/app/links'), page.click('main form button[type=submit].primary')])
    await page.waitForSelector(`main a:has-text("${DOMAIN}/brand-1")`)
    const [link] = await (await d.s.api('/api/links?domain=' + DOMAIN)).json()
    expect(link).toMatchObject({ shortId: 'brand-1', domain: DOMAIN, shortUrl: `http://${DOMAIN}/brand-1` })
    // It answers on its domain, not on the base host.
    const on = (host: string) => fetch(`${d.url}/brand-1`, { redirect: 'manual', headers: { host, 'user-agent': UA.chromeWindows } })
    const there = await on(DOMAIN)
    expect(there.status).toBe(302)
    expect(there.headers.get('location')).toStartWith('https://shop.example/brand')
    expect((await on('127.0.0.1')).status).toBe(404)

    // A link of the base host chosen in the form stays there.
    await page.goto('/app/links/new')
    await settle(page)
    await page.waitForFunction(() => (document.querySelector('select[name=domain]') as HTMLSelectElement)?.value !== '')
    await page.selectOption('select[name=domain]', '127.0.0.1')
    await page.fill('input[name=url]', 'https://shop.example/plain')
    await page.fill('input[name=shortId]', 'plain-1')
    await Promise.all([page.waitForURL((u) => u.pathname === '/app/links'), page.click('main form button[type=submit].primary')])
    await page.waitForSelector('main a:has-text("127.0.0.1:")')
    expect((await (await d.s.api('/api/links?search=plain-1')).json())[0].domain).toBe('127.0.0.1')

    // Deleting the domain while the link is live: the API's 400, in the dialog.
    await page.goto('/app/settings/domains')
    await settle(page)
    await page.click(`main tr:has-text("${DOMAIN}") button:has-text("Delete")`)
    await page.click('dialog[open] button.danger')
    const refusal = page.locator('dialog[open] .error')
    await refusal.waitFor()
    expect(await refusal.textContent()).toBe(`${DOMAIN} still has 1 live link; delete them or move them to another domain first`)
    await check(page, 'settings-domains-refused', 'en')
    await page.click('dialog[open] button:has-text("Cancel")')
    expect((await (await d.s.api('/api/domains')).json()).length).toBe(1)

    // Delete the link, then the domain; the default falls back to the base host.
    await page.goto('/app/links')
    await settle(page)
    await page.click('main tr:has-text("brand-1") button:has-text("Delete")')
    await page.click('dialog[open] button.danger')
    await page.waitForFunction(() => !document.querySelector('main')?.textContent?.includes('brand-1'))
    await page.goto('/app/settings/domains')
    await settle(page)
    await page.click(`main tr:has-text("${DOMAIN}") button:has-text("Delete")`)
    await page.click('dialog[open] button.danger')
    await page.waitForSelector('main p:has-text("No domains yet")')
    expect(await (await d.s.api('/api/domains')).json()).toEqual([])
    expect((await (await d.s.api('/api/workspace')).json()).defaultDomainId).toBeNull()
    expect(await page.textContent('main')).toContain('New links go on 127.0.0.1.')
    expect(page.offsite).toEqual([])
    expect(page.problems).toEqual([])
  }, 90_000)

  test('webhooks: created with its events, secret shown once; a test event delivered and logged; a failure retried now', async () => {
    const url = `http://127.0.0.1:${rx.server!.port}/hook`
    await page.goto('/app/settings/webhooks')
    await settle(page)
    await page.fill('input[name=url]', url)
    await page.fill('textarea[name=description]', 'CRM <b>sync</b>')
    await page.check('input[name=events][value="link.created"]')
    await page.check('input[name=events][value="partner.created"]')
    await page.click('main section button[type=submit]')
    const secretBox = page.locator('dialog[open] .secret input')
    await secretBox.waitFor()
    const secret = await secretBox.inputValue()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32,}$/)
    await check(page, 'settings-webhooks-secret', 'en')
    await page.click('dialog[open] button:has-text("Done")')
    const [hook] = await (await d.s.api('/api/webhooks')).json()
    expect(hook).toMatchObject({ url, events: ['link.created', 'partner.created'], description: 'CRM <b>sync</b>', disabled: false })
    expect(hook.secret).toBeUndefined()
    // Shown once: not on the page after a reload, the description as text.
    await page.reload()
    await settle(page)
    expect(await page.content()).not.toContain(secret)
    expect(await page.textContent('main')).toContain('CRM <b>sync</b>')

    // A test event: the log opens and shows it delivered, HTTP 200; the receiver verifies it.
    const row = page.locator(`main tr:has-text("${url}")`)
    await row.locator('button:has-text("Send test")').click()
    await page.waitForURL((u) => u.searchParams.get('webhookId') === hook.id)
    await page.waitForSelector('tr[data-delivery]:has-text("webhook.test"):has-text("Delivered"):has-text("HTTP 200")')
    expect(await page.textContent('tr[data-delivery]')).toContain('thanks')
    expect(rx.got.length).toBe(1)
    const event = new Webhook(secret).verify(rx.got[0].body, { 'webhook-id': rx.got[0].id, 'webhook-timestamp': rx.got[0].timestamp, 'webhook-signature': rx.got[0].signature }) as any
    expect(event).toMatchObject({ type: 'webhook.test', data: { webhookId: hook.id } })

    // The receiver fails: the attempt shows 500, the next one is an hour away; "retry now" sends it again.
    rx.status = 500
    await row.locator('button:has-text("Send test")').click()
    const failed = page.locator('tr[data-delivery]:has-text("HTTP 500")')
    await failed.waitFor()
    expect(await failed.textContent()).toContain('Pending')
    expect(await failed.textContent()).toContain('receiver is down')
    await check(page, 'settings-webhooks-log', 'en')
    rx.status = 200
    await failed.locator('button:has-text("Retry now")').click()
    const retried = page.locator('tr[data-delivery]:has-text("HTTP 500"):has-text("HTTP 200")')
    await retried.waitFor()
    expect(await retried.textContent()).toContain('Delivered')
    expect(rx.got.length).toBe(3)
    expect(rx.got[2].id).toBe(rx.got[1].id)
    const deliveries = await (await d.s.api(`/api/webhooks/deliveries?webhookId=${hook.id}`)).json()
    expect(deliveries.map((x: any) => [x.status, x.attempts.map((a: any) => a.status)])).toEqual([
      ['succeeded', [500, 200]],
      ['succeeded', [200]],
    ])

    // Edit: url stays, events and description change.
    await row.locator('button:has-text("Edit")').click()
    await page.uncheck('dialog[open] input[name=events][value="partner.created"]')
    await page.check('dialog[open] input[name=events][value="link.clicked"]')
    await page.fill('dialog[open] textarea[name=description]', 'CRM')
    await page.click('dialog[open] button[type=submit]')
    await page.waitForSelector('main tr:has-text("link.created, link.clicked")')
    expect((await (await d.s.api('/api/webhooks')).json())[0]).toMatchObject({ events: ['link.created', 'link.clicked'], description: 'CRM' })

    // Disable, enable.
    await row.locator('button:has-text("Disable")').click()
    await row.locator('button:has-text("Enable")').waitFor()
    expect((await (await d.s.api('/api/webhooks')).json())[0].disabled).toBe(true)
    await row.locator('button:has-text("Enable")').click()
    await row.locator('button:has-text("Disable")').waitFor()
    expect((await (await d.s.api('/api/webhooks')).json())[0].disabled).toBe(false)

    // Rotate: a new secret, shown once; the next delivery carries both signatures.
    await row.locator('button:has-text("Rotate secret")').click()
    await page.click('dialog[open] button.danger')
    await secretBox.waitFor()
    const rotated = await secretBox.inputValue()
    expect(rotated).toMatch(/^whsec_/)
    expect(rotated).not.toBe(secret)
    await page.click('dialog[open] button:has-text("Done")')
    await row.locator('button:has-text("Send test")').click()
    await page.waitForFunction(() => document.querySelectorAll('tr[data-delivery]').length === 3)
    await page.waitForSelector('tr[data-delivery]:first-child:has-text("Delivered")')
    const last = rx.got.at(-1)!
    expect(last.signature.split(' ').length).toBe(2)
    const headers = { 'webhook-id': last.id, 'webhook-timestamp': last.timestamp, 'webhook-signature': last.signature }
    expect((new Webhook(rotated).verify(last.body, headers) as any).type).toBe('webhook.test')

    // Delete, with a confirmation.
    await row.locator('button:has-text("Delete")').click()
    await page.click('dialog[open] button.danger')
    await page.waitForSelector('main p:has-text("No webhooks yet")')
    expect(await (await d.s.api('/api/webhooks')).json()).toEqual([])
    expect(page.offsite).toEqual([])
    expect(page.problems).toEqual([])
  }, 90_000)

  test('import: a CSV upload with one bad line reports created and rejected lines, in English and Arabic', async () => {
    for (const lang of ['en', 'ar'] as const) {
      const p = lang === 'en' ? page : await d.session(OWNER.email, OWNER.password, { lang })
      await p.goto('/app/links')
      await settle(p)
      await p.click('details.import summary')
      const csv = `shortId,url,title\nimp-${lang}-1,https://shop.example/a,First\nimp-${lang}-2,not a url,Bad\nimp-${lang}-3,https://shop.example/c,Third\n`
      await p.setInputFiles('input[type=file][name=file]', { name: 'links.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
      await p.selectOption('details.import select[name=collectionId]', collectionId)
      const [res] = await Promise.all([p.waitForResponse((r) => r.url().includes('/api/links/import')), p.click('details.import button[type=submit]')])
      expect(res.request().headers()['content-type']).toBe('text/csv')
      const report = await res.json()
      expect(report.created.map((c: any) => c.line)).toEqual([2, 4])
      expect(report.rejected.map((r: any) => r.line)).toEqual([3])
      await p.waitForSelector('.import-report')
      const text = (await p.textContent('.import-report'))!
      if (lang === 'en') expect(text).toContain('2 created, 0 skipped, 1 rejected (of 3 rows, format hoko).')
      const cells = await p.$$eval('.import-report tbody td', (tds) => tds.map((td) => td.textContent))
      const three = await p.evaluate(() => new Intl.NumberFormat(document.documentElement.lang).format(3))
      expect(cells).toEqual([three, report.rejected[0].reason[lang]])
      expect(report.rejected[0].reason.ar).not.toBe(report.rejected[0].reason.en)
      // The new links are listed, in the collection chosen.
      await p.waitForSelector(`main a:has-text("imp-${lang}-3")`)
      const imported = await (await d.s.api(`/api/links?search=imp-${lang}`)).json()
      expect(imported.map((l: any) => [l.shortId, l.collectionId]).sort()).toEqual([
        [`imp-${lang}-1`, collectionId],
        [`imp-${lang}-3`, collectionId],
      ])
      await check(p, 'links-import-report', lang)
      expect(p.offsite).toEqual([])
      expect(p.problems).toEqual([])
    }
  }, 90_000)

  test('the new pages in Arabic and at 375 px: axe clean, nothing sideways, nothing leaves the origin', async () => {
    await d.s.api('/api/domains', { method: 'POST', json: [{ name: 'links.brand.test', rootUrl: 'https://brand.test/' }] })
    const created = await d.s.api('/api/webhooks', { method: 'POST', json: [{ url: `http://127.0.0.1:${rx.server!.port}/ar`, events: ['link.deleted'], description: 'وصف' }] })
    const [hook] = await created.json()
    await d.s.api('/api/webhooks/test', { method: 'POST', json: [hook.id] })
    for (const width of [1280, 375]) {
      const p = await d.session(OWNER.email, OWNER.password, { lang: 'ar', width })
      for (const path of ['/app/settings/domains', `/app/settings/webhooks?webhookId=${hook.id}`, '/app/links/new']) {
        await p.goto(path)
        await settle(p)
        if (path.includes('webhooks')) await p.waitForSelector('tr[data-delivery]:has-text("أُرسل")')
        if (path.includes('new')) expect(await p.$$eval('select[name=domain] option', (os) => os.map((o) => o.textContent))).toEqual(['127.0.0.1 (المضيف الأساسي)', 'links.brand.test'])
        expect({ path, width: await pageScrollWidth(p) }).toEqual({ path, width })
        const name = path.replace(/^\/app\//, '').replace(/\?.*/, '-log').replace(/\//g, '-')
        if (width === 1280) await check(p, name, 'ar')
        else await shot(p, `${name}-375px`, 'ar')
      }
      expect(p.offsite).toEqual([])
      expect(p.problems).toEqual([])
      await p.context().close()
    }
  }, 90_000)

  test('a member sees no webhooks and no domain write controls, but chooses a domain in the link form', async () => {
    await d.s.api('/api/domains', { method: 'POST', json: [{ name: 'm.brand.test' }] })
    const p = await d.session(MEMBER.email, MEMBER.password)
    const menu = await p.$$eval('nav.side a', (as) => as.map((a) => (a as HTMLAnchorElement).pathname))
    expect(menu).toContain('/app/settings/domains')
    expect(menu).not.toContain('/app/settings/webhooks')
    await p.goto('/app/settings/domains')
    await settle(p)
    await p.waitForSelector('main tr:has-text("m.brand.test")')
    // No button outside the (closed) dialogs and the pager: no add, edit, delete or default.
    expect(await p.$$eval('main button', (bs) => bs.filter((b) => !b.closest('dialog, .pager')).map((b) => b.textContent))).toEqual([])
    expect(await p.$('select[name=defaultDomainId]')).toBeNull()
    await p.goto('/app/links')
    await settle(p)
    expect(await p.$('details.import')).not.toBeNull()
    await p.goto('/app/links/new')
    await settle(p)
    // (Preact sets an option's value as a property: no [value=] attribute when it equals the text.)
    await p.waitForFunction(() => [...document.querySelectorAll('select[name=domain] option')].some((o) => (o as HTMLOptionElement).value === 'm.brand.test'))
    expect(p.problems).toEqual([])
    await p.context().close()
  }, 60_000)
})
