/**
 * Builds test/fixtures/upgrade/: a Hoko database written by this checkout's server through the real
 * API and real redirects (hoko.db), the GeoIP database its clicks were located with (city.mmdb), and
 * the answers of every read endpoint over it (answers.json). test/upgrade.test.ts starts the current
 * code on a copy of hoko.db (its migrations convert it) and expects the very same answers.
 *
 * Regenerate ONLY from the commit before a storage change, never after one: the fixture stands for
 * the databases already out there. The committed fixture was produced by commit
 * 63324e6af22b25fa515fbccac7c9d94ab36ee7e4 (answers.json says which commit, in `producedBy`).
 *
 *   npx bun scripts/upgrade-fixture.ts
 *
 * The data has two days of history: everything written in the first phase is moved two days back in
 * the database (and the rollups are dropped, so the rollup thread counts them again), because the API
 * stamps clicks and conversions with the current time; so the answers by day, and the rollups' whole
 * days next to the partial days read from the clicks, have something to show.
 *
 * Recorded: status, body, and the headers that are part of the answer (content type and disposition,
 * X-Total-Count). Left out as volatile: the rate-limit headers (a counter per request), GET /api/keys
 * (lastUsedAt moves with every request); and the dashboard's session endpoints (no users here).
 */
import { Database } from 'bun:sqlite'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { GROUP_BY } from '../src/analytics/groups'
import { answerOf } from '../test/fixtures/answer'
import { writeMmdbNetworks } from '../test/fixtures/mmdb'
import { removeDir, ROOT, startServer, type TestServer, UA } from '../test/harness'

const OUT = join(ROOT, 'test/fixtures/upgrade')
const DAY = 86_400_000
/** How far back the first phase is moved. */
const SHIFT_DAYS = 2

/** The server's environment, here and in the test: fixed, so that every answer is the same on every run. */
const FIXTURE_ENV = {
  HOKO_BASE_URL: 'https://hoko.fixture.test',
  HOKO_SECRET: 'upgrade-fixture-secret-0123456789',
  HOKO_TRUST_PROXY: '1',
  HOKO_RATE_LIMIT: '100000000',
  HOKO_KEYLESS_RATE_LIMIT: '0',
  HOKO_WEBHOOK_DELIVERY: '0',
}

/** Cities of a test GeoIP database, in both record layouts Hoko reads; any other address has no location. */
const GEO: [string, Parameters<typeof writeMmdbNetworks>[0][number][1]][] = [
  ['8.8.8.0', { city: { names: { en: 'Mountain View' } }, country: { iso_code: 'US', names: { en: 'United States' } } }],
  ['81.2.69.0', { city: { names: { en: 'London' } }, country: { iso_code: 'GB', names: { en: 'United Kingdom' } } }],
  ['188.48.10.0', { city: 'Riyadh', country_code: 'sa' }],
  ['62.35.1.0', { city: 'Paris', country_code: 'fr' }],
  ['91.198.174.0', { city: { names: { en: 'Berlin' } }, country: { iso_code: 'DE', names: { en: 'Germany' } } }],
]

const UAS = {
  ...UA,
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91',
}

/** A visitor: what its requests say, and the cookies the redirect gave it (a returning visitor sends them). */
type Visitor = { ua: string; ip: string; language?: string; referer?: string; cookies?: string }
const VISITORS: Visitor[] = [
  { ua: UAS.chromeWindows, ip: '8.8.8.8', language: 'en-US,en;q=0.9', referer: 'https://www.google.com/search?q=hoko' },
  { ua: UAS.iphone, ip: '188.48.10.20', language: 'ar-SA,ar;q=0.9', referer: 'https://t.co/abc123' },
  { ua: UAS.android, ip: '81.2.69.160', language: 'en-GB' },
  { ua: UAS.ipad, ip: '62.35.1.9', language: 'fr-FR,fr;q=0.8', referer: 'https://news.example.org/article/42' },
  { ua: UAS.firefoxLinux, ip: '91.198.174.192', language: 'de-DE', referer: 'https://duckduckgo.com/' },
  // Addresses without a location: one the database does not know, an IPv6 one, a private one.
  { ua: UAS.safariMac, ip: '1.1.1.1', language: 'ja' },
  { ua: UAS.edge, ip: '2a00:1450:4001:81c::200e', language: 'en', referer: 'https://www.bing.com/' },
  { ua: UAS.chromeWindows, ip: '10.0.0.5' },
  // Stored, redirected, and left out of every answer.
  { ua: UAS.googlebot, ip: '66.249.66.1' },
]
/** The short URL's own queries: plain, QR, utm overrides, a referral. */
const QUERIES = ['', '?qr=1', '?utm_source=twitter&utm_campaign=launch', '?ref=friend', '?utm_medium=social&qr=1&plan=pro']

async function json(res: Response, expected: number) {
  const body = await res.json()
  if (res.status !== expected) throw new Error(`${res.url} answered ${res.status} (expected ${expected}): ${JSON.stringify(body)}`)
  return body
}

/** The default workspace's key: printed on the first start only. */
let apiKey = ''

function post(s: TestServer, path: string, body: unknown, key = apiKey, headers: Record<string, string> = {}) {
  return s.api(path, { method: 'POST', json: body, key, headers }).then((r) => json(r, 201))
}
function put(s: TestServer, path: string, body: unknown, key = apiKey) {
  return s.api(path, { method: 'PUT', json: body, key }).then((r) => json(r, 200))
}

/** One visit of a short link: the click id it was given (null when none was recorded, as for HEAD). */
async function visit(s: TestServer, v: Visitor, path: string, opts: { host?: string; form?: string } = {}): Promise<string | null> {
  const headers: Record<string, string> = { 'user-agent': v.ua, 'x-forwarded-for': v.ip }
  if (v.language) headers['accept-language'] = v.language
  if (v.referer) headers.referer = v.referer
  if (v.cookies) headers.cookie = v.cookies
  if (opts.host) headers['x-forwarded-host'] = opts.host
  if (opts.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
  const res = await fetch(s.url + path, { redirect: 'manual', headers, method: opts.form === undefined ? 'GET' : 'POST', body: opts.form })
  const text = await res.text()
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0])
  if (cookies.length) v.cookies = cookies.join('; ')
  // A cloaked link answers a page that frames the destination.
  const location = res.headers.get('location') ?? /<iframe src="([^"]+)"/.exec(text)?.[1]
  if (![200, 302, 303].includes(res.status)) throw new Error(`${path} answered ${res.status}`)
  const id = location ? new URL(location.replaceAll('&amp;', '&')).searchParams.get('hoko_id') : null
  if (!id) throw new Error(`${path} recorded no click (${res.status}, ${location})`)
  return id
}

/** An embedded click: the script on a page of the destination host, then its capture request. */
async function embeddedClick(s: TestServer, shortId: string, v: Visitor, query: string): Promise<string> {
  const page = 'https://shop.example.com/pricing?plan=pro'
  const js = await (await fetch(`${s.url}/${shortId}/analytics.js${query}`, { headers: { 'user-agent': v.ua, referer: page } })).text()
  const token = /var T="([^"]+)"/.exec(js)?.[1]
  if (!token) throw new Error('the embed script carries no token')
  const res = await fetch(`${s.url}/${shortId}/analytics.js${query}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': v.ua, 'x-forwarded-for': v.ip, origin: 'https://shop.example.com', ...(v.language ? { 'accept-language': v.language } : {}) },
    body: JSON.stringify({ token, url: page, sessionId: 'embed-session-1', referrer: 'https://news.example.org/review' }),
  })
  return (await json(res, 200)).clickId
}

const db = (s: TestServer, readonly = true) => new Database(s.dbPath, { readonly })

/** Until the rollup thread has counted every click. */
async function rollupsCaughtUp(s: TestServer) {
  for (let i = 0; i < 300; i++) {
    const d = db(s)
    const { last } = d.query('SELECT coalesce(max(rowid), 0) AS last FROM clicks').get() as { last: number }
    const mark = (d.query('SELECT click_rowid AS m FROM rollup_state WHERE id = 1').get() as { m: number } | null)?.m ?? 0
    d.close()
    if (mark === last) return
    await Bun.sleep(100)
  }
  throw new Error('the rollups did not catch up')
}

/** Every time of the data written so far moves `days` back; the rollups are counted again on the next start. */
function shiftBack(s: TestServer, days: number) {
  const d = db(s, false)
  const by = days * DAY
  const times: Record<string, string[]> = {
    workspaces: ['created_at'],
    collections: ['created_at', 'updated_at'],
    tags: ['created_at', 'updated_at'],
    partners: ['created_at', 'updated_at'],
    customers: ['created_at', 'updated_at'],
    links: ['created_at', 'updated_at'],
    domains: ['created_at', 'updated_at'],
    clicks: ['created_at'],
    leads: ['created_at'],
    sales: ['created_at'],
    commissions: ['available_at', 'created_at', 'updated_at'],
  }
  d.transaction(() => {
    for (const [table, columns] of Object.entries(times))
      d.run(`UPDATE ${table} SET ${columns.map((c) => `${c} = ${c} - ${by}`).join(', ')}`)
    d.run('DELETE FROM click_rollups')
    d.run('DELETE FROM rollup_state')
  })()
  d.close()
}

async function main() {
  const producedBy = Bun.spawnSync(['git', 'rev-parse', 'HEAD'], { cwd: ROOT }).stdout.toString().trim()
  const dirty = Bun.spawnSync(['git', 'status', '--porcelain', '--', 'src', 'drizzle'], { cwd: ROOT }).stdout.toString().trim()
  if (dirty) console.warn(`warning: src/ or drizzle/ has uncommitted changes; the fixture would not be the one of ${producedBy}`)
  rmSync(OUT, { recursive: true, force: true })
  mkdirSync(OUT, { recursive: true })
  const geoFile = join(OUT, 'city.mmdb')
  await Bun.write(geoFile, writeMmdbNetworks(GEO))
  const env = { ...FIXTURE_ENV, HOKO_GEOIP_DB: geoFile }

  // ---- Phase 1: everything is created, then clicked, then converted; then moved two days back.
  let s = await start({ env })
  const dir = s.dir
  const key = (apiKey = s.key)
  const second = s.cliJson<{ id: string; slug: string }>(['workspace', 'create', '--name', 'Second team', '--slug', 'second'])
  const key2 = s.cliJson<{ key: string }>(['key', 'create', '--workspace', 'second', '--name', 'fixture', '--scopes', 'all']).key

  const [c1, c2] = await post(s, '/api/collections', [{ name: 'Campaigns', description: 'Seasonal campaigns' }, { name: 'Partners' }])
  const [t1, t2, t3] = await post(s, '/api/tags', [{ name: 'promo', color: 'red' }, { name: 'social', color: 'blue' }, { name: 'apps' }])
  await post(s, '/api/domains', [
    { name: 'go.fixture.test', rootUrl: 'https://example.com/', notFoundUrl: 'https://example.com/404' },
    { name: 'links.fixture.test' },
  ])
  const [p1, p2, p3] = await post(s, '/api/partners', [
    {
      name: 'Alice Partner',
      email: 'alice@example.com',
      phone: '+966500000001',
      rewards: [
        { event: 'lead', type: 'flat', amount: 500, currency: 'usd', holdDays: 0 },
        { event: 'sale', type: 'percentage', amount: 12.5, holdDays: 30 },
      ],
    },
    { name: 'Bob Partner', email: 'bob@example.com', rewards: [{ event: 'sale', type: 'flat', amount: 1000, currency: 'eur', holdDays: 0 }] },
    { name: 'Carol Partner' },
  ])
  const links = await post(s, '/api/links', [
    {
      shortId: 'spring-sale', url: 'https://shop.example.com/spring?ref=site', title: 'Spring sale', description: 'Thirty percent off',
      image: 'https://shop.example.com/spring.png', utm: { source: 'newsletter', medium: 'email', campaign: 'spring', term: 'shoes', content: 'hero' },
      collectionId: c1.id, tagIds: [t1.id, t2.id], externalId: 'ext-spring', tenantId: 'tenant-a', partnerId: p1.id,
    },
    {
      shortId: 'get-app', domain: 'go.fixture.test', url: 'https://example.com/app', ios: 'https://apps.apple.com/app/id123456',
      android: 'https://play.google.com/store/apps/details?id=test.fixture', geo: { SA: 'https://example.sa/app', GB: 'https://example.co.uk/app' },
      collectionId: c2.id, tagIds: [t3.id], externalId: 'ext-app', tenantId: 'tenant-b', partnerId: p2.id,
    },
    { shortId: 'members', url: 'https://example.com/members', title: 'Members only', password: 'open-sesame', collectionId: c1.id },
    { shortId: 'quiet', url: 'https://example.com/quiet#top', title: 'Cloaked page', cloaked: true, collectionId: c1.id, tenantId: 'tenant-a' },
    { shortId: 'old-promo', url: 'https://example.com/old', expiresAt: '2025-01-01T00:00:00.000Z', expiredUrl: 'https://example.com/expired', collectionId: c1.id },
    { shortId: 'pricing', url: 'https://shop.example.com/pricing', utm: { medium: 'embed' }, collectionId: c2.id, partnerId: p1.id, tagIds: [t1.id] },
    { shortId: 'retired', url: 'https://example.com/retired', collectionId: c2.id, externalId: 'ext-retired' },
    { shortId: 'moving', url: 'https://example.com/moving?x=1', collectionId: c2.id, partnerId: p3.id, tenantId: 'tenant-a', externalId: 'ext-moving' },
    { shortId: 'unclicked', domain: 'links.fixture.test', url: 'https://example.com/never', collectionId: c1.id },
  ])
  const [spring, app, members, quiet, oldPromo, pricing, retired, moving] = links
  const [c2w] = await post(s, '/api/collections', [{ name: 'Second collection' }], key2)
  const [w2link] = await post(s, '/api/links', [{ shortId: 'second-home', url: 'https://second.example.com/', collectionId: c2w.id, utm: { source: 'ads' } }], key2)

  const clickIds: Record<string, string[]> = {}
  const record = (id: string | null, name: string) => id && (clickIds[name] ??= []).push(id)
  const clickAll = async (round: number) => {
    for (const [i, v] of VISITORS.entries())
      for (let r = 0; r < 2; r++) {
        const q = QUERIES[(i + r + round) % QUERIES.length]
        record(await visit(s, v, `/${spring.shortId}${q}`), 'spring')
        record(await visit(s, v, `/${app.shortId}${q}`, { host: 'go.fixture.test' }), 'app')
        record(await visit(s, v, `/${quiet.shortId}${q}`), 'quiet')
        if (r === 0) {
          record(await visit(s, v, `/${oldPromo.shortId}${q}`), 'oldPromo')
          record(await visit(s, v, `/${pricing.shortId}${q}`), 'pricing')
          record(await visit(s, v, `/${moving.shortId}${q}`), 'moving')
          record(await visit(s, v, `/${w2link.shortId}${q}`), 'second')
          if (round === 0) record(await visit(s, v, `/${retired.shortId}${q}`), 'retired')
        }
      }
    record(await visit(s, VISITORS[0], `/${members.shortId}`, { form: 'password=open-sesame' }), 'members')
    record(await visit(s, VISITORS[2], `/${members.shortId}?qr=1`, { form: 'password=open-sesame' }), 'members')
    record(await embeddedClick(s, pricing.shortId, VISITORS[1], '?utm_source=blog&ref=friend'), 'embed')
  }
  await clickAll(0)

  const lead = (clickId: string, n: number, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}, k = key) =>
    post(s, '/api/track/lead', { clickId, eventName: 'Sign up', customerExternalId: `cust-${n}`, customerName: `Customer ${n}`, customerEmail: `c${n}@example.com`, ...extra }, k, headers)
  const sale = (body: Record<string, unknown>, headers: Record<string, string> = {}, k = key) => post(s, '/api/track/sale', body, k, headers)
  await lead(clickIds.spring[0], 1, { metadata: { plan: 'pro', seats: 3 }, customerAvatar: 'https://example.com/a1.png' })
  await lead(clickIds.app[1], 2)
  await lead(clickIds.pricing[0], 3, {}, { 'idempotency-key': 'lead-3' })
  await lead(clickIds.embed[0], 4, { eventName: 'Trial' })
  await lead(clickIds.moving[0], 5)
  await lead(clickIds.second[0], 1, {}, {}, key2)
  await sale({ clickId: clickIds.spring[0], customerExternalId: 'cust-1', customerName: 'Customer 1', amount: 4999, currency: 'USD', metadata: { order: 'A-1' } })
  await sale({ customerExternalId: 'cust-2', customerName: 'Customer 2', amount: 12000, currency: 'eur', leadEventName: 'Sign up' }, { 'idempotency-key': 'sale-2' })
  await sale({ clickId: clickIds.app[3], customerExternalId: 'cust-6', customerName: 'Customer 6', amount: 750, currency: 'sar', eventName: 'Upgrade' })
  await s.stop()
  shiftBack(s, SHIFT_DAYS)

  // ---- Phase 2, today: history changes (a link moves to another partner and tenant, one is deleted), more clicks and conversions.
  s = await start({ dir, env })
  await put(s, '/api/links', [{ id: moving.id, partnerId: p2.id, tenantId: 'tenant-c', title: 'Moved' }])
  await s.api('/api/links', { method: 'DELETE', json: [retired.id], key }).then((r) => json(r, 200))
  await put(s, '/api/partners', [{ id: p3.id, email: 'carol@example.com' }])
  await clickAll(1)
  // Deliveries stay in the outbox (HOKO_WEBHOOK_DELIVERY=0); a few clicks are enough of them.
  const [hook] = await post(s, '/api/webhooks', [{ url: 'https://hooks.example.com/hoko', events: ['link.clicked', 'lead.created', 'sale.created', 'commission.created'], description: 'CRM' }])
  record(await visit(s, VISITORS[3], `/${spring.shortId}?utm_content=webhook`), 'spring')
  record(await visit(s, VISITORS[6], `/${app.shortId}`, { host: 'go.fixture.test' }), 'app')
  const repeat = { 'idempotency-key': 'lead-7' }
  const first = await lead(clickIds.spring[clickIds.spring.length - 2], 7, { metadata: { source: 'retry' } }, repeat)
  const again = await lead(clickIds.spring[clickIds.spring.length - 2], 7, { metadata: { source: 'retry' } }, repeat)
  if (JSON.stringify(first) !== JSON.stringify(again)) throw new Error('an idempotent lead answered differently the second time')
  await lead('', 1, { eventName: 'Activated' })
  await lead(clickIds.moving[clickIds.moving.length - 1], 8)
  await lead(clickIds.quiet[2], 9)
  await sale({ customerExternalId: 'cust-1', customerName: 'Customer 1 Renamed', amount: 2500, currency: 'usd' })
  await sale({ clickId: clickIds.pricing[clickIds.pricing.length - 1], customerExternalId: 'cust-3', customerName: 'Customer 3', amount: 10000 }, { 'idempotency-key': 'sale-3' })
  await sale({ customerExternalId: 'cust-8', customerName: 'Customer 8', amount: 3000, currency: 'eur', eventName: 'Renewal' })
  await sale({ clickId: clickIds.second[1], customerExternalId: 'cust-1', customerName: 'Second customer', amount: 100 }, {}, key2)
  const commissions = await (await s.api('/api/commissions?sort=asc&take=100', { key })).json()
  await put(s, '/api/commissions', [
    { id: commissions[0].id, status: 'approved' },
    { id: commissions[1].id, status: 'canceled' },
    { id: commissions[2].id, status: 'approved', force: true },
  ])
  await put(s, '/api/commissions', [{ id: commissions[0].id, status: 'paid' }])
  await rollupsCaughtUp(s)

  // ---- The answers.
  const d = db(s)
  const times = d.query('SELECT min(created_at) AS first, max(created_at) AS last FROM clicks').get() as { first: number; last: number }
  const phase1 = d.query('SELECT created_at AS t FROM clicks WHERE created_at < ? ORDER BY created_at').all(times.last - DAY) as { t: number }[]
  const customers = d.query('SELECT id FROM customers ORDER BY created_at, id').all() as { id: string }[]
  d.close()
  const day = (t: number) => new Date(t).toISOString().slice(0, 10)
  const [firstDay, lastDay] = [day(times.first), day(times.last)]
  // A time inside the first day's clicks: the rollups count whole days only, the rest is read from the clicks.
  const midFirst = new Date(phase1[Math.floor(phase1.length / 2)].t).toISOString()
  const all = `startDate=${firstDay}&endDate=${lastDay}`
  const ranges = ['', all, `startDate=${lastDay}&endDate=${lastDay}`, `endDate=${firstDay}`, `startDate=${midFirst}&endDate=${lastDay}`, `startDate=${firstDay}&endDate=${midFirst}`, 'startDate=2020-01-01&endDate=2020-01-31']
  const filters = [
    '', `linkId=${spring.id}`, `linkId=${app.id}`, `linkId=${retired.id}`, `linkId=${moving.id}`, `partnerId=${p1.id}`, `partnerId=${p2.id}`, `partnerId=${p3.id}`,
    `linkId=${oldPromo.id}&partnerId=${p2.id}`, `collectionId=${c1.id}`, `collectionId=${c1.id},${c2.id}`, `tagId=${t1.id}`, `tagId=${t2.id}&tagId=${t3.id}`,
    'country=US', 'country=SA,GB', 'country=de&country=FR', 'device=mobile', 'device=desktop', 'device=tablet,mobile', 'domain=hoko.fixture.test', 'domain=go.fixture.test',
    `partnerId=${p1.id}&country=US`, `country=SA&device=mobile`, `collectionId=${c2.id}&device=desktop`,
  ]
  const summaryOnly = ['tenantId=tenant-a', 'tenantId=tenant-b', 'tenantId=tenant-c', `tenantId=tenant-a&partnerId=${p3.id}`, 'tenantId=tenant-a&country=US']
  const requests: { key: 'default' | 'second'; path: string }[] = []
  const add = (path: string, k: 'default' | 'second' = 'default') => requests.push({ key: k, path })
  const q = (...parts: string[]) => parts.filter(Boolean).join('&')

  for (const list of ['links', 'collections', 'tags', 'partners', 'domains', 'customers', 'leads', 'sales', 'commissions', 'webhooks', 'webhooks/deliveries'])
    for (const page of ['sort=asc&take=1000', 'take=2&skip=1']) add(`/api/${list}?${page}`)
  for (const f of [`id=${spring.id}`, 'externalId=ext-app', 'tenantId=tenant-a', `partnerId=${p1.id}`, `tagId=${t1.id}`, `collectionId=${c2.id}`, 'search=sale', 'domain=go.fixture.test', 'domain=hoko.fixture.test'])
    add(`/api/links?${f}`)
  add('/api/links/export?format=csv')
  add('/api/workspace')
  add('/api/workspace', 'second')
  add(`/api/webhooks/deliveries?webhookId=${hook.id}&sort=asc&take=1000`)
  for (const f of ['search=customer 1', 'externalId=cust-2', `id=${customers[0].id}`]) add(`/api/customers?${f}`)
  for (const kind of ['leads', 'sales']) {
    for (const c of customers) add(`/api/${kind}?customerId=${c.id}&sort=asc`)
    for (const f of [`linkId=${spring.id}`, `partnerId=${p1.id}`, `linkId=${moving.id}`, `partnerId=${p2.id}`, all, `startDate=${lastDay}`, `endDate=${firstDay}`, `startDate=${midFirst}`])
      add(`/api/${kind}?${f}&sort=asc`)
  }
  for (const f of [`partnerId=${p1.id}`, `partnerId=${p2.id}`, 'status=pending', 'status=approved,paid', 'status=canceled', all, `startDate=${lastDay}`]) add(`/api/commissions?${f}&sort=asc`)
  for (const g of ['partner', 'status', 'currency', 'month'])
    for (const f of ['', `partnerId=${p1.id}`, 'status=pending', all]) add(`/api/commissions/summary?${q(`groupBy=${g}`, f)}`)
  add('/api/commissions/summary')
  add('/api/commissions/export?format=csv')
  add(`/api/commissions/export?partnerId=${p2.id}`)

  // The click lists are large: every filter over both days, every range without a filter, a few both.
  for (const f of filters) add(`/api/analytics?${q(f, all, 'sort=asc&take=1000')}`)
  for (const r of ranges) add(`/api/analytics?${q(r, 'sort=asc&take=1000')}`)
  for (const f of [`linkId=${spring.id}`, `partnerId=${p2.id}`, 'country=SA,GB', 'domain=go.fixture.test'])
    for (const r of ranges.slice(2)) add(`/api/analytics?${q(f, r, 'take=1000')}`)
  for (const f of filters) for (const r of ranges) add(`/api/analytics/summary?${q(f, r)}`)
  for (const g of GROUP_BY)
    for (const f of [...filters, ...summaryOnly])
      for (const r of ['', all, `startDate=${midFirst}`]) add(`/api/analytics/summary?${q(`groupBy=${g}`, f, r)}`)
  for (const f of summaryOnly) for (const r of ranges) add(`/api/analytics/summary?${q(f, r)}`)
  for (const g of GROUP_BY) add(`/api/analytics/summary?groupBy=${g}&take=2&${all}`)
  add('/api/analytics?take=5')
  add('/api/analytics?take=5&skip=7&sort=asc')
  for (const format of ['csv', 'ndjson']) add(`/api/analytics/export?format=${format}`)
  for (const f of [`linkId=${spring.id}`, `partnerId=${p2.id}&${all}`, 'country=SA', `startDate=${midFirst}`, 'domain=go.fixture.test'])
    add(`/api/analytics/export?${q('format=csv', f)}`)
  for (const path of ['/api/links', '/api/analytics?sort=asc&take=1000', '/api/analytics/summary?groupBy=country', `/api/analytics/summary?${all}&groupBy=day`, '/api/leads', '/api/sales', '/api/customers', '/api/analytics/export?format=ndjson'])
    add(path, 'second')

  const keys = { default: key, second: key2 }
  const answers = []
  // The click lists repeat the same click objects: each is kept once, and the lists name them (see expandClicks).
  const clicks: Record<string, unknown> = {}
  for (const r of requests) {
    const res = await s.api(r.path, { key: keys[r.key] })
    const answer = await answerOf(res)
    if (res.status !== 200) throw new Error(`${r.path} answered ${res.status}: ${JSON.stringify(answer)}`)
    if (r.path.startsWith('/api/analytics?'))
      answer.body = (answer.body as { id: string }[]).map((c) => {
        if (clicks[c.id] !== undefined && JSON.stringify(clicks[c.id]) !== JSON.stringify(c)) throw new Error(`click ${c.id} read two ways`)
        clicks[c.id] = c
        return { $click: c.id }
      })
    answers.push({ ...r, ...answer })
  }
  await s.stop()

  // One file, no WAL, no journal beside it.
  // VACUUM may renumber the rowids of tables without an INTEGER PRIMARY KEY, and the rollup mark is a
  // click rowid: the clicks' rowids are checked to be the same afterwards.
  const final = new Database(s.dbPath)
  const rowids = () => JSON.stringify(final.query('SELECT rowid, id FROM clicks ORDER BY rowid').all())
  const before = rowids()
  final.run('VACUUM')
  if (rowids() !== before) throw new Error('VACUUM renumbered the clicks')
  final.run('PRAGMA wal_checkpoint(TRUNCATE)')
  final.close()
  await Bun.write(join(OUT, 'hoko.db'), Bun.file(s.dbPath))
  removeDir(dir)
  const fixture = {
    producedBy,
    note: 'Written by scripts/upgrade-fixture.ts; regenerate only from the commit before a storage change.',
    env: FIXTURE_ENV,
    keys,
    workspaces: { second: second.id },
    /** For the stored-effect test: a click of a partner's link with a lead reward, and of the second workspace. */
    clickIds: { spring: clickIds.spring[4], second: clickIds.second[2] },
    links: { spring: spring.id, app: app.id },
    partners: { alice: p1.id },
    clicks,
    answers,
  }
  // One click, one answer a line: a diff of the fixture reads per request.
  const { answers: _, clicks: __, ...head } = fixture
  const clickLines = Object.entries(clicks).map(([id, c]) => `${JSON.stringify(id)}: ${JSON.stringify(c)}`).join(',\n')
  const answerLines = answers.map((a) => JSON.stringify(a)).join(',\n')
  await Bun.write(join(OUT, 'answers.json'), `${JSON.stringify(head, null, 1).slice(0, -2)},\n "clicks": {\n${clickLines}\n},\n "answers": [\n${answerLines}\n]}\n`)
  console.log(`${answers.length} answers; ${Object.values(clickIds).flat().length} clicks over ${firstDay} and ${lastDay}; written to ${OUT}`)
}

/** Servers this script started, stopped whatever happens. */
const started: TestServer[] = []
async function start(opts: Parameters<typeof startServer>[0]) {
  const s = await startServer(opts)
  started.push(s)
  return s
}

if (import.meta.main)
  try {
    await main()
  } finally {
    for (const s of started) if (s.proc.exitCode === null) await s.stop()
  }
