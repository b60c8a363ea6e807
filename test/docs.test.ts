import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { DOCS_CSP, SCALAR_PATH, SCALAR_VERSION } from '../src/docs/routes'
import { removeDir, ROOT, startServer, type TestServer } from './harness'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const PACKAGE = join(ROOT, 'node_modules/@scalar/api-reference')

let s: TestServer
beforeAll(async () => {
  s = await startServer()
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

test('the pinned version is the one installed, and package.json pins it exactly', async () => {
  expect((await Bun.file(join(PACKAGE, 'package.json')).json()).version).toBe(SCALAR_VERSION)
  const pkg = await Bun.file(join(ROOT, 'package.json')).json()
  expect(pkg.devDependencies['@scalar/api-reference']).toBe(SCALAR_VERSION)
})

test('/docs loads Scalar from this server only, under a strict Content-Security-Policy', async () => {
  const res = await fetch(`${s.url}/docs`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
  expect(res.headers.get('content-security-policy')).toBe(DOCS_CSP)
  const csp = Object.fromEntries(DOCS_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]))
  expect(csp['default-src']).toEqual(["'none'"])
  expect(csp['script-src']).toEqual(["'self'"])
  expect(csp['connect-src']).toEqual(["'self'"])
  // No directive names another origin.
  expect(DOCS_CSP).not.toMatch(/https?:|\*/)
  const html = await res.text()
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]*)"[^>]*>/g)].map((m) => m[1])
  expect(scripts).toEqual([SCALAR_PATH])
  expect(html).not.toMatch(/https?:\/\//)
  expect(html).toContain('data-url="/openapi.json"')
})

test('the script is the file of the npm package, served from the binary with a long cache', async () => {
  const res = await fetch(`${s.url}${SCALAR_PATH}`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
  expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
  const body = new Uint8Array(await res.arrayBuffer())
  const file = await Bun.file(join(PACKAGE, 'dist/browser/standalone.js')).bytes()
  expect(body.length).toBe(file.length)
  expect(Bun.hash(body)).toBe(Bun.hash(file))
  // Another version's path is no asset: it falls through to the short-link route.
  expect((await fetch(`${s.url}/docs/assets/scalar-0.0.0.js`)).status).toBe(404)
})

describe.skipIf(!existsSync(CHROMIUM))('in a real browser, with every other origin blocked', () => {
  test('the API reference lists the operations, and every request stays on this origin', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
    try {
      const page = await browser.newPage()
      const requests: string[] = []
      const refused: string[] = []
      page.on('console', (m) => void (m.type() === 'error' && /Content Security Policy|Refused/.test(m.text()) && refused.push(m.text())))
      await page.route('**/*', (route) => {
        const url = route.request().url()
        requests.push(url)
        return url.startsWith(`${s.url}/`) ? route.continue() : route.abort()
      })
      await page.goto(`${s.url}/docs`)
      await page.getByText('Health check: answers once the database does').first().waitFor({ timeout: 30_000 })
      // Tag groups start collapsed, each listing its operations by method and path (lower ones render on scroll).
      const listed = ['GET\n/api/links', 'POST\n/api/links/import', 'GET\n/api/links/export', 'PUT\n/api/collections']
      await page.waitForFunction((ops) => ops.every((op) => document.body.innerText.includes(op)), listed, { timeout: 30_000 })
      // Let late requests (fonts, images, telemetry) show up before judging.
      await page.waitForLoadState('networkidle')
      expect(requests.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && !u.startsWith(`${s.url}/`))).toEqual([])
      expect(requests).toContain(`${s.url}${SCALAR_PATH}`)
      expect(requests).toContain(`${s.url}/openapi.json`)
      expect(refused).toEqual([])
    } finally {
      await browser.close()
    }
  }, 90_000)
})
