import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { haveChromium, OWNER, shot, startDashboard, type Dashboard, type DashPage } from './dashboard-harness'
import { UA } from './harness'

/** Links, collections, tags and partners through the dashboard's forms, checked against the API and the redirect. */
let d: Dashboard
let page: DashPage
const row = (name: string) => `tr:has-text("${name}")`

describe.skipIf(!haveChromium)('dashboard: links, collections, tags, partners', () => {
  beforeAll(async () => {
    d = await startDashboard()
    page = await d.session(OWNER.email, OWNER.password)
  }, 60_000)
  afterAll(async () => {
    await d?.stop()
  })

  test('creates, edits and deletes a collection, a tag and a partner', async () => {
    for (const [path, name, extra] of [
      ['/app/collections', 'Spring sale', async () => page.fill('dialog textarea[name=description]', 'April campaign')],
      ['/app/tags', 'newsletter', async () => page.selectOption('dialog select[name=color]', 'green')],
      ['/app/partners', 'Acme Affiliates', async () => page.fill('dialog input[name=email]', 'ads@acme.example')],
    ] as const) {
      await page.goto(path)
      await page.click('main .page-head button.primary')
      await page.fill('dialog input[name=name]', name)
      await extra()
      await page.click('dialog button[type=submit]')
      await page.waitForSelector(`main ${row(name)}`)
    }
    const [collection] = await (await d.s.api('/api/collections')).json()
    expect(collection).toMatchObject({ name: 'Spring sale', description: 'April campaign' })
    const [tag] = await (await d.s.api('/api/tags')).json()
    expect(tag).toMatchObject({ name: 'newsletter', color: 'green' })
    const [partner] = await (await d.s.api('/api/partners')).json()
    expect(partner).toMatchObject({ name: 'Acme Affiliates', email: 'ads@acme.example' })

    // Edit a partner; a bad email comes back next to the field, in the user's language.
    await page.goto('/app/partners')
    await page.click(`${row('Acme Affiliates')} button:has-text("Edit")`)
    await page.fill('dialog input[name=email]', 'not an email')
    await page.click('dialog button[type=submit]')
    const err = page.locator('dialog .field:has(input[name=email]) .error')
    await err.waitFor()
    expect(await err.textContent()).toMatch(/email/i)
    await page.fill('dialog input[name=email]', 'partners@acme.example')
    await page.fill('dialog input[name=phone]', '+966 55 000 0000')
    await page.click('dialog button[type=submit]')
    await page.waitForSelector(`main ${row('partners@acme.example')}`)

    // A throwaway tag, deleted after a confirmation.
    await page.goto('/app/tags')
    await page.click('main .page-head button.primary')
    await page.fill('dialog input[name=name]', 'temporary')
    await page.click('dialog button[type=submit]')
    await page.click(`${row('temporary')} button:has-text("Delete")`)
    await page.click('dialog[open] button.danger')
    await page.waitForSelector(`main ${row('temporary')}`, { state: 'detached' })
    expect((await (await d.s.api('/api/tags')).json()).map((t: any) => t.name)).toEqual(['newsletter'])
    expect(page.problems).toEqual([])
  }, 60_000)

  test('creates a link through the form with every option, fields named after the API fields', async () => {
    const [collection] = await (await d.s.api('/api/collections')).json()
    const [tag] = await (await d.s.api('/api/tags')).json()
    const [partner] = await (await d.s.api('/api/partners')).json()
    await page.goto('/app/links')
    await page.click('main a:has-text("New link")')
    await page.waitForSelector('input[name=url]')
    // A validation error from the API, shown beside its field.
    await page.fill('input[name=url]', 'not a url')
    await page.click('button[type=submit].primary')
    const urlError = page.locator('.field:has(input[name=url]) .error')
    await urlError.waitFor()
    expect(await urlError.textContent()).toMatch(/URL/)

    await page.fill('input[name=url]', 'https://shop.example/spring')
    await page.fill('input[name=shortId]', 'spring-sale')
    await page.selectOption('select[name=collectionId]', collection.id)
    await page.fill('input[name=title]', 'Spring sale')
    await page.fill('textarea[name=description]', 'Everything 20% off')
    await page.fill('input[name=image]', 'https://shop.example/spring.png')
    await page.fill('input[name="utm.source"]', 'newsletter')
    await page.fill('input[name="utm.medium"]', 'email')
    await page.fill('input[name="utm.campaign"]', 'spring')
    await page.selectOption('select[name=partnerId]', partner.id)
    await page.fill('input[name=tenantId]', 'tenant-1')
    await page.fill('input[name=externalId]', 'ext-1')
    await page.check(`input[name=tagIds][value="${tag.id}"]`)
    await page.fill('input[name=expiresAt]', '2099-12-31T23:30')
    await page.fill('input[name=expiredUrl]', 'https://shop.example/over')
    await page.fill('input[name=password]', 'letmein')
    await page.check('input[name=cloaked]')
    await page.fill('input[name=ios]', 'https://apps.apple.com/app/id1')
    await page.fill('input[name=android]', 'https://play.google.com/store/apps/details?id=x')
    await page.click('button:has-text("Add a country")')
    await page.fill('input[name="geo.country"]', 'sa')
    await page.fill('input[name="geo.url"]', 'https://shop.example/sa')
    await page.click('button[type=submit].primary')
    await page.waitForURL((u) => u.pathname === '/app/links')
    await page.waitForSelector(`main ${row('spring-sale')}`)

    const [link] = await (await d.s.api('/api/links?externalId=ext-1')).json()
    expect(link).toMatchObject({
      url: 'https://shop.example/spring',
      shortId: 'spring-sale',
      collectionId: collection.id,
      title: 'Spring sale',
      description: 'Everything 20% off',
      image: 'https://shop.example/spring.png',
      utm: { source: 'newsletter', medium: 'email', campaign: 'spring' },
      partnerId: partner.id,
      tenantId: 'tenant-1',
      tagIds: [tag.id],
      expiredUrl: 'https://shop.example/over',
      password: 'letmein',
      cloaked: true,
      ios: 'https://apps.apple.com/app/id1',
      android: 'https://play.google.com/store/apps/details?id=x',
      geo: { SA: 'https://shop.example/sa' },
    })
    // The browser's local time, converted: the same instant.
    const local = await page.evaluate(() => new Date('2099-12-31T23:30').toISOString())
    expect(link.expiresAt).toBe(local)
    // The table shows the names, not the ids.
    const text = await page.textContent(`main ${row('spring-sale')}`)
    for (const s of ['Spring sale', 'newsletter', 'Acme Affiliates', 'https://shop.example/spring']) expect(text).toContain(s)
    await shot(page, 'links', 'en')
  }, 60_000)

  test('edits the link (clearing fields), with the short id read-only', async () => {
    await page.goto('/app/links')
    await page.click(`${row('spring-sale')} a:has-text("Edit")`)
    await page.waitForSelector('input[name=url]')
    expect(await page.inputValue('input[name=url]')).toBe('https://shop.example/spring')
    expect(await page.getAttribute('input[name=shortId]', 'readonly')).not.toBeNull()
    await page.fill('input[name=title]', 'Spring sale, week 2')
    await page.fill('input[name=password]', '')
    await page.uncheck('input[name=cloaked]')
    await page.fill('input[name="utm.campaign"]', 'spring-2')
    await shot(page, 'link-edit', 'en')
    await page.click('button[type=submit].primary')
    await page.waitForURL((u) => u.pathname === '/app/links')
    await page.waitForSelector(`main ${row('Spring sale, week 2')}`)
    const [link] = await (await d.s.api('/api/links?externalId=ext-1')).json()
    expect(link).toMatchObject({ title: 'Spring sale, week 2', password: null, cloaked: false, utm: { source: 'newsletter', medium: 'email', campaign: 'spring-2' } })
  }, 60_000)

  test('QR preview with PNG and SVG downloads from this origin', async () => {
    await page.goto('/app/links')
    await page.click(`${row('spring-sale')} button:has-text("QR code")`)
    const img = page.locator('dialog[open] .qr img')
    await img.waitFor()
    await page.waitForFunction(() => (document.querySelector('dialog[open] .qr img') as HTMLImageElement | null)?.naturalWidth! > 0)
    for (const [label, type, magic] of [
      ['Download PNG', 'image/png', '\x89PNG'],
      ['Download SVG', 'image/svg+xml', '<svg'],
    ] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`dialog[open] a:has-text("${label}")`)])
      expect(download.suggestedFilename()).toBe(`spring-sale.${type === 'image/png' ? 'png' : 'svg'}`)
      const body = await Bun.file((await download.path())!).text()
      expect(body).toContain(magic === '<svg' ? '<svg' : 'PNG')
    }
    await shot(page, 'link-qr', 'en')
    await page.keyboard.press('Escape')
    expect(page.offsite).toEqual([])
  }, 60_000)

  test('search, filters, sort and paging over the table, with clicks from real redirects', async () => {
    const [collection] = await (await d.s.api('/api/collections')).json()
    const [other] = await (await d.s.api('/api/collections', { method: 'POST', json: [{ name: 'Other' }] })).json()
    const many = Array.from({ length: 30 }, (_, i) => ({ url: `https://shop.example/p/${i}`, collectionId: other.id, title: `Product ${String(i).padStart(2, '0')}` }))
    await d.s.api('/api/links', { method: 'POST', json: many })
    // Three real clicks on spring-sale (password removed in the edit above), by a browser (bots are not counted).
    for (let i = 0; i < 3; i++) expect((await fetch(`${d.url}/spring-sale`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })).status).toBe(302)

    await page.goto('/app/links')
    await page.waitForSelector('main table')
    expect(await page.textContent('.pager')).toContain('1–25 of 31')
    await page.click('.pager button:has-text("Next")')
    await page.waitForFunction(() => document.querySelector('.pager')?.textContent?.includes('26–31 of 31'))
    expect(await page.locator('main tbody tr').count()).toBe(6)

    await page.fill('input[name=search]', 'product 0')
    await page.click('form[role=search] button[type=submit]')
    await page.waitForFunction(() => document.querySelector('.pager')?.textContent?.includes('of 10'))
    expect(new URL(page.url()).searchParams.get('search')).toBe('product 0')

    // Clicks are written in groups: wait until the API counts them, then the table must show them.
    for (let i = 0; i < 50 && !(await (await d.s.api('/api/analytics/summary')).json()).clicks; i++) await Bun.sleep(100)
    await page.goto(`/app/links?collectionId=${collection.id}`)
    await page.waitForSelector(`main ${row('spring-sale')}`)
    expect(await page.locator('main tbody tr').count()).toBe(1)
    // Clicks: 3, from the summary grouped by link.
    await page.waitForFunction(() => document.querySelector('main tbody tr td.num')?.textContent === '3')

    await page.goto('/app/links?sort=asc&collectionId=' + other.id)
    await page.waitForSelector('main tbody tr')
    expect(await page.textContent('main tbody tr:first-child')).toContain('Product 00')
    expect(page.problems).toEqual([])
  }, 60_000)

  test('deletes a link after a confirmation; its short URL stops redirecting', async () => {
    await page.goto('/app/links?search=spring')
    await page.click(`${row('spring-sale')} button:has-text("Delete")`)
    const dialog = page.locator('dialog[open]')
    expect(await dialog.textContent()).toContain('spring-sale')
    // Cancel first: nothing happens.
    await page.click('dialog[open] button:has-text("Cancel")')
    expect((await fetch(`${d.url}/spring-sale`, { redirect: 'manual' })).status).toBe(302)
    await page.click(`${row('spring-sale')} button:has-text("Delete")`)
    await page.click('dialog[open] button.danger')
    await page.waitForSelector(`main ${row('spring-sale')}`, { state: 'detached' })
    expect((await fetch(`${d.url}/spring-sale`, { redirect: 'manual' })).status).toBe(404)
    expect(page.offsite).toEqual([])
    expect(page.problems).toEqual([])
  }, 60_000)
})
