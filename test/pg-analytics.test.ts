import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportClicks } from '../src/analytics/export'
import { GROUP_BY } from '../src/analytics/groups'
import type { AnalyticsQuery, ExportQuery, SummaryQuery } from '../src/analytics/model'
import { rollupSql } from '../src/analytics/rollups'
import { listClicks, summarize, totalClicks } from '../src/analytics/service'
import type { Data } from '../src/db/data'
import { openStorage, type Storage } from '../src/db/open'
import { mixedType } from '../src/db/pg/schema'
import { layout } from '../src/transfer/format'
import { insertClicks } from './clicks-sql'
import { removeDir } from './harness'
import { postgresAvailable, startPostgres, type PgCluster } from './postgres'

/**
 * The analytics queries (src/analytics/service.ts, export.ts) on PostgreSQL give the answers they give
 * on SQLite: the same rows in both engines, then every groupBy under every filter, the click list and
 * the export compared. Part of the clicks is counted in the rollups (up to a mark in the middle), the
 * rest read from the clicks table, as on a running server.
 */
const BASE_HOST = 'hoko.test'
const DAY = 86_400_000
const T0 = Date.UTC(2026, 2, 3, 5, 17)

let pg: PgCluster
let dir: string
let lite: Storage
let pgs: Storage

/** Deterministic variety: the n-th value of a list. */
const pick = <T,>(list: T[], n: number, salt: number) => list[(n * 7919 + salt * 104_729) % list.length]

function seed(d: Data) {
  const sqlite = d.sqlite!
  sqlite.exec('PRAGMA foreign_keys = OFF')
  const run = (text: string, ...params: (string | number | null)[]) => sqlite.query(text).run(...params)
  for (const w of ['w1', 'w2']) run('INSERT INTO workspaces (id, slug, name, created_at) VALUES (?, ?, ?, 0)', w, w, w)
  run("INSERT INTO partners (id, workspace_id, name, created_at, updated_at) VALUES ('p1', 'w1', 'P', 0, 0)")
  for (const [c, w] of [['c1', 'w1'], ['c2', 'w1'], ['c9', 'w2']]) run('INSERT INTO collections (id, workspace_id, name, created_at, updated_at) VALUES (?, ?, ?, 0, 0)', c, w, c)
  for (const t of ['t1', 't2']) run("INSERT INTO tags (id, workspace_id, name, color, created_at, updated_at) VALUES (?, 'w1', ?, 'blue', 0, 0)", t, t)
  const links = [
    { id: 'l1', w: 'w1', c: 'c1', partner: 'p1', tags: ['t1'] },
    { id: 'l2', w: 'w1', c: 'c2', partner: null, tags: ['t1', 't2'] },
    { id: 'l3', w: 'w1', c: 'c2', partner: null, tags: [] },
    { id: 'l4', w: 'w2', c: 'c9', partner: null, tags: [] },
  ]
  for (const l of links) {
    run('INSERT INTO links (id, workspace_id, short_id, url, collection_id, partner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, 0)', l.id, l.w, `s-${l.id}`, 'https://example.com/', l.c, l.partner)
    for (const t of l.tags) run('INSERT INTO link_tags (link_id, tag_id) VALUES (?, ?)', l.id, t)
  }
  const utms = [null, '{"source":"google","medium":"cpc","campaign":"spring"}', '{"source":"news"}', '{"medium":"email","campaign":"عيد"}']
  const clicks = Array.from({ length: 400 }, (_, n) => {
    const l = pick(links, n, 1)
    return {
      workspaceId: l.w, linkId: l.id, shortId: `s-${l.id}`, partnerId: l.partner,
      // Four days and a bit, at uneven hours.
      createdAt: T0 + Math.floor((n * 4.2 * DAY) / 400) + (n % 13) * 60_000,
      destination: `https://example.com/p?n=${n % 5}`,
      countryCode: pick(['US', 'SA', 'EG', null], n, 2), country: null, city: pick(['Riyadh', 'القاهرة', null], n, 3),
      deviceType: pick(['desktop', 'mobile', 'tablet', null], n, 4), browserName: pick(['Chrome', 'Safari', null], n, 5),
      osName: pick(['Windows', 'iOS', 'Android'], n, 6), referrerHost: pick([null, 'www.google.com', 'news.example.org'], n, 7),
      referrer: null, utm: pick(utms, n, 8), qr: n % 3 === 0 ? 1 : 0, bot: n % 10 === 9 ? 1 : 0,
      tenantId: pick(['t-a', 't-b', null], n, 9), domain: pick(['', 'go.example.com'], n, 10),
      visitorId: pick([null, 'visitor-1', Bun.randomUUIDv7('base64url')], n, 11), ip: pick([null, '10.1.2.0', '2001:db8::'], n, 12),
    }
  })
  insertClicks(sqlite, clicks)
  const humans = sqlite.query('SELECT rid, id, workspace_id AS w, link_id AS link, partner_id AS partner, created_at AS at FROM clicks WHERE bot = 0 ORDER BY rid').all() as any[]
  run("INSERT INTO customers (id, workspace_id, external_id, created_at, updated_at) VALUES ('cu1', 'w1', 'x1', 0, 0), ('cu2', 'w2', 'x2', 0, 0)")
  humans.forEach((c, i) => {
    const customer = c.w === 'w1' ? 'cu1' : 'cu2'
    if (i % 5 === 0)
      run('INSERT INTO leads (id, workspace_id, customer_id, click_id, link_id, partner_id, event_name, created_at, click_rid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        `lead-${i}`, c.w, customer, c.id, c.link, c.partner, 'Sign up', c.at + 1000, c.rid)
    if (i % 7 === 0)
      run('INSERT INTO sales (id, workspace_id, customer_id, click_id, link_id, partner_id, event_name, amount, currency, created_at, click_rid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        `sale-${i}`, c.w, customer, c.id, c.link, c.partner, 'Purchase', 1000 + i * 37, i % 2 ? 'usd' : 'eur', c.at + 2000, c.rid)
  })
  // The rollups count the first half (as the rollup thread would have), the rest only the clicks table.
  const mark = humans[Math.floor(humans.length / 2)].rid
  for (const statement of rollupSql(`rid <= ${mark}`)) run(statement)
  run('INSERT INTO rollup_state (id, click_rowid) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET click_rowid = excluded.click_rowid', mark)
}

/** Every row of every table from SQLite into PostgreSQL, a two-typed value into its column (see MIXED); references unchecked while copying. */
async function copy(from: Data, to: Data) {
  const sqlite = from.sqlite!
  await to.tx(async (tx) => {
    await tx.run('SET LOCAL session_replication_role = replica')
    for (const table of layout().tables) {
      await tx.run(`DELETE FROM ${table}`)
      const rows = sqlite.query(`SELECT * FROM ${table}`).all() as Record<string, unknown>[]
      for (let i = 0; i < rows.length; i += 200) {
        const chunk = rows.slice(i, i + 200).map((row) => {
          const out: Record<string, unknown> = {}
          for (const [k, v] of Object.entries(row))
            if (mixedType(`${table}.${k}`)) [out[k], out[`${k}_text`]] = typeof v === 'string' ? [null, v] : [v, null]
            else out[k] = v
          return out
        })
        const names = Object.keys(chunk[0])
        await tx.run(
          `INSERT INTO ${table} (${names.join(', ')}) VALUES ${chunk.map(() => `(${names.map(() => '?').join(', ')})`).join(', ')}`,
          chunk.flatMap((r) => names.map((n) => r[n])),
        )
      }
    }
  })
}

describe.skipIf(!postgresAvailable())('analytics on PostgreSQL answer as on SQLite', () => {
  beforeAll(async () => {
    pg = await startPostgres()
    dir = mkdtempSync(join(tmpdir(), 'hoko-pg-analytics-'))
    lite = await openStorage({ dbPath: join(dir, 'hoko.db'), databaseUrl: undefined })
    pgs = await openStorage({ dbPath: '', databaseUrl: await pg.createDatabase('hoko') }, { poolSize: 4 })
    seed(lite.data)
    await copy(lite.data, pgs.data)
  }, 60_000)
  afterAll(async () => {
    await pgs?.close()
    await lite?.close()
    if (dir) removeDir(dir)
    await pg?.stop()
  })

  const both = async <T,>(fn: (d: Data) => Promise<T>) => {
    const [a, b] = [await fn(lite.data), await fn(pgs.data)]
    return { sqlite: a, pg: b }
  }
  const day = (n: number) => new Date(T0 + n * DAY).toISOString().slice(0, 10)
  const ms = (iso: string) => Date.parse(iso)
  const FILTERS: [string, Partial<SummaryQuery>][] = [
    ['none', {}],
    ['linkId', { linkId: 'l2' }],
    ['partnerId', { partnerId: 'p1' }],
    ['linkId or partnerId', { linkId: 'l3', partnerId: 'p1' }],
    ['collectionId', { collectionId: ['c2'] }],
    ['tagId', { tagId: ['t1', 't2'] }],
    ['country', { country: ['US', 'SA'] }],
    ['device', { device: ['mobile'] }],
    ['country and device', { country: ['EG'], device: ['desktop', 'tablet'] }],
    ['tenantId', { tenantId: 't-a' }],
    ['domain', { domain: 'go.example.com' }],
    ['the base host', { domain: BASE_HOST }],
    ['whole days', { startDate: ms(day(1)), endDate: ms(day(2)) + DAY - 1 }],
    ['partial days', { startDate: T0 + 13 * 3_600_000, endDate: T0 + 2 * DAY + 5 * 3_600_000 }],
    ['from a time', { startDate: T0 + DAY + 7 * 3_600_000 }],
    ['country over partial days', { country: ['SA'], startDate: T0 + 3_600_000, endDate: T0 + 3 * DAY }],
    ['tenant over whole days', { tenantId: 't-b', startDate: ms(day(0)), endDate: ms(day(3)) + DAY - 1 }],
  ]

  test('the same rows in both engines, through the clicks view', async () => {
    const { sqlite, pg } = await both((d) => d.all('SELECT id, link_id, created_at, utm, country_code, qr, bot FROM clicks ORDER BY rid'))
    expect(sqlite.length).toBe(400)
    expect(pg).toEqual(sqlite)
  })

  test.each(FILTERS)('summary with filter %s, in total and by every groupBy', async (_, filter) => {
    for (const groupBy of [undefined, ...GROUP_BY]) {
      const q = { ...filter, groupBy } as SummaryQuery
      const { sqlite, pg } = await both((d) => summarize(d, 'w1', q, BASE_HOST))
      expect({ groupBy, answer: pg }).toEqual({ groupBy, answer: sqlite })
      expect(Array.isArray(sqlite) ? sqlite.length : sqlite.clicks).toBeGreaterThan(0)
    }
    const { sqlite, pg } = await both((d) => totalClicks(d, 'w1', filter as SummaryQuery, BASE_HOST))
    expect(pg).toBe(sqlite)
  })

  test('totals count leads, sales and amounts per currency', async () => {
    const { sqlite, pg } = await both((d) => summarize(d, 'w1', {} as SummaryQuery, BASE_HOST))
    const totals = sqlite as { leads: number; sales: number; saleAmountByCurrency: object }
    expect({ leads: totals.leads > 0, sales: totals.sales > 0 }).toEqual({ leads: true, sales: true })
    expect(Object.keys(totals.saleAmountByCurrency).sort()).toEqual(['eur', 'usd'])
    expect(pg).toEqual(sqlite)
  })

  test('take keeps the same top rows', async () => {
    for (const groupBy of ['city', 'day', 'utm_campaign'] as const) {
      const { sqlite, pg } = await both((d) => summarize(d, 'w1', { groupBy, take: 2 } as SummaryQuery, BASE_HOST))
      expect(pg).toEqual(sqlite)
    }
  })

  test('another workspace: its own clicks only', async () => {
    const { sqlite, pg } = await both((d) => summarize(d, 'w2', { groupBy: 'link' } as SummaryQuery, BASE_HOST))
    expect(sqlite).toEqual([expect.objectContaining({ key: 'l4' })])
    expect(pg).toEqual(sqlite)
  })

  test('the click list, both orders, paged, under each filter', async () => {
    for (const [name, filter] of FILTERS)
      for (const [sort, skip] of [['desc', 0], ['asc', 0], ['desc', 37]] as const) {
        const q = { ...filter, sort, take: 50, skip } as AnalyticsQuery
        const { sqlite, pg } = await both((d) => listClicks(d, 'w1', q, BASE_HOST))
        expect({ name, sort, skip, answer: pg }).toEqual({ name, sort, skip, answer: sqlite })
      }
  })

  test('the export, CSV and NDJSON, the same text', async () => {
    const text = async (d: Data, q: ExportQuery) => {
      let out = ''
      for await (const chunk of exportClicks(d, 'w1', q, BASE_HOST) as unknown as AsyncIterable<string>) out += chunk
      return out
    }
    for (const [name, filter] of FILTERS.slice(0, 8))
      for (const format of ['csv', 'ndjson'] as const) {
        const { sqlite, pg } = await both((d) => text(d, { ...filter, format } as ExportQuery))
        expect(sqlite.split('\n').length).toBeGreaterThan(2)
        expect({ name, format, answer: pg }).toEqual({ name, format, answer: sqlite })
      }
  })
})
