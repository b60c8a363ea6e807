import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { SCALAR_FILE, SCALAR_INTEGRITY, SCALAR_URL, SCALAR_VERSION } from '../src/docs/routes'
import { removeDir, startServer, type TestServer } from './harness'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** The file the CDN URL serves, from the npm tarball of that version; null when npm cannot get it here. */
function scalarFromNpm(): Buffer | null {
  const dir = mkdtempSync(join(tmpdir(), 'hoko-scalar-'))
  try {
    // From npm's cache when it is there; CI, which runs npm ci, always has the registry.
    const pack = Bun.spawnSync(
      ['npm', 'pack', `@scalar/api-reference@${SCALAR_VERSION}`, '--prefer-offline', '--silent', '--pack-destination', dir],
      { stdout: 'pipe', stderr: 'pipe' },
    )
    if (pack.exitCode !== 0) {
      if (process.env.CI) throw new Error(`npm pack failed: ${pack.stderr}`)
      console.warn(`Scalar file checks skipped: npm pack @scalar/api-reference@${SCALAR_VERSION} failed (offline, empty cache?)`)
      return null
    }
    const file = Bun.spawnSync(['tar', '-xzOf', join(dir, pack.stdout.toString().trim()), `package/${SCALAR_FILE}`], { stdout: 'pipe' })
    if (file.exitCode !== 0) throw new Error(`no ${SCALAR_FILE} in the tarball`)
    return Buffer.from(file.stdout)
  } finally {
    removeDir(dir)
  }
}

// Read when the file loads: the skips below depend on it.
const scalar = scalarFromNpm()
let s: TestServer
beforeAll(async () => {
  s = await startServer()
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

test('/docs loads one pinned Scalar version, with an integrity hash and crossorigin="anonymous"', async () => {
  const res = await fetch(`${s.url}/docs`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
  const html = await res.text()
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]*)"[^>]*>/g)]
  expect(scripts.map((m) => m[1])).toEqual([SCALAR_URL])
  expect(SCALAR_URL).toBe(`https://cdn.jsdelivr.net/npm/@scalar/api-reference@${SCALAR_VERSION}/dist/browser/standalone.js`)
  expect(SCALAR_VERSION).toMatch(/^\d+\.\d+\.\d+$/)
  const tag = scripts[0][0]
  expect(tag).toContain(`integrity="${SCALAR_INTEGRITY}"`)
  expect(tag).toContain('crossorigin="anonymous"')
  expect(SCALAR_INTEGRITY).toMatch(/^sha384-[A-Za-z0-9+/]{64}$/)
  expect(html).not.toContain('@latest')
  // The page reads the same document /openapi.json serves.
  expect(html).toContain('<script id="api-reference" data-url="/openapi.json"></script>')
  expect((await fetch(`${s.url}/openapi.json`)).status).toBe(200)
})

test.skipIf(!scalar)('the integrity hash is the sha384 of that file in the npm tarball of that version', () => {
  expect(scalar!.length).toBeGreaterThan(100_000)
  expect(`sha384-${createHash('sha384').update(scalar!).digest('base64')}`).toBe(SCALAR_INTEGRITY)
})

describe.skipIf(!existsSync(CHROMIUM))('in a real browser (the CDN answered locally, nothing leaves the machine)', () => {
  /** Opens /docs with the CDN URL answered by `body`; everything not on the test server is refused. */
  async function openDocs(body: Buffer) {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())))
    await page.route('**/*', (route) => {
      const url = route.request().url()
      if (url === SCALAR_URL)
        return route.fulfill({ body, contentType: 'application/javascript', headers: { 'access-control-allow-origin': '*' } })
      return url.startsWith(`${s.url}/`) ? route.continue() : route.abort()
    })
    await page.goto(`${s.url}/docs`)
    return { browser, page, errors }
  }

  test.skipIf(!scalar)('the pinned file renders the API reference; a changed file is refused', async () => {
    const ok = await openDocs(scalar!)
    try {
      await ok.page.getByText('Health check: answers once the database does').first().waitFor({ timeout: 30_000 })
    } finally {
      await ok.browser.close()
    }
    const changed = await openDocs(Buffer.concat([scalar!, Buffer.from('\n;document.title = "tampered"')]))
    try {
      for (let i = 0; i < 100 && !changed.errors.some((e) => e.includes('integrity')); i++) await Bun.sleep(100)
      expect(changed.errors.find((e) => e.includes('integrity'))).toContain('The resource has been blocked')
      expect(await changed.page.title()).toBe('Hoko API')
      expect(await changed.page.evaluate(() => document.body.innerText.trim())).toBe('')
    } finally {
      await changed.browser.close()
    }
  }, 90_000)
})
