import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { haveChromium, OWNER, shot, startDashboard, type Dashboard, type DashPage } from './dashboard-harness'

/** Settings > Integrations > API Keys, Members, Workspace; and what a viewer sees. */
let d: Dashboard
let page: DashPage
const VIEWER = { email: 'viewer@example.com', password: 'viewer password 123' }

describe.skipIf(!haveChromium)('dashboard: settings and roles', () => {
  beforeAll(async () => {
    d = await startDashboard()
    page = await d.session(OWNER.email, OWNER.password)
    d.s.cliJson(['user', 'create', '--email', VIEWER.email, '--password', VIEWER.password, '--workspace', 'default', '--role', 'viewer'])
  }, 60_000)
  afterAll(async () => {
    await d?.stop()
  })

  test('creates an API key with two scopes, shown once; it works against the API; revoked, it gets 401', async () => {
    await page.goto('/app/settings/api-keys')
    await page.fill('input[name=name]', 'Shop backend')
    await page.check('input[name=scopes][value=linksRead]')
    await page.check('input[name=scopes][value=collectionsWrite]')
    await page.click('section button[type=submit]')
    const secret = page.locator('dialog[open] .secret input')
    await secret.waitFor()
    const key = await secret.inputValue()
    expect(key).toMatch(/^hk_/)
    await shot(page, 'api-key-created', 'en')
    await page.click('dialog[open] button:has-text("Done")')

    const auth = { authorization: `Bearer ${key}` }
    expect((await fetch(`${d.url}/api/links`, { headers: auth })).status).toBe(200)
    const created = await fetch(`${d.url}/api/collections`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify([{ name: 'by key' }]) })
    expect(created.status).toBe(201)
    // Only those two scopes.
    expect((await fetch(`${d.url}/api/tags`, { headers: auth })).status).toBe(403)

    const row = page.locator('main tr:has-text("Shop backend")')
    expect(await row.textContent()).toContain('linksRead, collectionsWrite')
    expect(await row.textContent()).toContain(key.slice(0, 8))
    await row.locator('button:has-text("Revoke")').click()
    await page.click('dialog[open] button.danger')
    await page.waitForFunction(() => document.querySelector('main tr:has(td)')?.textContent?.includes('Revoked'))
    expect((await fetch(`${d.url}/api/links`, { headers: auth })).status).toBe(401)
    expect(page.problems).toEqual([])
  }, 60_000)

  test('members: an invite link to copy, a role change, and the last owner kept', async () => {
    await page.goto('/app/settings/members')
    await page.waitForSelector(`main tr:has-text("${VIEWER.email}")`)
    await page.selectOption('form.toolbar select[name=role]', 'member')
    await page.click('form.toolbar button[type=submit]')
    const link = page.locator('main .secret input')
    await link.waitFor()
    const url = await link.inputValue()
    expect(url).toStartWith(`${d.url}/invite?token=`)
    expect(await page.textContent('main')).toContain('Member')

    // Someone opens it and joins as a member.
    const invited = await d.page(await d.context())
    await invited.goto(url)
    await invited.fill('input[name=email]', 'invited@example.com')
    await invited.fill('input[name=name]', 'Ivan Invited')
    await invited.fill('input[name=password]', 'invited password 1')
    await Promise.all([invited.waitForURL((u) => u.pathname.startsWith('/app')), invited.click('form [type=submit]')])
    await invited.context().close()
    await page.reload()
    const ivan = page.locator('main tr:has-text("invited@example.com")')
    await ivan.waitFor()
    expect(await ivan.locator('select[name=role]').inputValue()).toBe('member')

    // Viewer → member, through the select.
    await page.locator(`main tr:has-text("${VIEWER.email}") select[name=role]`).selectOption('member')
    await page.waitForFunction(() => document.querySelector('.toasts')?.textContent?.includes('Role changed'))
    expect((await (await d.s.api('/api/members')).json()).find((m: any) => m.email === VIEWER.email).role).toBe('member')
    await page.locator(`main tr:has-text("${VIEWER.email}") select[name=role]`).selectOption('viewer')
    await page.waitForFunction(async () => (await (await fetch('/api/members')).json()).some((m: any) => m.role === 'viewer'))

    // The last owner cannot demote themselves: the API's reason is shown.
    await page.locator(`main tr:has-text("${OWNER.email}") select[name=role]`).selectOption('member')
    await page.waitForSelector('main .error-box')
    expect(await page.textContent('main .error-box')).toMatch(/owner/i)
    expect((await (await d.s.api('/api/members')).json()).find((m: any) => m.email === OWNER.email).role).toBe('owner')
    await shot(page, 'members', 'en')

    // Remove Ivan, after a confirmation.
    await ivan.locator('button:has-text("Remove")').click()
    await page.click('dialog[open] button.danger')
    await ivan.waitFor({ state: 'detached' })
    expect((await (await d.s.api('/api/members')).json()).map((m: any) => m.email).sort()).toEqual([OWNER.email, VIEWER.email].sort())
  }, 60_000)

  test('workspace: name and slug saved; plan and rate limit shown', async () => {
    await page.goto('/app/settings/workspace')
    await page.waitForSelector('input[name=name]')
    expect(await page.textContent('dl.facts')).toContain('default')
    await page.fill('input[name=slug]', 'Not A Slug')
    await page.click('main button[type=submit]')
    await page.waitForSelector('.field:has(input[name=slug]) .error')
    await page.fill('input[name=name]', 'Acme Marketing')
    await page.fill('input[name=slug]', 'acme')
    await page.click('main button[type=submit]')
    await page.waitForFunction(() => document.querySelector('dl.facts')?.textContent?.includes('Acme Marketing'))
    const ws = await (await d.s.api('/api/workspace')).json()
    expect(ws).toMatchObject({ name: 'Acme Marketing', slug: 'acme' })
    await shot(page, 'workspace', 'en')
  }, 60_000)

  test('a viewer sees no write controls, and the API refuses their writes anyway', async () => {
    const [collection] = await (await d.s.api('/api/collections', { method: 'POST', json: [{ name: 'Viewer can see' }] })).json()
    await d.s.api('/api/links', { method: 'POST', json: [{ url: 'https://shop.example/v', collectionId: collection.id, shortId: 'viewer-sees' }] })
    const viewer = await d.session(VIEWER.email, VIEWER.password)
    await viewer.goto('/app/links')
    await viewer.waitForSelector('main tr:has-text("viewer-sees")')
    const main = viewer.locator('main')
    expect(await main.locator('a:has-text("New link"), button:has-text("Delete"), a:has-text("Edit")').count()).toBe(0)
    expect(await main.locator('a.button:text-is("View")').count()).toBe(1)
    await viewer.click('main a.button:text-is("View")')
    await viewer.waitForSelector('input[name=url]')
    expect(await viewer.locator('main button[type=submit]').count()).toBe(0)
    expect(await viewer.locator('input[name=url]').isDisabled()).toBe(true)
    for (const path of ['/app/collections', '/app/tags', '/app/partners']) {
      await viewer.goto(path)
      await viewer.waitForSelector('main h1')
      expect(await viewer.locator('main button:has-text("New"), main button:has-text("Edit"), main button:has-text("Delete")').count()).toBe(0)
    }
    await viewer.goto('/app/settings/members')
    await viewer.waitForSelector(`main tr:has-text("${OWNER.email}")`)
    expect(await viewer.locator('main select:visible, main button:visible, main form:visible').count()).toBe(0)
    await viewer.goto('/app/settings/workspace')
    await viewer.waitForSelector('dl.facts')
    expect(await viewer.locator('main form').count()).toBe(0)
    // No API keys for a viewer: not in the menu.
    expect(await viewer.locator('nav.side a[href="/app/settings/api-keys"]').count()).toBe(0)

    // The API, asked directly with the viewer's session and CSRF token, refuses.
    const status = await viewer.evaluate(async () => {
      const me = await (await fetch('/api/me')).json()
      const res = await fetch('/api/links', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify([{ url: 'https://x.example', collectionId: me.workspace.id }]),
      })
      return res.status
    })
    expect(status).toBe(403)
    await shot(viewer, 'links-viewer', 'en')
    expect(viewer.problems).toEqual([])
    await viewer.context().close()
  }, 60_000)
})
