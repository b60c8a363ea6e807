import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { freePort, removeDir, startServer, type TestServer } from './harness'

/**
 * The browser scripts in a real headless Chromium. Test hostnames are mapped to 127.0.0.1: go.test is
 * Hoko, shop.test the advertiser's site (the links' destination), evil.test another site.
 * CI installs Debian's chromium (.ci/run); elsewhere the suite is skipped when it is missing.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium) {
  if (process.env.CI) throw new Error(`CI needs Chromium at ${CHROMIUM} for the browser tests (.ci/run installs it)`)
  console.warn(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`)
}

let s: TestServer
let shop: ReturnType<typeof Bun.serve>
let browser: Browser
let go: string
let shopUrl: string
let link: any


const page = (body: string) => new Response(`<!doctype html><html><head><meta charset="utf-8"></head><body>${body}</body></html>`, { headers: { 'content-type': 'text/html' } })

const clicks = (): Promise<any[]> => s.rows('SELECT * FROM clicks WHERE link_id = ? ORDER BY created_at, id', [link.id])

async function hokoCookie(context: Awaited<ReturnType<Browser['newContext']>>) {
  return (await context.cookies(shopUrl)).find((c) => c.name === 'hoko_id')?.value
}

describe.skipIf(!haveChromium)('in a real browser', () => {
  beforeAll(async () => {
    const port = await freePort()
    go = `http://go.test:${port}`
    s = await startServer({ env: { PORT: String(port), HOKO_BASE_URL: go } })
    shop = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch(req) {
        const url = new URL(req.url)
        if (url.pathname === '/landing') return page(`<h1>Landing</h1><script src="${go}/analytics.js"></script>`)
        if (url.pathname === '/embed')
          return page(`<h1>Embed</h1><script src="${go}/${url.searchParams.get('s')}/analytics.js?utm_source=blog&ref=friend"></script>`)
        return new Response('not found', { status: 404 })
      },
    })
    shopUrl = `http://shop.test:${shop.port}`
    const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'browser' }] })).json()
    ;[link] = await (await s.api('/api/links', { method: 'POST', json: [{ url: `${shopUrl}/landing`, collectionId: col.id }] })).json()
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--host-resolver-rules=MAP go.test 127.0.0.1, MAP shop.test 127.0.0.1, MAP evil.test 127.0.0.1',
      ],
    })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    shop?.stop(true)
    if (s) {
      await s.stop()
      removeDir(s.dir)
    }
  })

  test('following a short link to a page with analytics.js leaves the click id in the hoko_id cookie', async () => {
    const context = await browser.newContext()
    const tab = await context.newPage()
    await tab.goto(`${go}/${link.shortId}?utm_campaign=launch`)
    expect(new URL(tab.url()).pathname).toBe('/landing')
    const clickId = new URL(tab.url()).searchParams.get('hoko_id')
    await tab.waitForFunction(() => document.cookie.includes('hoko_id='))
    expect(await hokoCookie(context)).toBe(clickId!)
    const cookie = (await context.cookies(shopUrl)).find((c) => c.name === 'hoko_id')!
    expect(cookie.sameSite).toBe('Lax')
    expect(cookie.expires - Date.now() / 1000).toBeGreaterThan(89 * 24 * 3600)
    expect((await clicks()).at(-1).id).toBe(clickId)

    // A newer click replaces the cookie.
    await tab.goto(`${go}/${link.shortId}`)
    const newer = new URL(tab.url()).searchParams.get('hoko_id')!
    await tab.waitForFunction((id) => document.cookie.includes(`hoko_id=${id}`), newer)
    expect(await hokoCookie(context)).toBe(newer)
    await context.close()
  })

  test('an embedding page on the destination host records a click whose id becomes the cookie and converts', async () => {
    const before = (await clicks()).length
    const context = await browser.newContext()
    const tab = await context.newPage()
    await tab.goto(`${shopUrl}/embed?s=${link.shortId}`)
    await tab.waitForFunction(() => document.cookie.includes('hoko_id='))
    const clickId = await hokoCookie(context)
    const all = await clicks()
    expect(all.length).toBe(before + 1)
    const click = all.at(-1)
    expect(click.id).toBe(clickId)
    expect(click.destination).toBe(`${shopUrl}/embed?s=${link.shortId}`)
    expect(JSON.parse(click.utm)).toEqual({ source: 'blog', referral: 'friend' })
    expect(click.qr).toBe(0)
    expect(click.browser_name).toBe('Chrome Headless')
    const vsid = (await context.cookies(shopUrl)).find((c) => c.name === 'hoko_vsid')!
    expect(vsid.value).toBe(click.visitor_session_id)

    const lead = await s.api('/api/track/lead', {
      method: 'POST',
      json: { clickId, eventName: 'Sign up', customerExternalId: 'browser-customer', customerName: 'Browser' },
    })
    expect(lead.status).toBe(201)
    expect((await lead.json()).click.id).toBe(clickId)
    await context.close()
  })

  test('an existing hoko_id cookie is not overwritten by an embedded click', async () => {
    const context = await browser.newContext()
    await context.addCookies([{ name: 'hoko_id', value: 'from-an-earlier-redirect', url: shopUrl }])
    const before = (await clicks()).length
    const tab = await context.newPage()
    await tab.goto(`${shopUrl}/embed?s=${link.shortId}`)
    await tab.waitForFunction(() => document.cookie.includes('hoko_vsid='))
    for (let i = 0; i < 50 && (await clicks()).length === before; i++) await Bun.sleep(50)
    expect((await clicks()).length).toBe(before + 1)
    await Bun.sleep(200)
    expect(await hokoCookie(context)).toBe('from-an-earlier-redirect')
    await context.close()
  })

  test('a hoko_id on the embedding page URL wins over the embedded click', async () => {
    const context = await browser.newContext()
    const tab = await context.newPage()
    await tab.goto(`${shopUrl}/embed?s=${link.shortId}&hoko_id=from-the-url`)
    await tab.waitForFunction(() => document.cookie.includes('hoko_id='))
    const before = (await clicks()).length
    for (let i = 0; i < 50 && (await clicks()).length === before; i++) await Bun.sleep(50)
    await Bun.sleep(200)
    expect(await hokoCookie(context)).toBe('from-the-url')
    await context.close()
  })

  test('a page on another host records nothing', async () => {
    const before = (await clicks()).length
    const context = await browser.newContext()
    const tab = await context.newPage()
    const evil = `http://evil.test:${shop.port}`
    await tab.goto(`${evil}/embed?s=${link.shortId}`)
    await tab.waitForLoadState('networkidle')
    await Bun.sleep(300)
    expect((await clicks()).length).toBe(before)
    expect((await context.cookies(evil)).map((c) => c.name)).not.toContain('hoko_id')
    await context.close()
  })
})
