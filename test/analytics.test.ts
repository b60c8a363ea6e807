import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { SQL } from 'bun'
import { packedId } from '../src/clicks/store'
import { dollarParams } from '../src/db/data'
import { expectBilingual, removeDir, startServer, type TestServer, UA } from './harness'
import { ROLLUP_PROGRESS } from './clicks-sql'

let s: TestServer
let links: any[]
let partnerId: string
const T0 = Date.UTC(2024, 0, 31, 22, 0, 0) // 2024-01-31T22:00:00Z

const get = async (path: string) => {
  const res = await s.api(path)
  const body = await res.json()
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`)
  return body
}

beforeAll(async () => {
  s = await startServer({ env: { HOKO_TRUST_PROXY: '1' } })
  const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'A' }] })).json()
  ;[{ id: partnerId }] = await (await s.api('/api/partners', { method: 'POST', json: [{ name: 'P' }] })).json()
  links = await (
    await s.api('/api/links', {
      method: 'POST',
      json: [
        { url: 'https://example.com/a', collectionId: col.id, partnerId, tenantId: 'tenant-a', utm: { source: 'google', medium: 'cpc', campaign: 'winter' } },
        { url: 'https://example.com/b', collectionId: col.id, externalId: 'ext-b' },
      ],
    })
  ).json()
  // Real clicks through the redirect…
  const visits: [number, string, Record<string, string>][] = [
    [0, '', { 'user-agent': UA.chromeWindows, 'x-forwarded-for': '8.8.8.8', referer: 'https://www.google.com/search?q=x' }],
    [0, '?qr=1', { 'user-agent': UA.iphone, 'x-forwarded-for': '5.42.250.1' }],
    [0, '?utm_source=newsletter', { 'user-agent': UA.android, 'x-forwarded-for': '8.8.4.4' }],
    [1, '', { 'user-agent': UA.chromeWindows, 'x-forwarded-for': '8.8.8.8', referer: 'https://news.example.org/' }],
    [1, '', { 'user-agent': UA.googlebot, 'x-forwarded-for': '8.8.8.8' }],
  ]
  for (const [i, query, headers] of visits)
    await fetch(`${s.url}/${links[i].shortId}${query}`, { redirect: 'manual', headers })
  // …then moved back in time, so that dates and buckets can be tested: 1 hour apart, oldest first.
  const clicks = await s.rows<{ id: string; rid: number }>('SELECT id, rid FROM clicks ORDER BY created_at, id')
  // Moved clicks keep their ids (as ids kept in click_legacy_ids) and their conversions. The rollup
  // thread may have counted them at their real time already: it counts them again.
  await change([
    ...clicks.flatMap(({ id, rid }, n): Statement[] => {
      const to = (T0 + n * 3_600_000) * 1024
      const uuid = packedId(id)
      return [
        ['UPDATE click_rows SET rid = ?, nonce = NULL WHERE rid = ?', to, rid],
        ['DELETE FROM click_legacy_ids WHERE rid = ?', rid],
        typeof uuid === 'string' && s.engine === 'pg'
          ? ['INSERT INTO click_legacy_ids (rid, uuid_text) VALUES (?, ?)', to, uuid]
          : ['INSERT INTO click_legacy_ids (rid, uuid) VALUES (?, ?)', to, uuid],
        ['UPDATE leads SET click_rid = ? WHERE click_rid = ?', to, rid],
        ['UPDATE sales SET click_rid = ? WHERE click_rid = ?', to, rid],
      ]
    }),
    ...recount,
  ])
  await rolledUp()
})

type Statement = [string, ...unknown[]]
/** The rollups emptied, for the rollup thread to count every click again. */
const recount: Statement[] = [['DELETE FROM click_rollups'], ['DELETE FROM click_rollups_all'], ['DELETE FROM rollup_state']]
/** Deletes the clicks the view's condition selects, e.g. `link_id = ?`. */
const deleteClicks = (where: string, ...params: unknown[]): Statement[] => [
  [`DELETE FROM click_legacy_ids WHERE rid IN (SELECT rid FROM clicks WHERE ${where})`, ...params],
  [`DELETE FROM click_rows WHERE rid IN (SELECT rid FROM clicks WHERE ${where})`, ...params],
]

/** Writes beside the server, in one transaction, on its database of either engine: the test shapes clicks the redirect made. */
async function change(statements: Statement[]) {
  if (s.engine === 'sqlite') {
    const db = new Database(s.dbPath)
    db.exec('PRAGMA busy_timeout = 5000')
    try {
      db.transaction(() => {
        for (const [text, ...params] of statements) db.query(text).run(...(params as never[]))
      })()
    } finally {
      db.close()
    }
    return
  }
  const client = new SQL(s.databaseUrl!, { max: 1 })
  try {
    await client.begin(async (tx) => {
      for (const [text, ...params] of statements) await tx.unsafe(dollarParams(text), params as never[])
    })
  } finally {
    await client.close()
  }
}

/** Waits until the rollup thread has counted every click, so that summaries read the rollups. */
async function rolledUp() {
  for (let i = 0; i < 200; i++) {
    const [{ mark, last }] = await s.rows<{ mark: number | null; last: number | null }>(ROLLUP_PROGRESS)
    if (mark === last) return
    await Bun.sleep(25)
  }
  throw new Error('the rollups did not catch up')
}
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

describe('GET /api/analytics', () => {
  test('returns the documented click objects, newest first, bots excluded', async () => {
    const clicks = await get('/api/analytics')
    expect(clicks).toHaveLength(4)
    expect(Object.keys(clicks[0])).toEqual([
      'id', 'linkId', 'partnerId', 'visitorId', 'visitorSessionId', 'referrer', 'destination', 'shortId', 'domain', 'utm',
      'externalId', 'tenantId', 'browserName', 'browserVersion', 'osName', 'osVersion', 'deviceType', 'country',
      'countryCode', 'city', 'createdAt', 'qr',
    ])
    expect(clicks.map((c: any) => c.createdAt)).toEqual([
      '2024-02-01T01:00:00.000Z',
      '2024-02-01T00:00:00.000Z',
      '2024-01-31T23:00:00.000Z',
      '2024-01-31T22:00:00.000Z',
    ])
    const first = clicks[3]
    expect(first).toMatchObject({
      linkId: links[0].id,
      partnerId,
      shortId: links[0].shortId,
      referrer: 'https://www.google.com/search?q=x',
      utm: { source: 'google', medium: 'cpc', campaign: 'winter' },
      tenantId: 'tenant-a',
      browserName: 'Chrome',
      osName: 'Windows',
      deviceType: 'desktop',
      country: 'United States',
      countryCode: 'US',
      qr: false,
    })
    expect(first.destination).toStartWith('https://example.com/a?utm_source=google')
  })

  test('filters by link or partner, and by an inclusive date range', async () => {
    expect(await get(`/api/analytics?linkId=${links[1].id}`)).toHaveLength(1)
    expect(await get(`/api/analytics?partnerId=${partnerId}`)).toHaveLength(3)
    expect(await get(`/api/analytics?linkId=${links[1].id}&partnerId=${partnerId}`)).toHaveLength(4)
    expect(await get('/api/analytics?startDate=2024-01-31T23:00:00Z&endDate=2024-02-01T00:00:00Z')).toHaveLength(2)
    // A plain end date includes that whole day.
    expect(await get('/api/analytics?endDate=2024-01-31')).toHaveLength(2)
    expect(await get('/api/analytics?startDate=2024-02-01')).toHaveLength(2)
    expect(
      await get(`/api/analytics?linkId=${links[0].id}&startDate=2024-01-01T00:00:00Z&endDate=2024-01-31T23:59:59Z&take=50`),
    ).toHaveLength(2)
  })

  test('sorts and pages', async () => {
    const asc = await get('/api/analytics?sort=asc&take=2&skip=1')
    expect(asc.map((c: any) => c.createdAt)).toEqual(['2024-01-31T23:00:00.000Z', '2024-02-01T00:00:00.000Z'])
  })

  test.each([
    ['?startDate=yesterday', 'startDate: must be an ISO 8601 date or date-time, such as 2024-01-31 or 2024-01-31T23:59:59Z', 'validation'],
    ['?endDate=2024-02-30', 'endDate: must be an ISO 8601 date or date-time, such as 2024-01-31 or 2024-01-31T23:59:59Z', 'validation'],
    ['?startDate=2024-02-01&endDate=2024-01-01', 'endDate: must not be before startDate', 'end_before_start'],
    ['?linkId=123', 'linkId: must be a valid UUID', 'validation'],
    ['?partnerId=p', 'partnerId: must be a valid UUID', 'validation'],
    ['?take=10001', 'take: must be at most 10000', 'validation'],
    ['?sort=up', 'sort: must be one of: asc, desc', 'validation'],
  ])('%s is a bilingual 400: %s (%s)', async (query, message, code) => {
    const res = await s.api(`/api/analytics${query}`)
    expect(res.status).toBe(400)
    expect(res.headers.get('x-hoko-error')).toBe(code)
    expect(expectBilingual(await res.json()).en).toBe(message)
  })

  test('an end before the start names its own code; the body is the bilingual message alone', async () => {
    const res = await s.api('/api/analytics?startDate=2024-02-01&endDate=2024-01-01')
    expect(res.status).toBe(400)
    expect(res.headers.get('x-hoko-error')).toBe('end_before_start')
    expect(await res.json()).toEqual({
      error: { en: 'endDate: must not be before startDate', ar: 'endDate: يجب ألا يسبق تاريخ البداية startDate' },
    })
  })

  test('clicks of a deleted link stay queryable', async () => {
    const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'gone' }] })).json()
    const [l] = await (await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com/gone', collectionId: col.id }] })).json()
    await fetch(`${s.url}/${l.shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })
    await s.api('/api/links', { method: 'DELETE', json: [l.id] })
    expect(await get(`/api/analytics?linkId=${l.id}`)).toHaveLength(1)
    await change([...deleteClicks('link_id = ?', l.id), ...recount])
    await rolledUp()
  })

  test("another workspace sees none of these clicks", async () => {
    s.cliJson(['workspace', 'create', '--name', 'Other'])
    const key = s.newKey('analyticsRead', 'other')
    expect(await (await s.api('/api/analytics', { key })).json()).toEqual([])
    expect(await (await s.api(`/api/analytics?linkId=${links[0].id}`, { key })).json()).toEqual([])
    expect((await (await s.api('/api/analytics/summary', { key })).json()).clicks).toBe(0)
  })
})

describe('GET /api/analytics/summary', () => {
  test('totals', async () => {
    expect(await get('/api/analytics/summary')).toEqual({ clicks: 4, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} })
    expect((await get('/api/analytics/summary?tenantId=tenant-a')).clicks).toBe(3)
    expect((await get(`/api/analytics/summary?linkId=${links[1].id}`)).clicks).toBe(1)
    expect((await get('/api/analytics/summary?startDate=2024-02-01')).clicks).toBe(2)
  })

  const row = (key: unknown, clicks: number) => ({ key, clicks, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} })
  test.each([
    ['day', [row('2024-01-31', 2), row('2024-02-01', 2)]],
    ['hour', [row('2024-01-31T22:00:00Z', 1), row('2024-01-31T23:00:00Z', 1), row('2024-02-01T00:00:00Z', 1), row('2024-02-01T01:00:00Z', 1)]],
    ['country', [row('US', 3), row('SA', 1)]],
    ['city', [row(null, 4)]],
    ['device', [row('desktop', 2), row('mobile', 2)]],
    ['browser', [row('Chrome', 3), row('Mobile Safari', 1)]],
    ['os', [row('Windows', 2), row('Android', 1), row('iOS', 1)]],
    ['referrer', [row(null, 2), row('news.example.org', 1), row('www.google.com', 1)]],
    ['utm_source', [row('google', 2), row(null, 1), row('newsletter', 1)]],
    ['utm_medium', [row('cpc', 3), row(null, 1)]],
    ['utm_campaign', [row('winter', 3), row(null, 1)]],
    ['qr', [row(false, 3), row(true, 1)]],
  ])('groupBy=%s', async (groupBy, expected) => {
    expect(await get(`/api/analytics/summary?groupBy=${groupBy}`)).toEqual(expected)
  })

  test('take keeps the top rows of a grouped summary', async () => {
    expect(await get('/api/analytics/summary?groupBy=os&take=2')).toEqual([row('Windows', 2), row('Android', 1)])
    expect(await get('/api/analytics/summary?groupBy=day&take=1')).toEqual([row('2024-01-31', 2)])
    for (const take of ['0', '-1', 'x', '10001']) {
      const res = await s.api(`/api/analytics/summary?groupBy=os&take=${take}`)
      expect(res.status).toBe(400)
      expect(expectBilingual(await res.json()).en).toContain('take')
    }
  })

  test('date ranges with partial days combine rollups and clicks', async () => {
    expect((await s.rows<{ n: number }>('SELECT count(*) AS n FROM click_rollups'))[0].n).toBeGreaterThan(0)
    expect((await get('/api/analytics/summary?startDate=2024-01-31&endDate=2024-02-01')).clicks).toBe(4)
    expect((await get('/api/analytics/summary?startDate=2024-01-31T23:00:00Z&endDate=2024-02-01T00:30:00Z')).clicks).toBe(2)
    expect((await get('/api/analytics/summary?startDate=2024-01-31T22:30:00Z&endDate=2024-02-01T23:59:59.999Z')).clicks).toBe(3)
    expect((await get('/api/analytics/summary?startDate=2024-02-01T00:00:00Z&groupBy=hour')).map((r: any) => r.key)).toEqual([
      '2024-02-01T00:00:00Z',
      '2024-02-01T01:00:00Z',
    ])
    expect((await get('/api/analytics/summary?endDate=2024-01-31T22:59:59Z&groupBy=country')).map((r: any) => [r.key, r.clicks])).toEqual([['US', 1]])
  })

  test('clicks after the rollup mark are counted at once', async () => {
    const before = (await get('/api/analytics/summary')).clicks
    await fetch(`${s.url}/${links[1].shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows, 'x-forwarded-for': '8.8.8.8' } })
    expect((await get('/api/analytics/summary')).clicks).toBe(before + 1)
    expect((await get('/api/analytics/summary?groupBy=country')).find((r: any) => r.key === 'US').clicks).toBe(4)
    await rolledUp()
    expect((await get('/api/analytics/summary')).clicks).toBe(before + 1)
    await change([...deleteClicks('created_at > ?', T0 + 10 * 3_600_000), ...recount])
    await rolledUp()
  })

  test('groupBy=link and groupBy=partner key by id', async () => {
    expect(await get('/api/analytics/summary?groupBy=link')).toEqual([row(links[0].id, 3), row(links[1].id, 1)])
    expect(await get('/api/analytics/summary?groupBy=partner')).toEqual([row(partnerId, 3), row(null, 1)])
  })

  test('an unknown groupBy is a 400 listing the choices', async () => {
    const res = await s.api('/api/analytics/summary?groupBy=planet')
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toBe(
      'groupBy: must be one of: day, hour, link, partner, country, city, device, browser, os, referrer, utm_source, utm_medium, utm_campaign, qr, domain',
    )
  })
})
