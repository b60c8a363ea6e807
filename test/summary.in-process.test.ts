import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { startRollups } from '../src/analytics/rollups'
import { startInProcess, type InProcess } from './in-process'
import { insertClicks, ROLLUP_PROGRESS } from './clicks-sql'

/**
 * GET /api/analytics/summary counts workspace-wide clicks from the rollups up to the rollup mark and
 * from the clicks table after it (and for partial days at the ends of a date range). Clicks written
 * straight into a temporary database on both sides of the mark must give the exact totals that
 * counting them one by one gives.
 */
let s: InProcess
beforeAll(async () => {
  s = await startInProcess()
})
afterAll(() => s.close())

const DAY = 86_400_000
const BASE = Date.UTC(2026, 0, 10)

type Click = { link: 0 | 1; at: number; country: string | null; tenant: string | null; source: string | null; qr: boolean; bot: boolean }

function insert(workspaceId: string, links: string[], clicks: Click[]) {
  insertClicks(
    s.db.$client,
    clicks.map((c) => ({
      workspaceId, linkId: links[c.link], shortId: `short${c.link}`, createdAt: c.at, destination: 'https://example.com', countryCode: c.country,
      tenantId: c.tenant, utm: c.source === null ? null : JSON.stringify({ source: c.source }), qr: c.qr ? 1 : 0, bot: c.bot ? 1 : 0,
    })),
  )
}

const state = () =>
  s.db.$client.query(ROLLUP_PROGRESS).get() as { mark: number | null; last: number | null }

/** Runs the rollup thread until it has counted every click written so far, then stops it. */
async function rollUp() {
  const thread = startRollups(s.db, 10)
  try {
    for (let i = 0; i < 500; i++) {
      const { mark, last } = state()
      if (mark === last) return
      await Bun.sleep(10)
    }
    throw new Error('the rollups did not catch up')
  } finally {
    await thread.stop()
  }
}

type Query = { groupBy?: 'day' | 'hour' | 'country' | 'utm_source' | 'qr' | 'link'; startDate?: string; endDate?: string; tenantId?: string; linkId?: 0 | 1 }

/** What the summary must say, counted click by click. */
function expected(clicks: Click[], links: string[], q: Query) {
  const bound = (v: string | undefined, edge: 'start' | 'end') =>
    v === undefined ? undefined : Date.parse(v) + (edge === 'end' && v.length === 10 ? DAY - 1 : 0)
  const [from, to] = [bound(q.startDate, 'start'), bound(q.endDate, 'end')]
  const counted = clicks.filter(
    (c) =>
      !c.bot &&
      (q.tenantId === undefined || c.tenant === q.tenantId) &&
      (q.linkId === undefined || c.link === q.linkId) &&
      (from === undefined || c.at >= from) &&
      (to === undefined || c.at <= to),
  )
  if (!q.groupBy) return { clicks: counted.length, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} }
  const iso = (t: number) => new Date(t).toISOString()
  const key: Record<NonNullable<Query['groupBy']>, (c: Click) => string | boolean | null> = {
    day: (c) => iso(c.at).slice(0, 10),
    hour: (c) => `${iso(c.at).slice(0, 13)}:00:00Z`,
    country: (c) => c.country,
    utm_source: (c) => c.source,
    qr: (c) => c.qr,
    link: (c) => links[c.link],
  }
  const groups = new Map<string, { key: string | boolean | null; clicks: number; leads: 0; sales: 0; saleAmount: 0; saleAmountByCurrency: Record<string, number> }>()
  for (const c of counted) {
    const k = key[q.groupBy](c)
    const row = groups.get(JSON.stringify(k)) ?? { key: k, clicks: 0, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} }
    row.clicks++
    groups.set(JSON.stringify(k), row)
  }
  return [...groups.values()]
}

async function summary(links: string[], key: string, q: Query) {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, k === 'linkId' ? links[v as number] : String(v))
  const res = await s.api(`/api/analytics/summary?${params}`, { key })
  expect(res.status).toBe(200)
  return res.json()
}

/** Groups in any order as a set; the order itself is checked against the documented rule. */
function expectSame(actual: any, want: ReturnType<typeof expected>, q: Query) {
  if (!Array.isArray(want)) return expect(actual).toEqual(want)
  const byKey = (rows: any[]) => [...rows].sort((a, b) => (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : 1))
  expect(byKey(actual)).toEqual(byKey(want))
  for (let i = 1; i < actual.length; i++)
    if (q.groupBy === 'day' || q.groupBy === 'hour') expect(actual[i - 1].key < actual[i].key).toBe(true)
    else expect(actual[i - 1].clicks).toBeGreaterThanOrEqual(actual[i].clicks)
}

const click = (day: number, hour: number, more: Partial<Click> = {}): Click => ({
  link: 0,
  at: BASE + day * DAY + hour * 3_600_000,
  country: 'SA',
  tenant: null,
  source: null,
  qr: false,
  bot: false,
  ...more,
})

describe('the rollup mark', () => {
  test('clicks before and after the mark add up exactly, in total and per group', async () => {
    const ws = await s.workspace('split')
    const links = [crypto.randomUUID(), crypto.randomUUID()]
    const before = [click(0, 1), click(0, 23, { country: 'US' }), click(1, 5), click(1, 6, { bot: true })]
    insert(ws.id, links, before)
    await rollUp()
    const rolled = s.db.$client.query("SELECT sum(clicks) AS n FROM click_rollups WHERE workspace_id = ? AND dim = 'total'").get(ws.id) as { n: number }
    expect(rolled.n).toBe(3)
    const after = [click(1, 7), click(2, 0, { country: 'US' }), click(2, 1, { bot: true })]
    insert(ws.id, links, after)
    expect(state().last).toBeGreaterThan(state().mark!)
    const all = [...before, ...after]
    expect(await summary(links, ws.key, {})).toEqual({ clicks: 5, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} })
    for (const groupBy of ['day', 'hour', 'country'] as const) expectSame(await summary(links, ws.key, { groupBy }), expected(all, links, { groupBy }), { groupBy })
    expect(await summary(links, ws.key, { groupBy: 'day' })).toEqual([
      { key: '2026-01-10', clicks: 2, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} },
      { key: '2026-01-11', clicks: 2, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} },
      { key: '2026-01-12', clicks: 1, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} },
    ])
    // Rolling up again moves the tail into the rollups and changes no answer.
    await rollUp()
    expect(await summary(links, ws.key, {})).toEqual({ clicks: 5, leads: 0, sales: 0, saleAmount: 0, saleAmountByCurrency: {} })
  })

  test('a date range that cuts rolled-up days reads their parts from the clicks', async () => {
    const ws = await s.workspace('partial')
    const links = [crypto.randomUUID(), crypto.randomUUID()]
    const clicks = [click(0, 10), click(0, 14), click(1, 3), click(1, 20), click(2, 9)]
    insert(ws.id, links, clicks)
    await rollUp()
    for (const q of [
      { startDate: '2026-01-10T12:00:00Z' },
      { endDate: '2026-01-11T12:00:00Z' },
      { startDate: '2026-01-10T12:00:00Z', endDate: '2026-01-10T15:00:00Z' },
      { startDate: '2026-01-11', endDate: '2026-01-11', groupBy: 'hour' as const },
      { startDate: '2026-01-10T14:00:00Z', endDate: '2026-01-12T09:00:00Z', groupBy: 'day' as const },
    ])
      expectSame(await summary(links, ws.key, q), expected(clicks, links, q), q)
  })
})

describe('any clicks, any split, any query', () => {
  const clickArb: fc.Arbitrary<Click> = fc.record({
    link: fc.constantFrom(0 as const, 1 as const),
    at: fc.integer({ min: BASE, max: BASE + 4 * DAY - 1 }),
    country: fc.constantFrom('SA', 'US', 'EG', null),
    tenant: fc.constantFrom('t1', 't2', null),
    source: fc.constantFrom('google', 'news', null),
    qr: fc.boolean(),
    bot: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  })
  const when = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 23 }), fc.boolean()).map(([d, h, plain]) => {
    const t = new Date(BASE + (d - 1) * DAY + h * 3_600_000).toISOString()
    return plain ? t.slice(0, 10) : `${t.slice(0, 19)}Z`
  })
  const queryArb: fc.Arbitrary<Query> = fc
    .record(
      {
        groupBy: fc.constantFrom('day', 'hour', 'country', 'utm_source', 'qr', 'link'),
        startDate: when,
        endDate: when,
        tenantId: fc.constantFrom('t1', 't2'),
        linkId: fc.constantFrom(0 as const, 1 as const),
      },
      { requiredKeys: [] },
    )
    .filter((q) => q.startDate === undefined || q.endDate === undefined || Date.parse(q.startDate) <= Date.parse(q.endDate))

  let run = 0
  test('the summary equals counting the clicks one by one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(clickArb, { maxLength: 40 }), fc.array(clickArb, { maxLength: 15 }), fc.array(queryArb, { minLength: 1, maxLength: 8 }), async (before, after, queries) => {
        const ws = await s.workspace(`run-${++run}`)
        const links = [crypto.randomUUID(), crypto.randomUUID()]
        insert(ws.id, links, before)
        await rollUp()
        insert(ws.id, links, after)
        for (const q of [{}, ...queries]) expectSame(await summary(links, ws.key, q), expected([...before, ...after], links, q), q)
      }),
      { numRuns: 25 },
    )
  }, 60_000)
})
