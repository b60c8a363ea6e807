import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { freePort, ROOT, startServer, type TestServer } from './harness'

/**
 * Shared by the test/dashboard-*.test.ts suites: one Hoko server and one headless Chromium per file,
 * the first user created through the printed /setup link, pages that record every request leaving
 * the origin, axe-core, and screenshots in test-artifacts/screenshots/<lang>/<name>.png.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const haveChromium = existsSync(CHROMIUM)
if (!haveChromium) {
  if (process.env.CI) throw new Error(`CI needs Chromium at ${CHROMIUM} for the dashboard tests (.ci/run installs it)`)
  console.warn(`dashboard tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`)
}

export type Lang = 'en' | 'ar'
export const OWNER = { email: 'owner@example.com', name: 'Olivia Owner', password: 'correct horse battery staple' }

export type DashPage = Page & {
  /** Requests to any other origin than the server's (data: and blob: are local). */
  offsite: string[]
  /** Page errors and console errors (a CSP violation is one). */
  problems: string[]
}

export type Dashboard = {
  s: TestServer
  browser: Browser
  url: string
  setupUrl: string
  /** A browser context (its own cookies) with pages that record what leaves the origin. */
  context(o?: { lang?: Lang; width?: number }): Promise<BrowserContext>
  page(context: BrowserContext): Promise<DashPage>
  /** Logs in through the /login form; lands on `next` (default /app → /app/links). */
  login(page: Page, email: string, password: string, next?: string): Promise<void>
  /** A context and page already logged in as this user. */
  session(email: string, password: string, o?: { lang?: Lang; width?: number }): Promise<DashPage>
  /** The signed-in page's CSRF token and workspace (from /api/me), for direct API calls in tests. */
  me(page: Page): Promise<any>
  stop(): Promise<void>
}


export async function startDashboard(o: { env?: Record<string, string | undefined>; setup?: boolean } = {}): Promise<Dashboard> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const s = await startServer({ env: { PORT: String(port), HOKO_BASE_URL: url, ...o.env } })
  const setupUrl = /create the first dashboard user: (\S+)/.exec(s.stdout)?.[1] ?? ''
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  const contexts: BrowserContext[] = []
  const dash: Dashboard = {
    s,
    browser,
    url,
    setupUrl,
    async context({ lang = 'en', width = 1280 } = {}) {
      const context = await browser.newContext({
        locale: lang === 'ar' ? 'ar-SA' : 'en-US',
        extraHTTPHeaders: { 'accept-language': lang === 'ar' ? 'ar' : 'en' },
        viewport: { width, height: 900 },
        baseURL: url,
      })
      contexts.push(context)
      return context
    },
    async page(context) {
      const page = (await context.newPage()) as DashPage
      page.offsite = []
      page.problems = []
      page.on('request', (r) => {
        const u = r.url()
        if (!u.startsWith(`${url}/`) && !u.startsWith('data:') && !u.startsWith('blob:') && u !== 'about:blank') page.offsite.push(u)
      })
      page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`))
      page.on('console', (m) => {
        if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (4\d\d)/.test(m.text())) page.problems.push(`console: ${m.text()}`)
      })
      page.on('dialog', (d) => {
        page.problems.push(`dialog: ${d.message()}`)
        void d.dismiss()
      })
      return page
    },
    async login(page, email, password, next) {
      await page.goto(`/login${next ? `?next=${encodeURIComponent(next)}` : ''}`)
      await page.fill('input[name=email]', email)
      await page.fill('input[name=password]', password)
      await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/app')), page.click('form[action="/login"] [type=submit]')])
    },
    async session(email, password, opts) {
      const page = await dash.page(await dash.context(opts))
      await dash.login(page, email, password)
      await page.waitForSelector('main h1')
      return page
    },
    me: (page) => page.evaluate(async () => (await fetch('/api/me', { credentials: 'same-origin' })).json()),
    async stop() {
      for (const c of contexts) await c.close().catch(() => undefined)
      await browser.close()
      await s.stop()
    },
  }
  if (o.setup !== false) {
    // The first user, through the printed link, as an operator would.
    const page = await dash.page(await dash.context())
    await page.goto(setupUrl)
    await page.fill('input[name=email]', OWNER.email)
    await page.fill('input[name=name]', OWNER.name)
    await page.fill('input[name=password]', OWNER.password)
    await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/app')), page.click('form [type=submit]')])
    await page.context().close()
  }
  return dash
}

const AXE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8')

/** axe-core's serious and critical violations on the page as it is now (empty when none). */
export async function axe(page: Page): Promise<string[]> {
  // Evaluated through DevTools, not a <script>: the page's CSP (rightly) allows no inline script.
  await page.evaluate(`${AXE};undefined`)
  const result: any = await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)
  return (result.violations as any[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3).join(', ')}`)
}

/** A full-page PNG for reviewers: test-artifacts/screenshots/<lang>/<name>.png. */
export async function shot(page: Page, name: string, lang: Lang) {
  const dir = join(ROOT, 'test-artifacts', 'screenshots', lang)
  mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true })
}

/** Whether the page scrolls sideways (it must not at 375 px: tables scroll inside their own box). */
export const pageScrollWidth = (page: Page): Promise<number> => page.evaluate(() => document.documentElement.scrollWidth)
