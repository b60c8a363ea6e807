import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { CaptureTokens, TOKEN_TTL_MS } from '../src/tracking/token'
import { removeDir, startServer, type TestServer, UA } from './harness'

let s: TestServer
let link: any

const clickCount = async () => (await s.rows<{ n: number }>('SELECT count(*) AS n FROM clicks WHERE link_id = ?', [link.id]))[0].n
const script = (headers: Record<string, string>, shortId = link.shortId, query = '') =>
  fetch(`${s.url}/${shortId}/analytics.js${query}`, { headers: { 'user-agent': UA.chromeWindows, ...headers } })
const tokenOf = (js: string) => /var T="([^"]+)"/.exec(js)?.[1]
const capture = (body: unknown, headers: Record<string, string> = {}, query = '') =>
  fetch(`${s.url}/${link.shortId}/analytics.js${query}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': UA.chromeWindows, ...headers },
    body: JSON.stringify(body),
  })

beforeAll(async () => {
  s = await startServer({ env: { HOKO_BASE_URL: 'https://go.example.test' } })
  const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'c' }] })).json()
  ;[link] = await (
    await s.api('/api/links', { method: 'POST', json: [{ url: 'https://shop.example.com/pricing', collectionId: col.id, utm: { medium: 'embed' } }] })
  ).json()
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

describe('GET /analytics.js', () => {
  test('is a small script that keeps hoko_id in a cookie and makes no request', async () => {
    const res = await fetch(`${s.url}/analytics.js`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600')
    const js = await res.text()
    expect(js.length).toBeLessThan(400)
    expect(js).toContain('hoko_id=')
    expect(js).toContain('max-age=7776000')
    expect(js).toContain('samesite=lax')
    expect(js).not.toMatch(/fetch|XMLHttpRequest|sendBeacon|new Image/)
  })
})

describe('embedded click tracking', () => {
  test('without Origin or Referer, or from another host, the script is a no-op and nothing is recorded', async () => {
    const variants: Record<string, string>[] = [{}, { referer: 'https://evil.example.net/page' }, { origin: 'https://shop.example.com.evil.net' }]
    for (const headers of variants) {
      const res = await script(headers)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
      const js = await res.text()
      expect(tokenOf(js)).toBeUndefined()
      expect(js).not.toContain('fetch')
    }
    expect((await (await script({ referer: 'https://shop.example.com/' }, 'no-such-link')).text())).not.toContain('fetch')
    expect(await clickCount()).toBe(0)
  })

  test('a page on the destination host (or its www twin) gets a signed capture script, uncached', async () => {
    for (const referer of ['https://shop.example.com/', 'https://www.shop.example.com/landing?x=1']) {
      const res = await script({ referer }, link.shortId, '?utm_source=blog')
      expect(res.headers.get('cache-control')).toBe('no-store')
      const js = await res.text()
      expect(tokenOf(js)).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
      expect(js).toContain(`"https://go.example.test/${link.shortId}/analytics.js?utm_source=blog"`)
    }
    expect(await clickCount()).toBe(0)
  })

  test('the capture request records one click with the page URL and the script URL utm, once', async () => {
    const js = await (await script({ referer: 'https://shop.example.com/' }, link.shortId, '?utm_source=blog&ref=friend')).text()
    const token = tokenOf(js)
    const body = { token, url: 'https://shop.example.com/pricing?plan=pro', sessionId: 'visitor-1', referrer: 'https://news.example.org/' }
    const res = await capture(body, { origin: 'https://shop.example.com' }, '?utm_source=blog&ref=friend')
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example.com')
    const { clickId } = await res.json()
    const [click] = await (await s.api(`/api/analytics?linkId=${link.id}`)).json()
    expect(click).toMatchObject({
      id: clickId,
      destination: 'https://shop.example.com/pricing?plan=pro',
      referrer: 'https://news.example.org/',
      utm: { medium: 'embed', source: 'blog', referral: 'friend' },
      visitorSessionId: 'visitor-1',
      qr: false,
      browserName: 'Chrome',
    })
    // A replayed token records nothing.
    const replay = await capture(body, { origin: 'https://shop.example.com' })
    expect(replay.status).toBe(400)
    expect(await clickCount()).toBe(1)
  })

  test('forged, foreign or mismatched captures record nothing', async () => {
    const fresh = async () => tokenOf(await (await script({ referer: 'https://shop.example.com/' })).text())!
    const before = await clickCount()
    const page = 'https://shop.example.com/p'
    const t1 = await fresh()
    const [payload, sig] = t1.split('.')
    const forged = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), h: 'evil.example.net' })).toString('base64url')}.${sig}`
    const refused = await capture({ token: forged, url: 'https://evil.example.net/', sessionId: 's' })
    expect(refused.status).toBe(400)
    expect(refused.headers.get('x-hoko-error')).toBe('capture_invalid')
    expect(await refused.json()).toEqual({
      error: {
        en: "capture: the token is invalid, expired or already used, or the page is not on the link's host",
        ar: 'capture: الرمز غير صالح أو منتهي الصلاحية أو مستخدم من قبل، أو أن الصفحة ليست على نطاق الرابط',
      },
    })
    expect((await capture({ token: `${payload}.${'A'.repeat(sig.length)}`, url: page, sessionId: 's' })).status).toBe(400)
    // page on another host than the token's
    expect((await capture({ token: await fresh(), url: 'https://evil.example.net/p', sessionId: 's' })).status).toBe(400)
    // origin of the request on another host
    expect((await capture({ token: await fresh(), url: page, sessionId: 's' }, { origin: 'https://evil.example.net' })).status).toBe(400)
    // a token of this link used for another link
    const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'x' }] })).json()
    const [other] = await (await s.api('/api/links', { method: 'POST', json: [{ url: 'https://shop.example.com/', collectionId: col.id }] })).json()
    const res = await fetch(`${s.url}/${other.shortId}/analytics.js`, { method: 'POST', body: JSON.stringify({ token: await fresh(), url: page, sessionId: 's' }) })
    expect(res.status).toBe(400)
    // malformed bodies
    for (const [body, code] of [
      ['not json', 'malformed_json'],
      [JSON.stringify({ token: await fresh(), url: 'javascript:alert(1)', sessionId: 's' }), 'capture_invalid'],
      [JSON.stringify({ token: await fresh(), url: page, sessionId: 'bad id!' }), 'capture_invalid'],
    ]) {
      const res = await fetch(`${s.url}/${link.shortId}/analytics.js`, { method: 'POST', body })
      expect(res.status).toBe(400)
      expect(res.headers.get('x-hoko-error')).toBe(code)
    }
    expect(await clickCount()).toBe(before)
  })

  test('capture tokens expire', () => {
    const tokens = new CaptureTokens('a-secret-of-sixteen-chars')
    const now = 1_700_000_000_000
    const token = tokens.issue('link-1', 'shop.example.com', now)
    expect(tokens.redeem(token, 'link-1', now + TOKEN_TTL_MS + 1)).toBeNull()
    const other = tokens.issue('link-1', 'shop.example.com', now)
    expect(tokens.redeem(other, 'link-2', now)).toBeNull()
    expect(tokens.redeem(other, 'link-1', now)).toBe('shop.example.com')
    expect(tokens.redeem(other, 'link-1', now)).toBeNull()
    expect(new CaptureTokens('another-secret-0000').redeem(tokens.issue('link-1', 'h', now), 'link-1', now)).toBeNull()
  })

  test('hostile page URLs in a capture are refused with a 400 and record nothing', async () => {
    const before = await clickCount()
    const hostile = [
      'https://evil.com\\@shop.example.com/phish', // a browser's host here is evil.com
      'https://shop.example.com\\@evil.com/',
      'https://user@shop.example.com/',
      'https://evil.com@shop.example.com/',
      'https://@shop.example.com/',
      'https://user:pass@shop.example.com/',
      'http://shop.example.com/pricing', // another scheme than the https destination
      'https://shop.example.com:8443/pricing', // another port
      'https://shop.example.com./pricing', // trailing dot: another host
      'https://shop.example.com\\pricing',
    ]
    for (const url of hostile) {
      const token = tokenOf(await (await script({ referer: 'https://shop.example.com/' })).text())
      expect(token).toBeDefined()
      const res = await capture({ token, url, sessionId: 's' }, { origin: 'https://shop.example.com' })
      expect({ url, status: res.status }).toEqual({ url, status: 400 })
    }
    // the page is fine but the request comes from another origin
    for (const origin of ['https://shop.example.com:8443', 'http://shop.example.com', 'https://shop.example.com.', 'null']) {
      const token = tokenOf(await (await script({ referer: 'https://shop.example.com/' })).text())
      const res = await capture({ token, url: 'https://shop.example.com/p', sessionId: 's' }, { origin })
      expect({ origin, status: res.status }).toEqual({ origin, status: 400 })
    }
    expect(await clickCount()).toBe(before)
  })

  test('hostile Origin or Referer headers get the no-op script, without a token', async () => {
    const variants: Record<string, string>[] = [
      { referer: 'https://evil.com\\@shop.example.com/phish' },
      { referer: 'https://user@shop.example.com/' },
      { referer: 'https://@shop.example.com/' },
      { referer: 'http://shop.example.com/' },
      { referer: 'https://shop.example.com:8443/' },
      { referer: 'https://shop.example.com./' },
      { referer: 'ftp://shop.example.com/' },
      { origin: 'https://user@shop.example.com' },
      { origin: 'http://shop.example.com' },
      { origin: 'https://shop.example.com:8443' },
      { origin: 'https://shop.example.com.' },
      { origin: 'null', referer: 'https://shop.example.com/' },
    ]
    for (const headers of variants) {
      const js = await (await script(headers)).text()
      expect({ headers, token: tokenOf(js) }).toEqual({ headers, token: undefined })
      const preflight = headers.origin
        ? await fetch(`${s.url}/${link.shortId}/analytics.js`, { method: 'OPTIONS', headers: { origin: headers.origin } })
        : null
      expect(preflight?.headers.get('access-control-allow-origin') ?? null).toBeNull()
    }
  })

  test('an https page may track a link to the http form of its host, never the other way round', async () => {
    const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'http' }] })).json()
    const [plain] = await (await s.api('/api/links', { method: 'POST', json: [{ url: 'http://blog.example.org/post', collectionId: col.id }] })).json()
    for (const referer of ['http://blog.example.org/post', 'https://blog.example.org/post', 'https://www.blog.example.org/'])
      expect(tokenOf(await (await script({ referer }, plain.shortId)).text())).toBeDefined()
    expect(tokenOf(await (await script({ referer: 'http://blog.example.org:8080/' }, plain.shortId)).text())).toBeUndefined()
  })

  test('password-protected, expired and deleted links get no token, and their captures are refused', async () => {
    const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'closed' }] })).json()
    const make = async (fields: Record<string, unknown>) =>
      (await (await s.api('/api/links', { method: 'POST', json: [{ url: 'https://shop.example.com/closed', collectionId: col.id, ...fields }] })).json())[0]
    const past = new Date(Date.now() - 60_000).toISOString()
    const closed = [await make({ password: 'launch' }), await make({ expiresAt: past }), await make({ expiresAt: past, expiredUrl: 'https://shop.example.com/over' })]
    for (const l of closed) expect(tokenOf(await (await script({ referer: 'https://shop.example.com/' }, l.shortId)).text())).toBeUndefined()

    // A token issued while the link was open is refused once it is protected, expired or deleted.
    const changes: Record<string, unknown>[] = [{ password: 'launch' }, { expiresAt: past }, {}]
    for (const change of changes) {
      const l = await make({})
      const token = tokenOf(await (await script({ referer: 'https://shop.example.com/' }, l.shortId)).text())
      expect(token).toBeDefined()
      const res = Object.keys(change).length
        ? await s.api('/api/links', { method: 'PUT', json: [{ id: l.id, ...change }] })
        : await s.api('/api/links', { method: 'DELETE', json: [l.id] })
      expect(res.status).toBe(200)
      const post = await fetch(`${s.url}/${l.shortId}/analytics.js`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: 'https://shop.example.com' },
        body: JSON.stringify({ token, url: 'https://shop.example.com/closed', sessionId: 's' }),
      })
      expect(post.status).toBe(400)
      expect((await s.rows<{ n: number }>('SELECT count(*) AS n FROM clicks WHERE link_id = ?', [l.id]))[0].n).toBe(0)
    }
  })

  test('a CORS preflight is answered for the verified origin only', async () => {
    const ok = await fetch(`${s.url}/${link.shortId}/analytics.js`, { method: 'OPTIONS', headers: { origin: 'https://www.shop.example.com' } })
    expect(ok.status).toBe(204)
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://www.shop.example.com')
    const no = await fetch(`${s.url}/${link.shortId}/analytics.js`, { method: 'OPTIONS', headers: { origin: 'https://evil.example.net' } })
    expect(no.headers.get('access-control-allow-origin')).toBeNull()
  })
})
