import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { statSync } from 'node:fs'
import type { ClickRow } from '../src/clicks/row'
import { ClickWriter } from '../src/clicks/writer'
import { loadConfig } from '../src/config'
import { cli, ENGINE, removeDir, startServer, type TestServer, UA } from './harness'

// HOKO_CLICK_RETENTION_DAYS: old raw clicks go, conversions keep theirs, rollup-backed summaries stay
// exact, and the disk space comes back.

// Servers start and stop several times; each wait below is bounded by `until`.
setDefaultTimeout(60_000)

const DAY = 86_400_000
const OLD = 4000
const BOTS_EVERY = 40

/** Writes clicks straight through the project's click writer on the server's database file. */
function seed(dbPath: string, rows: ClickRow[]) {
  const db = new Database(dbPath, { strict: true })
  db.exec('PRAGMA busy_timeout = 5000')
  try {
    new ClickWriter(db).insertAll(rows)
  } finally {
    db.close()
  }
}

function clicksAt(workspaceId: string, link: { id: string; shortId: string }, times: number[], bot = (_: number) => false): ClickRow[] {
  return times.map((createdAt, i) => ({
    id: Bun.randomUUIDv7('hex', createdAt),
    workspaceId,
    linkId: link.id,
    shortId: link.shortId,
    domain: '',
    partnerId: null,
    externalId: null,
    tenantId: null,
    createdAt,
    destination: `https://example.com/landing?utm_source=newsletter&hoko_id=${i}`,
    referrer: 'https://news.example.org/articles/2026/a-rather-long-referrer-path-that-real-clicks-carry?ref=feed',
    referrerHost: 'news.example.org',
    utm: '{"source":"newsletter","medium":"email"}',
    visitorId: crypto.randomUUID(),
    visitorSessionId: crypto.randomUUID(),
    browserName: 'Chrome',
    browserVersion: '120.0.0.0',
    osName: 'Windows',
    osVersion: '10',
    deviceType: i % 3 === 0 ? 'mobile' : 'desktop',
    language: 'en-US',
    country: i % 2 === 0 ? 'Saudi Arabia' : 'United States',
    countryCode: i % 2 === 0 ? 'SA' : 'US',
    city: null,
    qr: 0,
    bot: bot(i) ? 1 : 0,
    ip: '203.0.113.0',
  }))
}

function query<T>(s: TestServer, sql: string, ...params: (string | number)[]): T {
  const db = s.sql()
  try {
    return db.query(sql).get(...params) as T
  } finally {
    db.close()
  }
}
const pragma = (s: TestServer, name: string) => query<Record<string, number>>(s, `PRAGMA ${name}`)[name]
const count = (s: TestServer, where = '1', ...params: (string | number)[]) =>
  query<{ n: number }>(s, `SELECT count(*) AS n FROM clicks WHERE ${where}`, ...params).n

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(100)
  }
}
const rolledUp = (s: TestServer) => () =>
  query<{ n: number }>(s, 'SELECT (SELECT max(rid) FROM click_rows) - coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0) AS n').n === 0

async function metric(s: TestServer, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${s.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

async function json(s: TestServer, key: string, path: string, init: RequestInit & { json?: unknown } = {}) {
  const res = await s.api(path, { ...init, key })
  const body = await res.json()
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`)
  return { body, headers: res.headers }
}

async function newLink(s: TestServer, url: string) {
  const [collection] = (await json(s, s.key, '/api/collections', { method: 'POST', json: [{ name: 'Retention' }] })).body
  return (await json(s, s.key, '/api/links', { method: 'POST', json: [{ url, collectionId: collection.id }] })).body[0]
}

/** The ids of every click the export streams (bots excluded). */
async function exported(s: TestServer, key: string): Promise<string[]> {
  const res = await s.api('/api/analytics/export?format=ndjson', { key })
  expect(res.status).toBe(200)
  return (await res.text()).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).id)
}

test('HOKO_CLICK_RETENTION_DAYS: unset or empty keeps clicks forever; 1 to 36500 days', () => {
  expect(loadConfig({}).clickRetentionDays).toBeNull()
  expect(loadConfig({ HOKO_CLICK_RETENTION_DAYS: ' ' }).clickRetentionDays).toBeNull()
  expect(loadConfig({ HOKO_CLICK_RETENTION_DAYS: '90' }).clickRetentionDays).toBe(90)
  expect(loadConfig({ HOKO_CLICK_RETENTION_DAYS: '36500' }).clickRetentionDays).toBe(36500)
  expect(() => loadConfig({ HOKO_CLICK_RETENTION_DAYS: '0' })).toThrow('HOKO_CLICK_RETENTION_DAYS must be at least 1')
  expect(() => loadConfig({ HOKO_CLICK_RETENTION_DAYS: '36501' })).toThrow('HOKO_CLICK_RETENTION_DAYS must be at most 36500')
  expect(() => loadConfig({ HOKO_CLICK_RETENTION_DAYS: '30d' })).toThrow('HOKO_CLICK_RETENTION_DAYS must be a whole number')
})

// On PostgreSQL retention drops whole months instead (test/pg-clicks.test.ts); these are about the SQLite
// file: its thread, incremental vacuum, the pages given back.
describe.skipIf(ENGINE === 'pg')('with retention of 30 days on a database Hoko created', () => {
  let before: TestServer
  let s: TestServer
  let key: string
  let link: { id: string; shortId: string }
  let oldIds: string[]
  let leadClick: string
  let saleClick: string
  let recentIds: string[]
  const snapshot: Record<string, any> = {}

  /** The answers that retention must leave alone, and the ones it changes. */
  async function answers(server: TestServer) {
    const summary = (q: string) => json(server, key, `/api/analytics/summary${q}`).then((r) => r.body)
    const list = await json(server, key, '/api/analytics?take=10')
    const start = new Date(Date.now() - 120 * DAY).toISOString().slice(0, 10)
    return {
      total: await summary(''),
      byCountry: await summary('?groupBy=country'),
      byDay: await summary('?groupBy=day'),
      saudi: await summary('?groupBy=country&country=SA'),
      wholeDays: await summary(`?startDate=${start}&endDate=${new Date().toISOString().slice(0, 10)}`),
      totalCount: Number(list.headers.get('x-total-count')),
      ofLink: await summary(`?linkId=${link.id}`),
      ids: await exported(server, key),
    }
  }

  beforeAll(async () => {
    before = await startServer()
    key = before.key
    link = await newLink(before, 'https://example.com/landing')
    const { id: workspaceId } = query<{ id: string }>(before, "SELECT id FROM workspaces WHERE slug = 'default'")
    // Written oldest first, as a server writes them: 60 to 90 days old, then 10 days old.
    const now = Date.now()
    const old = clicksAt(workspaceId, link, Array.from({ length: OLD }, (_, i) => now - 90 * DAY + i * Math.floor((30 * DAY) / OLD)), (i) => i % BOTS_EVERY === 7)
    seed(before.dbPath, old)
    const middle = clicksAt(workspaceId, link, Array.from({ length: 50 }, (_, i) => now - 10 * DAY + i * 1000))
    seed(before.dbPath, middle)
    oldIds = old.filter((c) => c.bot === 0).map((c) => c.id)
    ;[leadClick, saleClick] = [oldIds[10], oldIds[2000]]
    await json(before, key, '/api/track/lead', { method: 'POST', json: { clickId: leadClick, eventName: 'Sign up', customerExternalId: 'c1', customerName: 'One' } })
    await json(before, key, '/api/track/sale', { method: 'POST', json: { clickId: saleClick, amount: 4200, currency: 'usd', customerExternalId: 'c2', customerName: 'Two' } })
    for (let i = 0; i < 3; i++)
      await fetch(`${before.url}/${link.shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.iphone } })
    recentIds = [...middle.map((c) => c.id)]
    await until('the rollups to count every click', rolledUp(before))
  })
  afterAll(async () => {
    await before?.stop()
    await s?.stop()
    if (before) removeDir(before.dir)
  })

  test('retention off (the default) deletes nothing', async () => {
    const n = count(before)
    expect(n).toBe(OLD + 50 + 3)
    // Several rollup turns: a retention thread, had one started, would have begun deleting.
    await Bun.sleep(2500)
    expect(count(before)).toBe(n)
    expect(await metric(before, 'hoko_clicks_deleted_total')).toBe(0)
    Object.assign(snapshot, await answers(before), { pages: pragma(before, 'page_count') })
    expect(pragma(before, 'auto_vacuum')).toBe(2)
    await before.stop()
    snapshot.fileBytes = statSync(before.dbPath).size
  })

  test('old clicks are deleted, except those a lead or a sale points to', async () => {
    s = await startServer({ dir: before.dir, env: { HOKO_CLICK_RETENTION_DAYS: '30' } })
    const cutoff = Date.now() - 30 * DAY
    await until('old clicks to go', () => count(s, 'created_at < ?', cutoff) === 2)
    const kept = (id: string) => count(s, 'id = ?', id) === 1
    expect(kept(leadClick) && kept(saleClick)).toBe(true)
    expect(count(s)).toBe(2 + 50 + 3)
    // Every deleted click, bots included, is counted once.
    await until('the counter', async () => (await metric(s, 'hoko_clicks_deleted_total')) === OLD - 2)
  })

  test('raw-click answers lose the deleted clicks; recent ones and those of conversions stay', async () => {
    const after = await answers(s)
    const gone = oldIds.filter((id) => id !== leadClick && id !== saleClick)
    expect(snapshot.ids).toEqual(expect.arrayContaining(gone))
    expect(after.ids.filter((id) => gone.includes(id))).toEqual([])
    expect(after.ids).toEqual(expect.arrayContaining([leadClick, saleClick, ...recentIds]))
    expect(after.ids).toHaveLength(snapshot.ids.length - gone.length)
    // A link filter reads the clicks table: its count drops with them; its conversions stay.
    expect(after.ofLink).toEqual({ ...snapshot.ofLink, clicks: snapshot.ofLink.clicks - gone.length })
    expect(after.ofLink.leads).toBe(1)
    expect(after.ofLink.sales).toBe(1)
  })

  test('summaries read from the rollups are the same as before', async () => {
    const after = await answers(s)
    expect(after.total).toEqual(snapshot.total)
    expect(after.total.clicks).toBe(oldIds.length + 50 + 3)
    expect(after.total).toMatchObject({ leads: 1, sales: 1, saleAmount: 4200 })
    expect(after.byCountry).toEqual(snapshot.byCountry)
    expect(after.byDay).toEqual(snapshot.byDay)
    expect(after.saudi).toEqual(snapshot.saudi)
    expect(after.wholeDays).toEqual(snapshot.wholeDays)
    // GET /api/analytics counts as the summary does: the clicks that were, not the ones it still lists.
    expect(after.totalCount).toBe(snapshot.totalCount)
  })

  test('the freed pages go back to the file system', async () => {
    await until('the free pages to be given back', () => pragma(s, 'freelist_count') === 0)
    expect(pragma(s, 'page_count')).toBeLessThan(snapshot.pages * 0.5)
    // The file itself shrinks once the WAL checkpoint has copied the truncation.
    await until('the file to shrink', () => statSync(s.dbPath).size < snapshot.fileBytes * 0.5)
  })

  test('/metrics exposes the counter as a counter', async () => {
    const text = await (await fetch(`${s.url}/metrics`)).text()
    expect(text).toContain('# TYPE hoko_clicks_deleted_total counter')
  })
})

describe.skipIf(ENGINE === 'pg')('a database created before incremental vacuum', () => {
  let first: TestServer
  let s: TestServer
  let dir: string
  let dbPath: string
  const cutoff = () => Date.now() - 30 * DAY

  beforeAll(async () => {
    first = await startServer()
    ;({ dir, dbPath } = first)
    const link = await newLink(first, 'https://example.com/x')
    const { id: workspaceId } = query<{ id: string }>(first, "SELECT id FROM workspaces WHERE slug = 'default'")
    const now = Date.now()
    seed(dbPath, clicksAt(workspaceId, link, Array.from({ length: OLD }, (_, i) => now - 60 * DAY + i)))
    seed(dbPath, clicksAt(workspaceId, link, [now - DAY]))
    await until('the rollups to count every click', rolledUp(first))
    await first.stop()
    // The file as older versions made it: no auto-vacuum.
    const db = new Database(dbPath)
    db.exec('PRAGMA auto_vacuum = NONE')
    db.exec('VACUUM')
    db.close()
  })
  afterAll(async () => {
    await first?.stop()
    await s?.stop()
    if (dir) removeDir(dir)
  })

  test('retention deletes, the file keeps its pages, and the server says how to get them back', async () => {
    s = await startServer({ dir, env: { HOKO_CLICK_RETENTION_DAYS: '30' }, stderr: 'pipe' })
    expect(pragma(s, 'auto_vacuum')).toBe(0)
    const pages = pragma(s, 'page_count')
    await until('old clicks to go', () => count(s, 'created_at < ?', cutoff()) === 0)
    expect(count(s)).toBe(1)
    expect(pragma(s, 'page_count')).toBe(pages)
    expect(pragma(s, 'freelist_count')).toBeGreaterThan(pages * 0.5)
    await s.stop()
    const stderr = await new Response(s.proc.stderr as ReadableStream).text()
    expect(stderr).toContain('run `hoko vacuum` once')
  })

  test('`hoko vacuum` compacts it and turns on incremental vacuum for good', async () => {
    const r = cli(dbPath, ['vacuum', '--json'])
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.autoVacuum).toBe('incremental')
    expect(report.freeBytesBefore).toBeGreaterThan(report.bytesBefore * 0.5)
    expect(report.bytesAfter).toBeLessThan(report.bytesBefore * 0.5)
    const db = new Database(dbPath, { readonly: true })
    expect(db.query('PRAGMA auto_vacuum').get()).toEqual({ auto_vacuum: 2 })
    expect(db.query('PRAGMA freelist_count').get()).toEqual({ freelist_count: 0 })
    expect(db.query('SELECT count(*) AS n FROM clicks').get()).toEqual({ n: 1 })
    db.close()
    expect(cli(dbPath, ['vacuum', 'now']).stderr).toContain('vacuum takes no arguments')

    s = await startServer({ dir, env: { HOKO_CLICK_RETENTION_DAYS: '30' }, stderr: 'pipe' })
    await s.stop()
    expect(await new Response(s.proc.stderr as ReadableStream).text()).not.toContain('hoko vacuum')
  })
})
