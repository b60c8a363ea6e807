import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { haveChromium, OWNER, shot, startDashboard, type Dashboard } from './dashboard-harness'

/**
 * The shell around every page: served only to a session, with a strict CSP and assets under
 * /app/assets/; the setup link, login, logout, wrong password and the brake; Arabic and the
 * remembered language switch; CSRF from another origin.
 */
let d: Dashboard

describe.skipIf(!haveChromium)('dashboard shell', () => {
  beforeAll(async () => {
    d = await startDashboard()
  }, 60_000)
  afterAll(async () => {
    await d?.stop()
  }, 60_000)

  test('the setup link created the first user, owner of default and instance admin; the link then stops working', async () => {
    const [user] = await d.s.rows('SELECT * FROM users')
    expect(user.email).toBe(OWNER.email)
    expect(user.is_admin).toBe(1)
    const again = await fetch(d.setupUrl)
    expect(again.status).toBe(410)
  }, 60_000)

  test('/app without a session goes to the login page, keeping where it was going', async () => {
    for (const path of ['/app', '/app/links?search=x', '/app/settings/api-keys']) {
      const res = await fetch(d.url + path, { redirect: 'manual' })
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent(path)}`)
    }
    // A cookie that is no session is no better.
    const res = await fetch(`${d.url}/app`, { redirect: 'manual', headers: { cookie: 'hoko_session=forged' } })
    expect(res.status).toBe(303)
  }, 60_000)

  test('logs in, lands on the page it was sent from, with a strict CSP and assets under /app/assets/', async () => {
    const page = await d.page(await d.context())
    await d.login(page, OWNER.email, OWNER.password, '/app/tags')
    expect(new URL(page.url()).pathname).toBe('/app/tags')
    await page.waitForSelector('main h1')
    const res = await page.request.get('/app/tags')
    const csp = res.headers()['content-security-policy']
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("style-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    const html = await res.text()
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])
    expect(assets.length).toBeGreaterThanOrEqual(2)
    for (const a of assets) {
      expect(a.startsWith('/app/assets/')).toBe(true)
      const r = await fetch(d.url + a)
      expect(r.status).toBe(200)
      expect(r.headers.get('cache-control')).toContain('immutable')
    }
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/)
    expect(page.offsite).toEqual([])
    expect(page.problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('a wrong password is refused with the same message as an unknown email', async () => {
    const page = await d.page(await d.context())
    const messages: string[] = []
    for (const email of [OWNER.email, 'nobody@example.com']) {
      await page.goto('/login')
      await page.fill('input[name=email]', email)
      await page.fill('input[name=password]', 'not the password')
      await Promise.all([page.waitForLoadState('load'), page.click('form[action="/login"] [type=submit]')])
      expect(new URL(page.url()).pathname).toBe('/login')
      messages.push((await page.textContent('body'))!.replace(email, ''))
    }
    expect(messages[0]).toContain('Wrong email or password')
    expect(messages[0]).toBe(messages[1])
    await page.context().close()
  }, 60_000)

  test('logging out ends the session on the server: the old cookie opens nothing', async () => {
    const page = await d.session(OWNER.email, OWNER.password)
    const cookie = (await page.context().cookies()).find((c) => c.name === 'hoko_session')!
    await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('form[action="/logout"] [type=submit]')])
    const replay = await fetch(`${d.url}/api/me`, { headers: { cookie: `hoko_session=${cookie.value}` } })
    expect(replay.status).toBe(401)
    const app = await fetch(`${d.url}/app/links`, { redirect: 'manual', headers: { cookie: `hoko_session=${cookie.value}` } })
    expect(app.status).toBe(303)
    await page.context().close()
  }, 60_000)

  test('Arabic from Accept-Language: <html lang="ar" dir="rtl">, the layout mirrored; the switch is remembered', async () => {
    const page = await d.session(OWNER.email, OWNER.password, { lang: 'ar' })
    await page.goto('/app/links')
    await page.waitForSelector('main h1')
    expect(await page.getAttribute('html', 'lang')).toBe('ar')
    expect(await page.getAttribute('html', 'dir')).toBe('rtl')
    expect(await page.textContent('main h1')).toBe('الروابط')
    // Mirrored: the menu sits on the right of the content.
    const nav = (await page.locator('nav.side').boundingBox())!
    const main = (await page.locator('main').boundingBox())!
    expect(nav.x).toBeGreaterThan(main.x)

    // Switch to English: the page follows at once; a reload, the login page and the account keep it.
    await page.click('header button[lang=en]')
    await page.waitForFunction(() => document.documentElement.lang === 'en')
    expect(await page.getAttribute('html', 'dir')).toBe('ltr')
    expect(await page.textContent('main h1')).toBe('Links')
    await page.waitForFunction(async () => (await (await fetch('/api/me')).json()).user.language === 'en')
    await page.reload()
    await page.waitForSelector('main h1')
    expect(await page.getAttribute('html', 'lang')).toBe('en')
    expect(await page.textContent('main h1')).toBe('Links')
    expect(await (await page.request.get('/login')).text()).toContain('lang="en"')

    // And back: Arabic is remembered the same way, and saved on the account.
    await page.click('header button[lang=ar]')
    await page.waitForFunction(() => document.documentElement.dir === 'rtl')
    await page.waitForFunction(async () => (await (await fetch('/api/me')).json()).user.language === 'ar')
    await page.reload()
    await page.waitForSelector('main h1')
    expect(await page.getAttribute('html', 'dir')).toBe('rtl')
    expect(page.offsite).toEqual([])
    expect(page.problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('CSRF: a page on another origin posting to the API with the user’s cookie is refused, and nothing is written', async () => {
    const page = await d.session(OWNER.email, OWNER.password)
    const evil = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: () =>
        new Response(
          `<!doctype html><html><body>
          <form id="f" method="post" action="${d.url}/api/collections" enctype="text/plain"><input name='[{"name":"evil form","x":"' value='"}]'></form>
          <script>
            fetch(${JSON.stringify(`${d.url}/api/collections`)}, { method: 'POST', credentials: 'include', mode: 'no-cors',
              headers: { 'content-type': 'text/plain' }, body: JSON.stringify([{ name: 'evil fetch' }]) })
              .finally(() => document.getElementById('f').submit())
          </script></body></html>`,
          { headers: { 'content-type': 'text/html' } },
        ),
    })
    try {
      // 127.0.0.1 with another port is another origin; "localhost" would be another site too.
      const evilUrl = `http://127.0.0.1:${evil.port}/`
      const responses: number[] = []
      page.on('response', (r) => {
        if (r.url().endsWith('/api/collections')) responses.push(r.status())
      })
      await page.goto(evilUrl)
      await page.waitForURL((u) => u.href.startsWith(`${d.url}/api/collections`))
      expect(await page.textContent('body')).toContain('CSRF')
      // Even with the header a page elsewhere cannot read, the Origin gives it away.
      const withOrigin = await fetch(`${d.url}/api/collections`, {
        method: 'POST',
        headers: {
          cookie: (await page.context().cookies(d.url)).map((c) => `${c.name}=${c.value}`).join('; '),
          origin: `http://127.0.0.1:${evil.port}`,
          'content-type': 'application/json',
          'x-csrf-token': (await d.me(await d.session(OWNER.email, OWNER.password))).csrfToken,
        },
        body: JSON.stringify([{ name: 'evil origin' }]),
      })
      expect(withOrigin.status).toBe(403)
      expect(await d.s.rows("SELECT count(*) AS n FROM collections WHERE name LIKE 'evil%'")).toEqual([{ n: 0 }])
      expect(responses.every((s) => s === 403)).toBe(true)
    } finally {
      evil.stop(true)
      await page.context().close()
    }
  }, 60_000)

  // Last: the brake counts failures per address, and every test here comes from 127.0.0.1.
  test('repeated failures are slowed, then refused with the wait shown', async () => {
    const page = await d.page(await d.context())
    let text = ''
    for (let i = 0; i < 8 && !/Try again in \d+ seconds/.test(text); i++) {
      await page.goto('/login')
      await page.fill('input[name=email]', OWNER.email)
      await page.fill('input[name=password]', `wrong ${i}`)
      await Promise.all([page.waitForLoadState('load'), page.click('form[action="/login"] [type=submit]')])
      text = (await page.textContent('body')) ?? ''
    }
    expect(text).toMatch(/Too many failed attempts\. Try again in \d+ seconds\./)
    // Even the right password waits until then.
    await page.fill('input[name=email]', OWNER.email)
    await page.fill('input[name=password]', OWNER.password)
    await Promise.all([page.waitForLoadState('load'), page.click('form[action="/login"] [type=submit]')])
    expect(new URL(page.url()).pathname).toBe('/login')
    await shot(page, 'login-brake', 'en')
    await page.context().close()
  })
})
