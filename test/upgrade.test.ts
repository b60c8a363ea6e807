import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { chmodSync, copyFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { answerOf } from './fixtures/answer'
import { removeDir, ROOT, startServer, type TestServer, UA } from './harness'

/**
 * A database written by an earlier Hoko (test/fixtures/upgrade, made by scripts/upgrade-fixture.ts),
 * opened by this one: its migrations convert it in place, and every answer recorded then must come
 * back the same, byte for byte in JSON terms; its clicks must still take conversions and new clicks.
 */
const FIXTURE = join(ROOT, 'test/fixtures/upgrade')

type Answer = { key: 'default' | 'second'; path: string; status: number; headers: Record<string, string>; body: unknown }
type Fixture = {
  producedBy: string
  env: Record<string, string>
  keys: Record<Answer['key'], string>
  clickIds: { spring: string; second: string }
  links: { spring: string; app: string }
  partners: { alice: string }
  /** The click objects of the GET /api/analytics answers, which name them as { $click: id }. */
  clicks: Record<string, unknown>
  answers: Answer[]
}
const fixture = (await Bun.file(join(FIXTURE, 'answers.json')).json()) as Fixture

const expandClicks = (a: Answer): unknown =>
  a.path.startsWith('/api/analytics?') ? (a.body as { $click: string }[]).map((c) => fixture.clicks[c.$click]) : a.body
const recorded = (path: string, key: Answer['key'] = 'default') => {
  const a = fixture.answers.find((x) => x.path === path && x.key === key)
  if (!a) throw new Error(`the fixture has no answer to ${path}`)
  return expandClicks(a) as any
}

let s: TestServer
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hoko-upgrade-'))
  copyFileSync(join(FIXTURE, 'hoko.db'), join(dir, 'hoko.db'))
  // As Hoko keeps its files (a checkout's copy is readable by others, and the server would say so).
  chmodSync(join(dir, 'hoko.db'), 0o600)
  s = await startServer({ dir, env: { ...fixture.env, HOKO_GEOIP_DB: join(FIXTURE, 'city.mmdb') } })
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

const api = (path: string, init: Parameters<TestServer['api']>[1] = {}, key: Answer['key'] = 'default') =>
  s.api(path, { ...init, key: fixture.keys[key] })

describe(`a database of ${fixture.producedBy.slice(0, 12)}, upgraded`, () => {
  const byEndpoint = Map.groupBy(fixture.answers, (a) => a.path.split('?')[0])
  test.each([...byEndpoint.keys()])('answers every recorded GET %s as before', async (endpoint) => {
    const mismatched: { request: string; got: unknown; want: unknown }[] = []
    for (const a of byEndpoint.get(endpoint)!) {
      const got = await answerOf(await api(a.path, {}, a.key))
      const want = { status: a.status, headers: a.headers, body: expandClicks(a) }
      if (!Bun.deepEquals(got, want, true)) mismatched.push({ request: `${a.key}: ${a.path}`, got, want })
    }
    if (mismatched.length) console.error(`${mismatched.length} answers changed:\n${mismatched.map((m) => m.request).join('\n')}`)
    // The first change, in full.
    expect(mismatched[0]?.got).toEqual(mismatched[0]?.want)
    expect(mismatched.map((m) => m.request)).toEqual([])
  })

  test('the old clicks now live in the compact tables (migration 0011), each with its old id kept', () => {
    const db = s.sql()
    try {
      const kinds = db.query("SELECT name, type FROM sqlite_master WHERE name IN ('clicks', 'click_rows')").all()
      expect(kinds).toEqual(expect.arrayContaining([{ name: 'clicks', type: 'view' }, { name: 'click_rows', type: 'table' }]))
      const { rows, legacy } = db.query('SELECT (SELECT count(*) FROM click_rows) AS rows, (SELECT count(*) FROM click_legacy_ids) AS legacy').get() as { rows: number; legacy: number }
      expect(rows).toBeGreaterThanOrEqual(Object.keys(fixture.clicks).length)
      expect(legacy).toBe(rows)
    } finally {
      db.close()
    }
  })

  test('a click of the old database still takes a lead: same click, link and partner, and its commission', async () => {
    const clickId = fixture.clickIds.spring
    const before = recorded(`/api/analytics/summary?linkId=${fixture.links.spring}`)
    const res = await api('/api/track/lead', { method: 'POST', json: { clickId, eventName: 'Sign up', customerExternalId: 'after-upgrade', customerName: 'After' } })
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body.click).toEqual({ id: clickId })
    expect(body.link).toEqual(recorded(`/api/links?id=${fixture.links.spring}`)[0])

    const leads = await (await api(`/api/leads?customerId=${body.customer.id}`)).json()
    expect(leads).toMatchObject([{ eventName: 'Sign up', clickId, linkId: fixture.links.spring, shortId: 'spring-sale', partnerId: fixture.partners.alice }])
    const commissions = await (await api(`/api/commissions?partnerId=${fixture.partners.alice}&status=pending&take=1000`)).json()
    expect(commissions.filter((c: any) => c.customerId === body.customer.id)).toMatchObject([
      { clickId, linkId: fixture.links.spring, event: 'lead', amount: 500, currency: 'usd', status: 'pending' },
    ])
    const after = await (await api(`/api/analytics/summary?linkId=${fixture.links.spring}`)).json()
    expect(after).toEqual({ ...before, leads: before.leads + 1 })
  })

  test("another workspace's click of the old database is still not this workspace's", async () => {
    const res = await api('/api/track/lead', { method: 'POST', json: { clickId: fixture.clickIds.second, eventName: 'Sign up', customerExternalId: 'x', customerName: 'X' } })
    expect(res.status).toBe(400)
    expect(res.headers.get('x-hoko-error')).toBe('click_not_found')
  })

  test('a new visit of an old link is recorded beside the old clicks, with the same attributes', async () => {
    const summary = () => api(`/api/analytics/summary?linkId=${fixture.links.spring}`).then((r) => r.json())
    const before = await summary()
    const res = await fetch(`${s.url}/spring-sale?qr=1`, {
      redirect: 'manual',
      headers: { 'user-agent': UA.chromeWindows, 'x-forwarded-for': '8.8.8.8', referer: 'https://www.google.com/search?q=hoko' },
    })
    expect(res.status).toBe(302)
    const clickId = new URL(res.headers.get('location')!).searchParams.get('hoko_id')
    const [click] = await (await api(`/api/analytics?linkId=${fixture.links.spring}&take=1`)).json()
    const link = recorded(`/api/links?id=${fixture.links.spring}`)[0]
    expect(click).toMatchObject({
      id: clickId,
      linkId: link.id,
      partnerId: fixture.partners.alice,
      referrer: 'https://www.google.com/search?q=hoko',
      destination: `https://shop.example.com/spring?ref=site&utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_term=shoes&utm_content=hero&hoko_id=${clickId}`,
      shortId: 'spring-sale',
      domain: 'hoko.fixture.test',
      utm: link.utm,
      externalId: 'ext-spring',
      tenantId: 'tenant-a',
      browserName: 'Chrome',
      osName: 'Windows',
      deviceType: 'desktop',
      country: 'United States',
      countryCode: 'US',
      city: 'Mountain View',
      qr: true,
    })
    expect(await summary()).toEqual({ ...before, clicks: before.clicks + 1 })
    // The fixture's link.clicked webhook tells of it, with the truncated address (which no other answer shows).
    const [delivery] = await (await api('/api/webhooks/deliveries?take=1')).json()
    expect(delivery).toMatchObject({ type: 'link.clicked', status: 'pending', payload: { data: { click: { ...click, ip: '8.8.8.0' } } } })
  })
})
