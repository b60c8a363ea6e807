import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { expectBilingual, removeDir, startServer, type TestServer, UA } from './harness'

// GET /metrics: who may read it, what it says, and that Prometheus's own checker accepts it.

const PROMTOOL = process.env.PROMTOOL_PATH ?? '/usr/bin/promtool'
const TOKEN = 'metrics-token-0123456789abcdef'

/** The value of one sample (`name{labels}` exactly as exposed), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

/** `promtool check metrics`: exit code 0 and no complaints, or the complaints. */
function promtoolComplaints(text: string): string | null {
  if (!existsSync(PROMTOOL)) {
    if (process.env.CI) throw new Error(`CI needs promtool at ${PROMTOOL} (.ci/run installs Debian's prometheus)`)
    console.warn(`promtool check skipped: no promtool at ${PROMTOOL} (apt-get install prometheus, or set PROMTOOL_PATH)`)
    return null
  }
  const r = Bun.spawnSync([PROMTOOL, 'check', 'metrics'], { stdin: new TextEncoder().encode(text), stdout: 'pipe', stderr: 'pipe' })
  const said = (r.stdout.toString() + r.stderr.toString()).trim()
  return r.exitCode === 0 && said === '' ? null : `exit ${r.exitCode}: ${said}`
}

describe('without HOKO_METRICS_TOKEN', () => {
  let s: TestServer
  let collectionId: string
  const visit = (path: string, init: RequestInit = {}) =>
    fetch(`${s.url}${path}`, { redirect: 'manual', ...init, headers: { 'user-agent': UA.chromeWindows, ...init.headers } })
  const metrics = async () => {
    const res = await fetch(`${s.url}/metrics`)
    expect(res.status).toBe(200)
    return res.text()
  }
  async function link(fields: Record<string, unknown>) {
    const res = await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com/landing', collectionId, ...fields }] })
    const body = await res.json()
    if (res.status !== 201) throw new Error(JSON.stringify(body))
    return body[0]
  }

  beforeAll(async () => {
    s = await startServer({ env: { HOKO_RATE_LIMIT: '1000', HOKO_KEYLESS_RATE_LIMIT: '2' } })
    collectionId = (await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'Metrics' }] })).json())[0].id
  })
  afterAll(async () => {
    await s.stop()
    removeDir(s.dir)
  })

  test('a loopback client reads Prometheus text that promtool accepts', async () => {
    const res = await fetch(`${s.url}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const text = await res.text()
    for (const name of [
      'hoko_redirects_total',
      'hoko_clicks_written_total',
      'hoko_clicks_deleted_total',
      'hoko_click_batch_size',
      'hoko_click_commit_seconds',
      'hoko_link_cache_lookups_total',
      'hoko_rate_limited_total',
      'hoko_rollup_lag_clicks',
      'process_resident_memory_bytes',
      'hoko_heap_used_bytes',
      'process_start_time_seconds',
      'hoko_uptime_seconds',
      'hoko_build_info',
    ])
      expect(text).toContain(`# TYPE ${name} `)
    // The database file's size, on SQLite; PostgreSQL's files are its server's own.
    if (s.engine === 'sqlite') expect(sample(text, 'hoko_database_size_bytes{file="main"}')).toBeGreaterThan(0)
    else expect(text).not.toContain('hoko_database_size_bytes')
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0)
    expect(text).toMatch(/^hoko_build_info\{version="\d+\.\d+\.\d+",bun="[^"]+"\} 1$/m)
    expect(promtoolComplaints(text)).toBeNull()
  })

  test('a request that came through a proxy is refused, whatever its socket address', async () => {
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const res = await fetch(`${s.url}/metrics`, { headers: { [header]: header === 'forwarded' ? 'for=203.0.113.9' : '203.0.113.9' } })
      expect(res.status).toBe(403)
      expect(expectBilingual(await res.json()).en).toContain('HOKO_METRICS_TOKEN')
    }
  })

  test('counters move after redirects, clicks, API calls, a 429 and cache hits', async () => {
    const plain = await link({})
    const locked = await link({ password: 'open sesame' })
    const expired = await link({ expiresAt: new Date(Date.now() - 60_000).toISOString() })
    const before = await metrics()

    for (let i = 0; i < 3; i++) expect((await visit(`/${plain.shortId}`)).status).toBe(302)
    expect((await visit('/no-such-link')).status).toBe(404)
    expect((await visit(`/${expired.shortId}`)).status).toBe(410)
    expect((await visit(`/${locked.shortId}`)).status).toBe(200)
    const wrong = await visit(`/${locked.shortId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'password=nope',
    })
    expect(wrong.status).toBe(401)
    expect((await s.api('/api/links')).status).toBe(200)
    // The keyless limit is 2 a minute from one address: the third /qrcode is refused.
    const qr = () => fetch(`${s.url}/qrcode?text=${encodeURIComponent('https://go.example.test/abc')}`)
    const codes = [(await qr()).status, (await qr()).status, (await qr()).status]
    expect(codes).toEqual([200, 200, 429])

    const after = await metrics()
    const moved = (series: string) => (sample(after, series) ?? 0) - (sample(before, series) ?? 0)
    expect(moved('hoko_redirects_total{outcome="redirect"}')).toBe(3)
    expect(moved('hoko_redirects_total{outcome="not_found"}')).toBe(1)
    expect(moved('hoko_redirects_total{outcome="gone"}')).toBe(1)
    expect(moved('hoko_redirects_total{outcome="password"}')).toBe(1)
    expect(moved('hoko_redirects_total{outcome="password_wrong"}')).toBe(1)
    // Each answered redirect is a committed click, in batches the histogram counts.
    expect(moved('hoko_clicks_written_total')).toBe(3)
    expect(moved('hoko_click_batch_size_sum')).toBe(3)
    expect(moved('hoko_click_batch_size_count')).toBeGreaterThanOrEqual(1)
    expect(moved('hoko_click_commit_seconds_count')).toBe(moved('hoko_click_batch_size_count'))
    // The first visit of each link reads the database, the later ones the cache.
    expect(moved('hoko_link_cache_lookups_total{result="hit"}')).toBeGreaterThanOrEqual(3)
    expect(moved('hoko_link_cache_lookups_total{result="miss"}')).toBeGreaterThanOrEqual(1)
    expect(moved('hoko_rate_limited_total{limiter="keyless"}')).toBe(1)
    expect(moved('hoko_api_requests_total{method="GET",route="/api/links",status="200"}')).toBe(1)
    expect(moved('hoko_api_request_duration_seconds_count{method="GET",route="/api/links"}')).toBe(1)
    // The route pattern, never the path: one series for every link id.
    expect(after).not.toContain(plain.id)
    expect(sample(after, 'hoko_rollup_lag_clicks')).toBeGreaterThanOrEqual(0)
    expect(promtoolComplaints(after)).toBeNull()
  })

  test('an unmatched API path counts under its catch-all pattern, not its raw path', async () => {
    const before = await metrics()
    expect((await s.api('/api/nothing-here/12345')).status).toBe(404)
    const after = await metrics()
    const series = 'hoko_api_requests_total{method="GET",route="/api/*",status="404"}'
    expect((sample(after, series) ?? 0) - (sample(before, series) ?? 0)).toBe(1)
    expect(after).not.toContain('nothing-here')
  })

  test('a short link cannot be named metrics', async () => {
    const res = await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com', collectionId, shortId: 'metrics' }] })
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toContain('reserved')
  })
})

describe('with HOKO_METRICS_TOKEN', () => {
  let s: TestServer
  beforeAll(async () => {
    s = await startServer({ env: { HOKO_METRICS_TOKEN: TOKEN, HOKO_RATE_LIMIT: '3' } })
  })
  afterAll(async () => {
    await s.stop()
    removeDir(s.dir)
  })
  const scrape = (authorization?: string) => fetch(`${s.url}/metrics`, { headers: authorization ? { authorization } : {} })

  test('without a token: 401, even from loopback', async () => {
    for (const auth of [undefined, 'Bearer', 'Basic bWV0cmljczp4']) {
      const res = await scrape(auth)
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"')
      expectBilingual(await res.json())
    }
  })

  test('with a wrong token: 403', async () => {
    for (const token of ['wrong', `${TOKEN}x`, TOKEN.slice(0, -1), TOKEN.toUpperCase()]) {
      const res = await scrape(`Bearer ${token}`)
      expect(res.status).toBe(403)
      expect(expectBilingual(await res.json()).en).toBe('Wrong metrics token')
    }
  })

  test('with the token: the metrics, through a proxy too; an API 429 is counted', async () => {
    for (let i = 0; i < 3; i++) expect((await s.api('/api/links')).status).toBe(200)
    expect((await s.api('/api/links')).status).toBe(429)
    const res = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '203.0.113.9' } })
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(sample(text, 'hoko_rate_limited_total{limiter="api"}')).toBe(1)
    expect(sample(text, 'hoko_api_requests_total{method="GET",route="/api/links",status="429"}')).toBe(1)
    expect(sample(text, 'hoko_api_requests_total{method="GET",route="/api/links",status="200"}')).toBe(3)
    expect(promtoolComplaints(text)).toBeNull()
  })
})

describe('behind a declared proxy without a token', () => {
  test('HOKO_TRUST_PROXY > 0 refuses even a direct loopback request: the proxy connects from loopback too', async () => {
    const s = await startServer({ env: { HOKO_TRUST_PROXY: '1' } })
    try {
      const res = await fetch(`${s.url}/metrics`)
      expect(res.status).toBe(403)
      expect(expectBilingual(await res.json()).en).toContain('HOKO_METRICS_TOKEN')
    } finally {
      await s.stop()
      removeDir(s.dir)
    }
  })
})

describe('configuration', () => {
  test('a short or spaced HOKO_METRICS_TOKEN stops the server at start', async () => {
    const { loadConfig } = await import('../src/config')
    expect(() => loadConfig({ HOKO_METRICS_TOKEN: 'short' })).toThrow('HOKO_METRICS_TOKEN must be at least 16 printable characters')
    expect(() => loadConfig({ HOKO_METRICS_TOKEN: 'has a space in it, sixteen+' })).toThrow('HOKO_METRICS_TOKEN')
    expect(loadConfig({ HOKO_METRICS_TOKEN: ` ${TOKEN} ` }).metricsToken).toBe(TOKEN)
    expect(loadConfig({}).metricsToken).toBeUndefined()
  })
})
