import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrations } from '../drizzle/migrations'
import { openDatabase, runMigrations } from '../src/db'
import { sqliteData } from '../src/db/data'
import { COHERENCE_MS, LinkCache } from '../src/redirect/cache'
import { expectBilingual, removeDir, startServer, type TestServer, UA } from './harness'

// Own domains: two workspaces, each with its domain, on one server whose base host is go.hoko.test.
// Requests name their host in the Host header, as a browser (or Caddy) sends it.

const BASE = 'go.hoko.test'
let s: TestServer
let betaKey: string
const col: Record<'default' | 'beta', string> = { default: '', beta: '' }

beforeAll(async () => {
  s = await startServer({ env: { HOKO_BASE_URL: `https://${BASE}` } })
  s.cliJson(['workspace', 'create', '--name', 'Beta', '--slug', 'beta'])
  betaKey = s.newKey('all', 'beta')
  col.default = (await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'A' }] })).json())[0].id
  col.beta = (await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'B' }], key: betaKey })).json())[0].id
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

const api = (path: string, init: RequestInit & { json?: unknown; key?: string | null } = {}) => s.api(path, init)
const post = (path: string, json: unknown, key?: string) => api(path, { method: 'POST', json, key })
const put = (path: string, json: unknown, key?: string) => api(path, { method: 'PUT', json, key })

/** A request to the server as if sent to `host`. */
const on = (host: string, path: string, headers: Record<string, string> = {}, server = s) =>
  fetch(server.url + path, { redirect: 'manual', headers: { host, 'user-agent': UA.chromeWindows, ...headers } })

async function addDomain(item: Record<string, unknown>, key?: string) {
  const res = await post('/api/domains', [item], key)
  const body = await res.json()
  if (res.status !== 201) throw new Error(`POST /api/domains: ${res.status} ${JSON.stringify(body)}`)
  return body[0]
}

async function addLink(item: Record<string, unknown>, key?: string) {
  const res = await post('/api/links', [{ collectionId: key === betaKey ? col.beta : col.default, ...item }], key)
  const body = await res.json()
  if (res.status !== 201) throw new Error(`POST /api/links: ${res.status} ${JSON.stringify(body)}`)
  return body[0]
}

const unique = () => crypto.randomUUID().slice(0, 8)

describe('/api/domains', () => {
  test('creates a domain with the documented fields; names are stored lower-case, IDNs as punycode', async () => {
    const res = await post('/api/domains', [
      { name: 'Links.ACME-One.test', rootUrl: 'https://acme.example.com/', notFoundUrl: null },
      { name: 'bücher-one.test' },
    ])
    expect(res.status).toBe(201)
    const [a, b] = await res.json()
    expect(Object.keys(a)).toEqual(['id', 'name', 'rootUrl', 'notFoundUrl', 'createdAt', 'updatedAt'])
    expect(a).toMatchObject({ name: 'links.acme-one.test', rootUrl: 'https://acme.example.com/', notFoundUrl: null })
    expect(b.name).toBe('xn--bcher-one-q9a.test')
    const listed = await (await api('/api/domains?sort=asc')).json()
    expect(listed.map((d: any) => d.name)).toEqual(['links.acme-one.test', 'xn--bcher-one-q9a.test'])
  })

  for (const [name, why] of [
    ['https://x-one.test', 'a scheme'],
    ['x-one.test:8443', 'a port'],
    ['x-one.test/path', 'a path'],
    ['user@x-one.test', 'user-info'],
    ['localhost', 'no dot'],
    ['203.0.113.7', 'an IP address'],
    ['[2001:db8::1]', 'an IPv6 address'],
    ['-x.test', 'a label starting with a hyphen'],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.test`, 'more than 253 characters'],
    ['', 'empty'],
  ])
    test(`name with ${why} is refused with a bilingual 400`, async () => {
      const res = await post('/api/domains', [{ name }])
      expect(res.status).toBe(400)
      expect(expectBilingual(await res.json()).en).toStartWith('domains[0].name: must be a hostname')
    })

  test('the base host is no domain to add, in any spelling', async () => {
    const res = await post('/api/domains', [{ name: 'GO.hoko.test.' }])
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toBe(`domains[0].name: ${BASE} is the server's own host (HOKO_BASE_URL), which every workspace already has`)
  })

  test('a name is unique across the instance: another workspace cannot take it, nor one batch twice', async () => {
    const name = `taken-${unique()}.test`
    await addDomain({ name })
    const other = await post('/api/domains', [{ name: name.toUpperCase() }], betaKey)
    expect(other.status).toBe(400)
    expect(expectBilingual(await other.json()).en).toBe(`domains[0].name: ${name} is already registered on this server`)
    const twice = await post('/api/domains', [{ name: `dup-${name}` }, { name: `DUP-${name}` }])
    expect(twice.status).toBe(400)
    expect(expectBilingual(await twice.json()).en).toBe(`domains[1].name: dup-${name} appears more than once in this request (first at domains[0].name)`)
    expect((await (await api(`/api/domains?name=dup-${name}`)).json())).toEqual([])
  })

  test('root and not-found URLs are absolute http(s) URLs that do not point back at the domain', async () => {
    const name = `loop-${unique()}.test`
    for (const [field, url, en] of [
      ['rootUrl', 'javascript:alert(1)', 'domains[0].rootUrl: must be an absolute http or https URL'],
      ['rootUrl', `https://${name}/`, `domains[0].rootUrl: must not point back at ${name} itself, which would redirect in a loop`],
      ['notFoundUrl', `http://${name.toUpperCase()}/missing`, `domains[0].notFoundUrl: must not point back at ${name} itself, which would redirect in a loop`],
    ]) {
      const res = await post('/api/domains', [{ name, [field]: url }])
      expect(res.status).toBe(400)
      expect(expectBilingual(await res.json()).en).toBe(en)
    }
  })

  test('PUT updates only the fields it names, null clears, and a batch is all or nothing', async () => {
    const d = await addDomain({ name: `put-${unique()}.test`, rootUrl: 'https://a.example.com/', notFoundUrl: 'https://a.example.com/404' })
    const res = await put('/api/domains', [{ id: d.id, rootUrl: null }])
    expect(res.status).toBe(200)
    const [u] = await res.json()
    expect(u).toMatchObject({ id: d.id, name: d.name, rootUrl: null, notFoundUrl: 'https://a.example.com/404', createdAt: d.createdAt })
    const bad = await put('/api/domains', [{ id: d.id, notFoundUrl: null }, { id: crypto.randomUUID(), rootUrl: null }])
    expect(bad.status).toBe(400)
    expect(expectBilingual(await bad.json()).en).toStartWith('domains[1].id: no domain with id')
    expect((await (await api(`/api/domains?id=${d.id}`)).json())[0].notFoundUrl).toBe('https://a.example.com/404')
  })

  test('id and name filters are or-ed; take, skip and sort page the list', async () => {
    const tag = unique()
    const made = []
    for (let i = 0; i < 3; i++) made.push(await addDomain({ name: `page${i}-${tag}.test` }))
    const either = await (await api(`/api/domains?id=${made[0].id}&name=PAGE2-${tag}.test`)).json()
    expect(either.map((d: any) => d.name).sort()).toEqual([made[0].name, made[2].name])
    const all = await (await api('/api/domains?sort=asc&take=10000')).json()
    const page = await (await api('/api/domains?sort=asc&skip=1&take=2')).json()
    expect(page.map((d: any) => d.id)).toEqual(all.slice(1, 3).map((d: any) => d.id))
    const desc = await (await api('/api/domains?take=10000')).json()
    expect(desc.map((d: any) => d.id)).toEqual([...all].reverse().map((d: any) => d.id))
  })

  test("a workspace sees only its own domains and cannot touch another's", async () => {
    const mine = await addDomain({ name: `mine-${unique()}.test` })
    const theirs = await (await api('/api/domains?take=10000', { key: betaKey })).json()
    expect(theirs.map((d: any) => d.id)).not.toContain(mine.id)
    const res = await api('/api/domains', { method: 'DELETE', json: [mine.id], key: betaKey })
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toBe(`domains[0]: no domain with id ${mine.id} in this workspace`)
  })

  test('scopes: domainsRead lists, domainsWrite writes, linksWrite does neither', async () => {
    const read = s.newKey('domainsRead')
    const links = s.newKey('linksRead,linksWrite')
    expect((await api('/api/domains', { key: read })).status).toBe(200)
    const denied = await post('/api/domains', [{ name: `scope-${unique()}.test` }], read)
    expect(denied.status).toBe(403)
    expect((await denied.json()).missingScopes).toEqual(['domainsWrite'])
    expect((await api('/api/domains', { key: links })).status).toBe(403)
  })
})

describe('links on domains', () => {
  let a: any
  let b: any
  beforeAll(async () => {
    a = await addDomain({ name: `brand-a-${unique()}.test` })
    b = await addDomain({ name: `brand-b-${unique()}.test` }, betaKey)
  })

  test('two workspaces, each on its own domain, may use the same shortId, which leads to different places', async () => {
    const la = await addLink({ url: 'https://a.example.com/spring', shortId: 'spring', domain: a.name })
    const lb = await addLink({ url: 'https://b.example.com/spring', shortId: 'spring', domain: b.name.toUpperCase() }, betaKey)
    expect(la).toMatchObject({ domain: a.name, shortUrl: `https://${a.name}/spring` })
    expect(la.qrCode).toStartWith(`https://${a.name}/qrcode?text=${encodeURIComponent(`https://${a.name}/spring?qr=1`)}&`)
    expect(lb).toMatchObject({ domain: b.name, shortUrl: `https://${b.name}/spring` })
    const ra = await on(a.name, '/spring')
    const rb = await on(`${b.name.toUpperCase()}:443`, '/spring')
    expect(ra.status).toBe(302)
    expect(rb.status).toBe(302)
    expect(ra.headers.get('location')).toStartWith('https://a.example.com/spring?hoko_id=')
    expect(rb.headers.get('location')).toStartWith('https://b.example.com/spring?hoko_id=')
    // The clicks record the domain they came through.
    const rows = await s.rows('SELECT link_id AS "linkId", domain FROM clicks WHERE link_id IN (?, ?) ORDER BY link_id', [la.id, lb.id])
    expect(rows).toEqual([
      { linkId: la.id, domain: a.name },
      { linkId: lb.id, domain: b.name },
    ].sort((x, y) => (x.linkId < y.linkId ? -1 : 1)))
  })

  test('a link answers only on its own domain: not on the base host, not on another domain', async () => {
    const l = await addLink({ url: 'https://a.example.com/only', domain: a.name })
    expect((await on(a.name, `/${l.shortId}`)).status).toBe(302)
    for (const host of [BASE, b.name, '127.0.0.1', 'unknown-host.test']) {
      const res = await on(host, `/${l.shortId}`)
      expect(res.status).toBe(404)
      expect(await res.text()).toContain('Link not found')
    }
    // And a base-host link does not answer on a custom domain.
    const base = await addLink({ url: 'https://a.example.com/base' })
    expect(base).toMatchObject({ domain: BASE, shortUrl: `https://${BASE}/${base.shortId}` })
    expect((await on(a.name, `/${base.shortId}`)).status).toBe(404)
    expect((await on(BASE, `/${base.shortId}`)).status).toBe(302)
  })

  test('a host that is no registered domain is the base host: localhost and IP access keep working', async () => {
    const l = await addLink({ url: 'https://a.example.com/fallback' })
    for (const host of ['localhost', '127.0.0.1:1234', '[::1]', 'Not-Registered.test', BASE.toUpperCase()])
      expect((await on(host, `/${l.shortId}`)).status).toBe(302)
  })

  test("the same shortId on two domains of one workspace; a domain must be the workspace's", async () => {
    const a2 = await addDomain({ name: `brand-a2-${unique()}.test` })
    const one = await addLink({ url: 'https://a.example.com/1', shortId: 'twin', domain: a.name })
    const two = await addLink({ url: 'https://a.example.com/2', shortId: 'twin', domain: a2.name })
    expect(one.id).not.toBe(two.id)
    const again = await post('/api/links', [{ url: 'https://x.example.com/', collectionId: col.default, shortId: 'twin', domain: a.name }])
    expect(again.status).toBe(400)
    expect(expectBilingual(await again.json()).en).toBe(`links[0].shortId: twin is already taken on ${a.name}`)
    const foreign = await post('/api/links', [{ url: 'https://x.example.com/', collectionId: col.default, domain: b.name }])
    expect(foreign.status).toBe(400)
    expect(expectBilingual(await foreign.json()).en).toBe(`links[0].domain: ${b.name} is not a domain of this workspace`)
    const filtered = await (await api(`/api/links?domain=${a2.name}`)).json()
    expect(filtered.map((l: any) => l.id)).toEqual([two.id])
    const onBase = await (await api(`/api/links?domain=${BASE}&take=10000`)).json()
    expect(onBase.length).toBeGreaterThan(0)
    expect(onBase.every((l: any) => l.domain === BASE)).toBe(true)
  })

  test("new links go to the workspace's default domain; null puts one on the base host", async () => {
    const d = await addDomain({ name: `default-${unique()}.test` }, betaKey)
    const set = s.cli(['workspace', 'set-default-domain', '--workspace', 'beta', d.name.toUpperCase(), '--json'])
    expect(set.code).toBe(0)
    expect(JSON.parse(set.stdout)).toEqual({ workspace: 'beta', defaultDomainId: d.id, defaultDomain: d.name })
    const l = await addLink({ url: 'https://b.example.com/default' }, betaKey)
    expect(l.domain).toBe(d.name)
    const base = await addLink({ url: 'https://b.example.com/base', domain: null }, betaKey)
    expect(base.domain).toBe(BASE)
    // Without a name, the default goes back to the base host.
    expect(s.cliJson(['workspace', 'set-default-domain', '--workspace', 'beta']).defaultDomainId).toBeNull()
    expect((await addLink({ url: 'https://b.example.com/after' }, betaKey)).domain).toBe(BASE)
    const wrong = s.cli(['workspace', 'set-default-domain', '--workspace', 'beta', a.name])
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toContain(`is not a domain of this workspace`)
  })

  test('PUT /api/workspace sets and clears the default domain; another workspace\'s domain is refused', async () => {
    const d = await addDomain({ name: `ws-default-${unique()}.test` }, betaKey)
    const set = await put('/api/workspace', { defaultDomainId: d.id }, betaKey)
    expect(set.status).toBe(200)
    expect((await set.json()).defaultDomainId).toBe(d.id)
    expect((await addLink({ url: 'https://b.example.com/ws-default' }, betaKey)).domain).toBe(d.name)
    const foreign = await put('/api/workspace', { defaultDomainId: a.id }, betaKey)
    expect(foreign.status).toBe(400)
    expectBilingual(await foreign.json())
    expect((await (await put('/api/workspace', { defaultDomainId: null }, betaKey)).json()).defaultDomainId).toBeNull()
    expect((await addLink({ url: 'https://b.example.com/ws-base' }, betaKey)).domain).toBe(BASE)
  })

  test('moving a link to another domain: the pair must be free, and both domains answer the move at once', async () => {
    const a2 = await addDomain({ name: `move-${unique()}.test` })
    const l = await addLink({ url: 'https://a.example.com/move', shortId: `mv-${unique()}`, domain: a.name })
    // Cached on its first domain.
    expect((await on(a.name, `/${l.shortId}`)).status).toBe(302)
    expect((await on(a2.name, `/${l.shortId}`)).status).toBe(404)
    const res = await put('/api/links', [{ id: l.id, domain: a2.name }])
    expect(res.status).toBe(200)
    expect((await res.json())[0]).toMatchObject({ domain: a2.name, shortUrl: `https://${a2.name}/${l.shortId}` })
    expect((await on(a.name, `/${l.shortId}`)).status).toBe(404)
    expect((await on(a2.name, `/${l.shortId}`)).status).toBe(302)
    // Back to the base host, by its name.
    await put('/api/links', [{ id: l.id, domain: BASE }])
    expect((await on(a2.name, `/${l.shortId}`)).status).toBe(404)
    expect((await on(BASE, `/${l.shortId}`)).status).toBe(302)
    // Onto a domain where its shortId is taken: refused, nothing moves.
    const other = await addLink({ url: 'https://a.example.com/occupant', shortId: l.shortId, domain: a.name })
    const taken = await put('/api/links', [{ id: l.id, domain: a.name }])
    expect(taken.status).toBe(400)
    expect(expectBilingual(await taken.json()).en).toBe(`links[0].domain: ${l.shortId} is already taken on ${a.name}`)
    expect((await on(a.name, `/${l.shortId}`)).headers.get('location')).toStartWith('https://a.example.com/occupant?')
    expect(other.domain).toBe(a.name)
  })

  test('a second server on the same file follows a move and a new domain within its coherence window', async () => {
    const second = await startServer({ dir: s.dir, env: { HOKO_BASE_URL: `https://${BASE}`, HOKO_DATABASE_URL: s.databaseUrl } })
    try {
      const l = await addLink({ url: 'https://a.example.com/second', domain: a.name })
      expect((await on(a.name, `/${l.shortId}`, {}, second)).status).toBe(302)
      const fresh = await addDomain({ name: `fresh-${unique()}.test`, rootUrl: 'https://fresh.example.com/' })
      await put('/api/links', [{ id: l.id, domain: fresh.name }])
      await Bun.sleep(COHERENCE_MS + 100)
      expect((await on(a.name, `/${l.shortId}`, {}, second)).status).toBe(404)
      expect((await on(fresh.name, `/${l.shortId}`, {}, second)).status).toBe(302)
      expect((await on(fresh.name, '/', {}, second)).headers.get('location')).toBe('https://fresh.example.com/')
    } finally {
      await second.stop()
    }
  })

  test('analytics filter and group clicks by domain, the base host by its name', async () => {
    const d = await addDomain({ name: `stats-${unique()}.test` })
    const l1 = await addLink({ url: 'https://a.example.com/s1', domain: d.name })
    const l2 = await addLink({ url: 'https://a.example.com/s2' })
    for (let i = 0; i < 3; i++) await on(d.name, `/${l1.shortId}`)
    await on(BASE, `/${l2.shortId}`)
    const onDomain = await (await api(`/api/analytics?domain=${d.name}`)).json()
    expect(onDomain.map((c: any) => [c.linkId, c.domain])).toEqual([0, 1, 2].map(() => [l1.id, d.name]))
    const grouped = await (await api('/api/analytics/summary?groupBy=domain')).json()
    expect(grouped.find((r: any) => r.key === d.name)?.clicks).toBe(3)
    expect(grouped.find((r: any) => r.key === BASE)?.clicks).toBeGreaterThanOrEqual(1)
    expect(grouped.some((r: any) => r.key === null)).toBe(false)
    expect((await (await api(`/api/analytics/summary?domain=${d.name}`)).json()).clicks).toBe(3)
    const base = await (await api(`/api/analytics?domain=${BASE}&take=10000`)).json()
    expect(base.some((c: any) => c.linkId === l2.id)).toBe(true)
    expect(base.every((c: any) => c.domain === BASE)).toBe(true)
    // The clicks export takes the same filter, the base host by its name too.
    const ndjson = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))
    const exported = ndjson(await (await api(`/api/analytics/export?format=ndjson&domain=${d.name}`)).text())
    expect(exported.map((c: any) => [c.linkId, c.domain])).toEqual([0, 1, 2].map(() => [l1.id, d.name]))
    const exportedBase = ndjson(await (await api(`/api/analytics/export?format=ndjson&domain=${BASE}`)).text())
    expect(exportedBase.some((c: any) => c.linkId === l2.id)).toBe(true)
    expect(exportedBase.every((c: any) => c.domain === BASE)).toBe(true)
  })

  test('DELETE refuses a domain with live links, naming how many; once they are gone it goes, default included', async () => {
    const d = await addDomain({ name: `gone-${unique()}.test` })
    expect(s.cli(['workspace', 'set-default-domain', '--workspace', 'default', d.name]).code).toBe(0)
    const l1 = await addLink({ url: 'https://a.example.com/g1' })
    const l2 = await addLink({ url: 'https://a.example.com/g2', domain: d.name })
    expect([l1.domain, l2.domain]).toEqual([d.name, d.name])
    const refused = await api('/api/domains', { method: 'DELETE', json: [d.id] })
    expect(refused.status).toBe(400)
    expect(expectBilingual(await refused.json()).en).toBe(`domains[0]: ${d.name} still has 2 live links; delete them or move them to another domain first`)
    const rename = await put('/api/domains', [{ id: d.id, name: `renamed-${d.name}` }])
    expect(rename.status).toBe(400)
    expect(expectBilingual(await rename.json()).en).toStartWith(`domains[0].name: ${d.name} still has 2 live links`)
    await api('/api/links', { method: 'DELETE', json: [l1.id] })
    expect(expectBilingual(await (await api('/api/domains', { method: 'DELETE', json: [d.id] })).json()).en).toContain('still has 1 live link;')
    await put('/api/links', [{ id: l2.id, domain: null }])
    const ok = await api('/api/domains', { method: 'DELETE', json: [d.id] })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ deletedIds: [d.id] })
    expect(s.cliJson(['workspace', 'list']).find((w: any) => w.slug === 'default').defaultDomainId).toBeNull()
    // The host is no longer served: requests there are the base host's.
    expect((await on(d.name, `/${l2.shortId}`)).status).toBe(302)
    expect((await addLink({ url: 'https://a.example.com/g3' })).domain).toBe(BASE)
  })
})

describe('serving a custom domain', () => {
  let root: any
  let plain: any
  beforeAll(async () => {
    root = await addDomain({ name: `root-${unique()}.test`, rootUrl: 'https://brand.example.com/home', notFoundUrl: 'https://brand.example.com/missing' })
    plain = await addDomain({ name: `plain-${unique()}.test` })
  })

  test('/ redirects to rootUrl, or shows a small branded page without script', async () => {
    const r = await on(root.name, '/')
    expect(r.status).toBe(302)
    expect(r.headers.get('location')).toBe('https://brand.example.com/home')
    expect(r.headers.get('cache-control')).toBe('private, no-store')
    const q = await on(root.name, '/?utm_source=x')
    expect(q.headers.get('location')).toBe('https://brand.example.com/home')
    const p = await on(plain.name, '/')
    expect(p.status).toBe(200)
    const html = await p.text()
    expect(html).toContain(`<h1>${plain.name}</h1>`)
    expect(html).not.toContain('<script')
    expect(p.headers.get('content-security-policy')).toContain("default-src 'none'")
    // The base host's root is unchanged.
    expect((await on(BASE, '/')).status).toBe(404)
  })

  test('root and not-found URLs with an Arabic path are kept as written and sent percent-encoded', async () => {
    const arabic = await addDomain({ name: `ar-${unique()}.test`, rootUrl: 'https://brand.example.com/عروض', notFoundUrl: 'https://brand.example.com/غير-موجود?من=هنا' })
    expect(arabic).toMatchObject({ rootUrl: 'https://brand.example.com/عروض', notFoundUrl: 'https://brand.example.com/غير-موجود?من=هنا' })
    const r = await on(arabic.name, '/')
    expect(r.status).toBe(302)
    expect(r.headers.get('location')).toBe('https://brand.example.com/%D8%B9%D8%B1%D9%88%D8%B6')
    const m = await on(arabic.name, '/no-such-link')
    expect(m.status).toBe(302)
    expect(m.headers.get('location')).toBe('https://brand.example.com/%D8%BA%D9%8A%D8%B1-%D9%85%D9%88%D8%AC%D9%88%D8%AF?%D9%85%D9%86=%D9%87%D9%86%D8%A7')
  })

  test('an unknown shortId redirects to notFoundUrl, or shows the 404 page', async () => {
    const r = await on(root.name, '/no-such-link')
    expect(r.status).toBe(302)
    expect(r.headers.get('location')).toBe('https://brand.example.com/missing')
    const p = await on(plain.name, '/no-such-link')
    expect(p.status).toBe(404)
    expect(await p.text()).toContain('Link not found')
    // A deleted link is not found too.
    const l = await addLink({ url: 'https://a.example.com/del', domain: root.name })
    await api('/api/links', { method: 'DELETE', json: [l.id] })
    expect((await on(root.name, `/${l.shortId}`)).headers.get('location')).toBe('https://brand.example.com/missing')
  })

  test('the API, the docs and the dashboard answer 404 on a custom domain, whatever the key', async () => {
    for (const path of ['/api/links', '/api/domains', '/api', '/api/nope?x=1']) {
      const res = await on(root.name, path, { authorization: `Bearer ${s.key}` })
      expect(res.status).toBe(404)
      expect(expectBilingual(await res.json()).en).toBe(`Endpoint not found: GET ${path.split('?')[0]}`)
    }
    const write = await fetch(`${s.url}/api/domains`, {
      method: 'POST',
      headers: { host: root.name, authorization: `Bearer ${s.key}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ name: `via-custom-${unique()}.test` }]),
    })
    expect(write.status).toBe(404)
    for (const path of ['/docs', '/openapi.json', '/app', '/app/links', '/login', '/setup', '/invite', '/logout']) {
      const res = await on(root.name, path)
      expect(res.status).toBe(404)
      await res.arrayBuffer()
    }
    // On the base host they are there.
    expect((await on(BASE, '/api/domains', { authorization: `Bearer ${s.key}` })).status).toBe(200)
    expect((await on(BASE, '/openapi.json')).status).toBe(200)
    // A short id that merely starts like one of those paths is a short id.
    const l = await addLink({ url: 'https://a.example.com/apple', shortId: 'apple', domain: root.name })
    expect((await on(root.name, `/${l.shortId}`)).status).toBe(302)
  })

  test('/analytics.js, /{shortId}/analytics.js and /qrcode work on a custom domain; capture goes to the link\'s domain', async () => {
    const js = await on(plain.name, '/analytics.js')
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toStartWith('text/javascript')
    const qr = await on(plain.name, `/qrcode?text=${encodeURIComponent(`https://${plain.name}/x?qr=1`)}`)
    expect(qr.status).toBe(200)
    expect(qr.headers.get('content-type')).toStartWith('image/svg+xml')
    const l = await addLink({ url: 'https://shop.example.com/pricing', domain: plain.name })
    const embed = await on(plain.name, `/${l.shortId}/analytics.js`, { origin: 'https://shop.example.com' })
    const text = await embed.text()
    expect(text).toContain(`https://${plain.name}/${l.shortId}/analytics.js`)
    expect(/var T="([^"]+)"/.test(text)).toBe(true)
    // Embedded tracking verifies the destination's host as before: another site gets the no-op script.
    const other = await (await on(plain.name, `/${l.shortId}/analytics.js`, { origin: 'https://evil.example.net' })).text()
    expect(other).not.toContain('var T=')
    // The link is not on the base host: there the script does nothing.
    expect(await (await on(BASE, `/${l.shortId}/analytics.js`, { origin: 'https://shop.example.com' })).text()).not.toContain('var T=')
  })
})

describe('X-Forwarded-Host', () => {
  test('is ignored without HOKO_TRUST_PROXY: the Host header decides', async () => {
    const d = await addDomain({ name: `fwd-${unique()}.test` })
    const l = await addLink({ url: 'https://a.example.com/fwd', domain: d.name })
    expect((await on(BASE, `/${l.shortId}`, { 'x-forwarded-host': d.name })).status).toBe(404)
    expect((await on(d.name, `/${l.shortId}`, { 'x-forwarded-host': BASE })).status).toBe(302)
    expect((await on(d.name, '/api/domains', { 'x-forwarded-host': BASE, authorization: `Bearer ${s.key}` })).status).toBe(404)
  })

  test('with HOKO_TRUST_PROXY=1 its first entry decides, port and case aside', async () => {
    const proxied = await startServer({ dir: s.dir, env: { HOKO_BASE_URL: `https://${BASE}`, HOKO_TRUST_PROXY: '1', HOKO_DATABASE_URL: s.databaseUrl } })
    try {
      const d = await addDomain({ name: `trusted-${unique()}.test`, rootUrl: 'https://trusted.example.com/' })
      const l = await addLink({ url: 'https://a.example.com/trusted', domain: d.name })
      await Bun.sleep(COHERENCE_MS + 100)
      expect((await on('127.0.0.1', `/${l.shortId}`, { 'x-forwarded-host': `${d.name.toUpperCase()}:443` }, proxied)).status).toBe(302)
      expect((await on('127.0.0.1', `/${l.shortId}`, { 'x-forwarded-host': `${d.name}, ${BASE}` }, proxied)).status).toBe(302)
      expect((await on(d.name, `/${l.shortId}`, { 'x-forwarded-host': BASE }, proxied)).status).toBe(404)
      expect((await on('127.0.0.1', '/', { 'x-forwarded-host': d.name }, proxied)).headers.get('location')).toBe('https://trusted.example.com/')
      expect((await on('127.0.0.1', '/docs', { 'x-forwarded-host': d.name }, proxied)).status).toBe(404)
      // Without the header, the Host header still counts.
      expect((await on(d.name, `/${l.shortId}`, {}, proxied)).status).toBe(302)
    } finally {
      await proxied.stop()
    }
  })
})

describe('GET /tls/ask', () => {
  test('200 for the base host and every registered domain, 404 for anything else, with nothing more said', async () => {
    const d = await addDomain({ name: `tls-${unique()}.test` }, betaKey)
    const ask = (domain?: string) => fetch(`${s.url}/tls/ask${domain === undefined ? '' : `?domain=${encodeURIComponent(domain)}`}`)
    for (const host of [BASE, d.name, d.name.toUpperCase()]) {
      const res = await ask(host)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe('')
    }
    for (const host of ['unregistered.test', `x.${d.name}`, '127.0.0.1', 'localhost', '', `${d.name}:443`, undefined]) {
      const res = await ask(host)
      expect(res.status).toBe(404)
      expect(await res.text()).toBe('')
    }
  })

  test('needs no key and is limited per address', async () => {
    const limited = await startServer({ dir: s.dir, env: { HOKO_BASE_URL: `https://${BASE}`, HOKO_KEYLESS_RATE_LIMIT: '3', HOKO_DATABASE_URL: s.databaseUrl } })
    try {
      const statuses = []
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${limited.url}/tls/ask?domain=${BASE}`)).status)
      expect(statuses).toEqual([200, 200, 200, 429])
    } finally {
      await limited.stop()
    }
  })
})

describe('hoko domain', () => {
  test('add and list, as JSON or as text; bad names and unknown workspaces are one line on stderr', async () => {
    const name = `cli-${unique()}.test`
    const added = s.cliJson(['domain', 'add', name.toUpperCase(), '--workspace', 'beta', '--root-url', 'https://cli.example.com/', '--not-found-url', 'https://cli.example.com/404', '--default'])
    expect(added).toMatchObject({ name, rootUrl: 'https://cli.example.com/', notFoundUrl: 'https://cli.example.com/404', workspace: 'beta', default: true })
    const listed = s.cliJson(['domain', 'list', '--workspace', 'beta'])
    expect(listed.find((d: any) => d.name === name)).toMatchObject({ id: added.id, default: true })
    const text = s.cli(['domain', 'list'])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain(`${name}\t${added.id}\tbeta\tdefault`)
    // The running server sees a domain the CLI added.
    await Bun.sleep(COHERENCE_MS + 100)
    expect((await on(name, '/')).headers.get('location')).toBe('https://cli.example.com/')
    for (const [args, err] of [
      [['domain', 'add', 'not a host', '--workspace', 'beta'], 'must be a hostname'],
      [['domain', 'add', name, '--workspace', 'default'], `${name} is already registered on this server`],
      [['domain', 'add', `x-${name}`, '--workspace', 'nope'], 'unknown workspace "nope"'],
      [['domain', 'add', `x-${name}`], '--workspace is required'],
      [['domain', 'add', `x-${name}`, '--workspace', 'beta', '--root-url', 'ftp://x'], 'rootUrl: must be an absolute http or https URL'],
    ] as const) {
      const r = s.cli([...args])
      expect(r.code).toBe(2)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toContain(err)
    }
  })
})

describe('migrating a database from before domains', () => {
  test('existing links stay on the base host and answer as before; old rollups count per domain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hoko-domains-migration-'))
    try {
      const db = openDatabase(join(dir, 'hoko.db'))
      const before = migrations.filter((m) => m.tag !== '0006_domains' && m.tag < '0006')
      ;(db as any).dialect.migrate(
        before.map((m) => ({ sql: m.sql.split('--> statement-breakpoint'), bps: m.breakpoints, folderMillis: m.when, hash: createHash('sha256').update(m.sql).digest('hex') })),
        (db as any).session,
        {},
      )
      const c = db.$client
      c.run("INSERT INTO workspaces (id, slug, name, plan, created_at) VALUES ('w1', 'w', 'W', 'unlimited', 0)")
      c.run("INSERT INTO collections (id, workspace_id, name, created_at, updated_at) VALUES ('c1', 'w1', 'C', 0, 0)")
      c.run("INSERT INTO links (id, workspace_id, short_id, url, collection_id, created_at, updated_at) VALUES ('l1', 'w1', 'old', 'https://old.example.com/', 'c1', 0, 0)")
      c.run("INSERT INTO click_rollups (workspace_id, tenant_id, day, dim, key, clicks) VALUES ('w1', '', 20000, 'total', '', 7)")
      runMigrations(db)
      expect(c.query('SELECT domain FROM links').all()).toEqual([{ domain: '' }])
      expect(c.query("SELECT key, clicks FROM click_rollups WHERE dim = 'domain'").all()).toEqual([{ key: '', clicks: 7 }])
      // …and the rollups over all tenants (migration 0011) count them too.
      expect(c.query("SELECT key, clicks FROM click_rollups_all WHERE dim = 'domain'").all()).toEqual([{ key: '', clicks: 7 }])
      const cache = new LinkCache(sqliteData(db), 10)
      expect((await cache.get('', 'old'))?.url).toBe('https://old.example.com/')
      // The link_changes triggers still fire on links, and now on domains too.
      const n = () => (c.query('SELECT n FROM link_changes').get() as { n: number }).n
      const start = n()
      c.run("UPDATE links SET url = 'https://new.example.com/' WHERE id = 'l1'")
      c.run("INSERT INTO domains (id, workspace_id, name, created_at, updated_at) VALUES ('d1', 'w1', 'a.test', 0, 0)")
      expect(n()).toBe(start + 2)
      // (domain, shortId) is unique; the same shortId on another domain is not a conflict.
      c.run("INSERT INTO links (id, workspace_id, short_id, domain, url, collection_id, created_at, updated_at) VALUES ('l2', 'w1', 'old', 'a.test', 'https://x/', 'c1', 0, 0)")
      expect(() => c.run("INSERT INTO links (id, workspace_id, short_id, url, collection_id, created_at, updated_at) VALUES ('l3', 'w1', 'old', 'https://x/', 'c1', 0, 0)")).toThrow(/UNIQUE/)
      db.$client.close()
    } finally {
      removeDir(dir)
    }
  })
})
