import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeMmdb } from './fixtures/mmdb'
import { removeDir, startServer, type TestServer, UA } from './harness'
import { visitorText } from '../src/clicks/store'


let s: TestServer
let collectionId: string

async function link(fields: Record<string, unknown>) {
  const res = await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com/landing', collectionId, ...fields }] })
  const body = await res.json()
  if (res.status !== 201) throw new Error(JSON.stringify(body))
  return body[0]
}

/** A visit as a browser makes it: no redirect following. */
const visit = (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
  fetch(`${s.url}${path}`, { redirect: 'manual', ...init, headers: { 'user-agent': UA.chromeWindows, ...headers } })

async function clicksOf(linkId: string): Promise<any[]> {
  // Visitor and session ids as the API shows them (SQLite stores the redirect's own as 16 bytes).
  return (await s.rows('SELECT * FROM clicks WHERE link_id = ? ORDER BY created_at, id', [linkId])).map((c) => ({
    ...c,
    visitor_id: visitorText(c.visitor_id),
    visitor_session_id: visitorText(c.visitor_session_id),
  }))
}

function expectSafePage(res: Response) {
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
  expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  expect(res.headers.get('content-security-policy')).toContain("default-src 'none'")
}

beforeAll(async () => {
  s = await startServer({ env: { HOKO_TRUST_PROXY: '1' } })
  collectionId = (await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'Redirects' }] })).json())[0].id
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

describe('resolution', () => {
  test('an unknown short id is a 404 page', async () => {
    const res = await visit('/nothing-here')
    expect(res.status).toBe(404)
    expectSafePage(res)
    expect(await res.text()).toContain('Link not found')
    expect((await visit('/a/b/c')).status).toBe(404)
  })

  test('a plain link is a 302 to its url with hoko_id, and the click is recorded', async () => {
    const l = await link({})
    const res = await visit(`/${l.shortId}`)
    expect(res.status).toBe(302)
    const location = new URL(res.headers.get('location')!)
    expect(location.origin + location.pathname).toBe('https://example.com/landing')
    const clickId = location.searchParams.get('hoko_id')
    expect(clickId).toMatch(/^[0-9a-f-]{36}$/)
    expect(res.headers.get('cache-control')).toBe('private, no-store')
    const clicks = await clicksOf(l.id)
    expect(clicks).toHaveLength(1)
    expect(clicks[0].id).toBe(clickId)
    expect(clicks[0].destination).toBe(res.headers.get('location'))
  })

  test('a deleted link is a 404 at once (the cache is evicted)', async () => {
    const l = await link({})
    expect((await visit(`/${l.shortId}`)).status).toBe(302)
    await s.api('/api/links', { method: 'DELETE', json: [l.id] })
    expect((await visit(`/${l.shortId}`)).status).toBe(404)
  })

  test('a PUT is never followed by a stale redirect', async () => {
    const l = await link({ url: 'https://before.example/' })
    for (let i = 0; i < 3; i++) expect((await visit(`/${l.shortId}`)).headers.get('location')).toStartWith('https://before.example/')
    await s.api('/api/links', { method: 'PUT', json: [{ id: l.id, url: 'https://after.example/' }] })
    expect((await visit(`/${l.shortId}`)).headers.get('location')).toStartWith('https://after.example/')
  })

  test('an expired link goes to its expiredUrl, or is a 410 page without one', async () => {
    const past = new Date(Date.now() - 1000).toISOString()
    const withUrl = await link({ expiresAt: past, expiredUrl: 'https://example.com/expired', ios: 'https://example.com/ios' })
    const res = await visit(`/${withUrl.shortId}`, { 'user-agent': UA.iphone })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toStartWith('https://example.com/expired?hoko_id=')
    const without = await link({ expiresAt: past })
    const gone = await visit(`/${without.shortId}`)
    expect(gone.status).toBe(410)
    expectSafePage(gone)
    expect(await clicksOf(without.id)).toHaveLength(0)
    const future = await link({ expiresAt: new Date(Date.now() + 3_600_000).toISOString(), expiredUrl: 'https://example.com/expired' })
    expect((await visit(`/${future.shortId}`)).headers.get('location')).toStartWith('https://example.com/landing')
  })

  test('iOS and Android visitors go to their own destinations', async () => {
    const l = await link({ ios: 'https://apps.example/ios', android: 'https://apps.example/android' })
    const to = async (ua: string) => {
      const location = new URL((await visit(`/${l.shortId}`, { 'user-agent': ua })).headers.get('location')!)
      return location.origin + location.pathname
    }
    expect(await to(UA.iphone)).toBe('https://apps.example/ios')
    expect(await to(UA.ipad)).toBe('https://apps.example/ios')
    expect(await to(UA.android)).toBe('https://apps.example/android')
    expect(await to(UA.chromeWindows)).toBe('https://example.com/landing')
  })

  test('the country of the client IP picks a geo destination', async () => {
    const l = await link({ geo: { US: 'https://us.example/', SA: 'https://sa.example/' } })
    // One trusted proxy: its entry is the right-most; what the client wrote before it does not count.
    const from = async (ip: string) => (await visit(`/${l.shortId}`, { 'x-forwarded-for': `81.2.69.160, ${ip}` })).headers.get('location')!
    expect(await from('8.8.8.8')).toStartWith('https://us.example/')
    expect(await from('5.42.250.1')).toStartWith('https://sa.example/')
    expect(await from('192.168.1.10')).toStartWith('https://example.com/landing')
  })

  test('device targeting comes before geo targeting', async () => {
    const l = await link({ ios: 'https://apps.example/ios', geo: { US: 'https://us.example/' } })
    const res = await visit(`/${l.shortId}`, { 'user-agent': UA.iphone, 'x-forwarded-for': '8.8.8.8' })
    expect(res.headers.get('location')).toStartWith('https://apps.example/ios')
  })

  test('a cloaked link is a page that frames the destination', async () => {
    const l = await link({ cloaked: true, title: 'Deals <b>"now"</b>', url: 'https://example.com/a?x="y"&z=<1>' })
    const res = await visit(`/${l.shortId}`)
    expect(res.status).toBe(200)
    expectSafePage(res)
    expect(res.headers.get('content-security-policy')).toContain('frame-src http: https:')
    const html = await res.text()
    expect(html).toContain('<iframe src="https://example.com/a?x=%22y%22&amp;z=%3C1%3E&amp;hoko_id=')
    expect(html).toContain('<title>Deals &lt;b&gt;&quot;now&quot;&lt;/b&gt;</title>')
    expect(html).not.toContain('<b>')
    expect(html).not.toContain('<script')
    expect(await clicksOf(l.id)).toHaveLength(1)
  })
})

describe('password-protected links', () => {
  test('GET shows the form and records nothing; a wrong password is a 401; the right one redirects', async () => {
    const l = await link({ password: 'launch', title: '<script>alert(1)</script>' })
    const form = await visit(`/${l.shortId}?utm_source=mail`)
    expect(form.status).toBe(200)
    expectSafePage(form)
    const html = await form.text()
    expect(html).toContain('<form method="post">')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).not.toContain('<script>')
    expect(await clicksOf(l.id)).toHaveLength(0)

    const post = (password: string, ip: string) =>
      visit(`/${l.shortId}?utm_source=mail`, { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip }, {
        method: 'POST',
        body: new URLSearchParams({ password }).toString(),
      })
    const wrong = await post('nope', '203.0.113.7')
    expect(wrong.status).toBe(401)
    expect(await wrong.text()).toContain('Wrong password')
    expect(await clicksOf(l.id)).toHaveLength(0)

    const right = await post('launch', '203.0.113.7')
    expect(right.status).toBe(303)
    expect(right.headers.get('location')).toMatch(/^https:\/\/example\.com\/landing\?utm_source=mail&hoko_id=/)
    expect(await clicksOf(l.id)).toHaveLength(1)
  })

  test('repeated wrong passwords from one address are refused for a while', async () => {
    const l = await link({ password: 'correct horse' })
    const post = (password: string, ip: string) =>
      visit(`/${l.shortId}`, { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip }, {
        method: 'POST',
        body: `password=${encodeURIComponent(password)}`,
      })
    for (let i = 0; i < 5; i++) expect((await post(`guess${i}`, '198.51.100.1')).status).toBe(401)
    const blocked = await post('correct horse', '198.51.100.1')
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    // Another address is not affected.
    expect((await post('correct horse', '198.51.100.2')).status).toBe(303)
  })

  const wrongPasswords = async (forwardedFor: (i: number) => string) => {
    const l = await link({ password: 'correct horse' })
    const statuses: number[] = []
    for (let i = 0; i < 12; i++) {
      const res = await visit(`/${l.shortId}`, { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': forwardedFor(i) }, {
        method: 'POST',
        body: `password=guess${i}`,
      })
      statuses.push(res.status)
      if (res.status === 429) expect(await res.text()).toContain('Too many')
    }
    return { l, statuses }
  }
  const lockedAfterFive = [...Array(5).fill(401), ...Array(7).fill(429)]

  test('a new spoofed first X-Forwarded-For entry on every guess does not escape the brake', async () => {
    // The client writes the left entries; the one trusted proxy appends the address it saw.
    const { statuses } = await wrongPasswords((i) => `198.18.${i}.1, 203.0.113.50`)
    expect(statuses).toEqual(lockedAfterFive)
  })

  test('rotating IPv6 addresses inside one /64 are locked out together, another /64 is not', async () => {
    const { l, statuses } = await wrongPasswords((i) => `2001:db8:5:6:${i.toString(16)}::${(i + 1).toString(16)}`)
    expect(statuses).toEqual(lockedAfterFive)
    const post = (ip: string) =>
      visit(`/${l.shortId}`, { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip }, {
        method: 'POST',
        body: 'password=correct+horse',
      })
    expect((await post('2001:db8:5:6:ffff:ffff:ffff:ffff')).status).toBe(429)
    expect((await post('2001:db8:5:7::1')).status).toBe(303)
  })
})

describe('destination and click capture', () => {
  test("utm is added where the destination lacks it, the short URL's query overrides, qr is dropped", async () => {
    const l = await link({
      url: 'https://shop.example/p?utm_source=site&color=red',
      utm: { source: 'google', medium: 'cpc', campaign: 'summer' },
    })
    const res = await visit(`/${l.shortId}?utm_campaign=winter&color=blue&ref=friend&qr=1`)
    const loc = new URL(res.headers.get('location')!)
    expect(loc.searchParams.get('utm_source')).toBe('site')
    expect(loc.searchParams.get('utm_medium')).toBe('cpc')
    expect(loc.searchParams.get('utm_campaign')).toBe('winter')
    expect(loc.searchParams.get('color')).toBe('blue')
    expect(loc.searchParams.getAll('color')).toHaveLength(1)
    expect(loc.searchParams.get('ref')).toBe('friend')
    expect(loc.searchParams.has('qr')).toBe(false)
    const [click] = await clicksOf(l.id)
    expect(JSON.parse(click.utm)).toEqual({ source: 'google', medium: 'cpc', campaign: 'winter', referral: 'friend' })
    expect(click.qr).toBe(1)
  })

  test('a click keeps the enriched visit, and a truncated IP only', async () => {
    const [partner] = await (await s.api('/api/partners', { method: 'POST', json: [{ name: 'Aff' }] })).json()
    const l = await link({ externalId: 'capture-1', tenantId: 't-9', partnerId: partner.id })
    const res = await visit(`/${l.shortId}`, {
      'user-agent': UA.android,
      'x-forwarded-for': '8.8.8.8',
      referer: 'https://news.example.org/story?id=3',
      'accept-language': 'ar-SA,ar;q=0.9,en;q=0.8',
    })
    expect(res.status).toBe(302)
    const [c] = await clicksOf(l.id)
    expect(c).toMatchObject({
      workspace_id: expect.any(String),
      short_id: l.shortId,
      partner_id: partner.id,
      external_id: 'capture-1',
      tenant_id: 't-9',
      referrer: 'https://news.example.org/story?id=3',
      referrer_host: 'news.example.org',
      browser_name: 'Chrome',
      browser_version: '120.0',
      os_name: 'Android',
      os_version: '14',
      device_type: 'mobile',
      language: 'ar-SA',
      country: 'United States',
      country_code: 'US',
      qr: 0,
      bot: 0,
      ip: '8.8.8.0',
    })
    const [whole] = await s.rows<{ n: number }>("SELECT count(*) AS n FROM clicks WHERE ip = '8.8.8.8'")
    expect(whole.n).toBe(0)
  })

  test('the visitor cookie is set for 90 days and identifies the same visitor next time', async () => {
    const l = await link({})
    const first = await visit(`/${l.shortId}`)
    const cookies = first.headers.getSetCookie()
    const vid = cookies.find((c) => c.startsWith('hoko_vid='))!
    expect(vid).toContain('Max-Age=7776000')
    expect(vid).toContain('HttpOnly')
    expect(vid).toContain('SameSite=Lax')
    const jar = cookies.map((c) => c.split(';')[0]).join('; ')
    await visit(`/${l.shortId}`, { cookie: jar })
    const [a, b] = await clicksOf(l.id)
    expect(a.visitor_id).toEqual(b.visitor_id)
    expect(a.visitor_session_id).toEqual(b.visitor_session_id)
    await visit(`/${l.shortId}`)
    expect((await clicksOf(l.id))[2].visitor_id).not.toEqual(a.visitor_id)
  })

  test('the session cookie is renewed on every click, the visitor cookie when a session starts', async () => {
    const l = await link({})
    const names = (res: Response) => res.headers.getSetCookie().map((c) => c.slice(0, c.indexOf('=')))
    const first = await visit(`/${l.shortId}`)
    expect(names(first)).toEqual(['hoko_vid', 'hoko_sid'])
    const jar = first.headers.getSetCookie().map((c) => c.split(';')[0])
    // Within the session: only the session's 30 minutes move on.
    const again = await visit(`/${l.shortId}`, { cookie: jar.join('; ') })
    expect(again.headers.getSetCookie()).toEqual([expect.stringMatching(/^hoko_sid=[\w-]+; Max-Age=1800; Path=\/; HttpOnly; SameSite=Lax$/)])
    // The session expired (its cookie is gone): a new session, and the visitor's 90 days again.
    const later = await visit(`/${l.shortId}`, { cookie: jar[0] })
    expect(names(later)).toEqual(['hoko_vid', 'hoko_sid'])
    expect(later.headers.getSetCookie()[0].split(';')[0]).toBe(jar[0])
    const [a, b, c] = await clicksOf(l.id)
    expect(new Set([a.visitor_id, b.visitor_id, c.visitor_id]).size).toBe(1)
    expect([a.visitor_session_id === b.visitor_session_id, b.visitor_session_id === c.visitor_session_id]).toEqual([true, false])
  })

  test('a spoofed left X-Forwarded-For entry neither chooses the country nor the geo destination', async () => {
    const l = await link({ geo: { GB: 'https://gb.example/' } })
    const countries = async () =>
      (await (await s.api(`/api/analytics?linkId=${l.id}`)).json()).map((c: any) => [c.country, c.countryCode])
    // 81.2.69.160 is in the United Kingdom; the proxy in front says the visitor came from loopback.
    const res = await visit(`/${l.shortId}`, { 'x-forwarded-for': '81.2.69.160, 127.0.0.1' })
    expect(res.headers.get('location')).toStartWith('https://example.com/landing')
    expect(await countries()).toEqual([[null, null]])
    // Rotating the left entries changes nothing: the right-most (5.42.250.1, Saudi Arabia) decides.
    for (const spoofed of ['81.2.69.160', '8.8.8.8', '81.2.69.160, 8.8.4.4'])
      await visit(`/${l.shortId}`, { 'x-forwarded-for': `${spoofed}, 5.42.250.1` })
    expect((await countries()).slice(0, 3)).toEqual(Array(3).fill(['Saudi Arabia', 'SA']))
  })

  test("several X-Forwarded-For header lines are one list: the last line is the proxy's", async () => {
    const l = await link({})
    const { port } = new URL(s.url)
    const sock = connect(Number(port), '127.0.0.1')
    const done = new Promise((resolve) => sock.on('close', resolve))
    sock.on('data', () => {})
    sock.write(
      `GET /${l.shortId} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ${UA.chromeWindows}\r\n` +
        'X-Forwarded-For: 81.2.69.160\r\nX-Forwarded-For: 8.8.8.8\r\nConnection: close\r\n\r\n',
    )
    await done
    expect((await clicksOf(l.id)).map((c) => c.country_code)).toEqual(['US'])
  })

  test('X-Forwarded-For is ignored unless HOKO_TRUST_PROXY is set', async () => {
    const other = await startServer()
    try {
      const [col] = await (await other.api('/api/collections', { method: 'POST', json: [{ name: 'c' }] })).json()
      const [l] = await (await other.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com', collectionId: col.id }] })).json()
      await fetch(`${other.url}/${l.shortId}`, { redirect: 'manual', headers: { 'x-forwarded-for': '8.8.8.8', 'user-agent': UA.chromeWindows } })
      const [c] = await other.rows('SELECT country_code, ip FROM clicks')
      expect(c).toEqual({ country_code: null, ip: '127.0.0.0' })
    } finally {
      await other.stop()
      removeDir(other.dir)
    }
  })

  test.each([
    ['a MaxMind City layout', { city: { names: { en: 'Mountain View' } }, country: { iso_code: 'US', names: { en: 'United States' } } }, 'United States'],
    ['an ip-location-db city layout', { city: 'Mountain View', country_code: 'us' }, 'United States'],
  ])('HOKO_GEOIP_DB adds the city (%s)', async (_, record, country) => {
    const dir = mkdtempSync(join(tmpdir(), 'hoko-geo-'))
    const dbFile = join(dir, 'city.mmdb')
    await Bun.write(dbFile, writeMmdb('8.8.8.0', record))
    const other = await startServer({ dir, env: { HOKO_TRUST_PROXY: '1', HOKO_GEOIP_DB: dbFile } })
    try {
      const [col] = await (await other.api('/api/collections', { method: 'POST', json: [{ name: 'c' }] })).json()
      const [l] = await (await other.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com', collectionId: col.id }] })).json()
      for (const ip of ['8.8.8.8', '1.1.1.1'])
        await fetch(`${other.url}/${l.shortId}`, { redirect: 'manual', headers: { 'x-forwarded-for': ip, 'user-agent': UA.chromeWindows } })
      const rows = await other.rows('SELECT country, country_code, city, ip FROM clicks ORDER BY id')
      expect(rows).toEqual([
        { country, country_code: 'US', city: 'Mountain View', ip: '8.8.8.0' },
        { country: null, country_code: null, city: null, ip: '1.1.1.0' },
      ])
    } finally {
      await other.stop()
      removeDir(dir)
    }
  })

  test('bots are redirected but stored as bots and left out of analytics', async () => {
    const l = await link({})
    const res = await visit(`/${l.shortId}`, { 'user-agent': UA.googlebot })
    expect(res.status).toBe(302)
    expect(await clicksOf(l.id)).toMatchObject([{ bot: 1 }])
    const analytics = await (await s.api(`/api/analytics?linkId=${l.id}`)).json()
    expect(analytics).toEqual([])
    const summary = await (await s.api(`/api/analytics/summary?linkId=${l.id}`)).json()
    expect(summary.clicks).toBe(0)
  })

  test('HEAD answers the redirect and records nothing', async () => {
    const l = await link({})
    const res = await visit(`/${l.shortId}`, {}, { method: 'HEAD' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('https://example.com/landing')
    expect(await clicksOf(l.id)).toHaveLength(0)
  })

  test('clicks are visible to the analytics API as soon as the redirect is answered', async () => {
    const l = await link({})
    const res = await visit(`/${l.shortId}`)
    const id = new URL(res.headers.get('location')!).searchParams.get('hoko_id')
    const [click] = await (await s.api(`/api/analytics?linkId=${l.id}`)).json()
    expect(click.id).toBe(id)
  })
})
