import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { SQL } from 'bun'
import { rollUpPg } from '../src/analytics/rollups'
import { clickPartitions, monthOf, monthStart, partitionName } from '../src/clicks/partitions'
import { retentionPassPg } from '../src/clicks/retention'
import type { ClickRow } from '../src/clicks/row'
import { ridAt, ridTime } from '../src/clicks/store'
import { PgClickWriter } from '../src/clicks/pg-writer'
import { type Data, pgData } from '../src/db/data'
import { runPgMigrations } from '../src/db/pg'
import { blankClick } from './clicks-sql'
import { removeDir, startServer, type TestServer, UA } from './harness'
import { postgresAvailable, startPostgres, type PgCluster } from './postgres'
import { haveRedis, startRedis, type TestRedis } from './redis'

/**
 * Clicks on PostgreSQL (issue 18): the group-committed writer, month partitions made ahead and
 * dropped by retention, rollups that stay exact with several writers, and two `hoko serve` on one
 * database, one of them killed under redirect load. A private cluster of its own.
 */
setDefaultTimeout(120_000)

let pg: PgCluster
const clients: SQL[] = []
/** A new database, migrated, and a Data on it (a pool of `max` connections). */
async function database(name: string, max = 8): Promise<{ url: string; d: Data }> {
  const url = await pg.createDatabase(name)
  const client = new SQL(url, { max, bigint: true })
  clients.push(client)
  await runPgMigrations(client)
  return { url, d: pgData(client) }
}

/** The cluster takes 50 connections: the earlier parts' pools go before a server starts. */
async function closePools() {
  for (const c of clients.splice(0)) await c.close()
}

const FIELDS =
  'id, workspace_id AS "workspaceId", link_id AS "linkId", short_id AS "shortId", domain, partner_id AS "partnerId", external_id AS "externalId", tenant_id AS "tenantId", created_at AS "createdAt", destination, referrer, referrer_host AS "referrerHost", utm, visitor_id AS "visitorId", visitor_session_id AS "visitorSessionId", browser_name AS "browserName", browser_version AS "browserVersion", os_name AS "osName", os_version AS "osVersion", device_type AS "deviceType", language, country, country_code AS "countryCode", city, qr, bot, ip'
const read = async (d: Data, id: string) => (await d.get<ClickRow>(`SELECT ${FIELDS} FROM clicks WHERE id = ?`, [id]))!
const count = async (d: Data, where = 'true', params: unknown[] = []) => (await d.get<{ n: number }>(`SELECT count(*) AS n FROM clicks WHERE ${where}`, params))!.n

/** A click made as the redirect makes it: an id from the writer, the id in its destination. */
function redirectClick(w: PgClickWriter, at: number, over: Partial<ClickRow> = {}) {
  const { id, rid, nonce } = w.newId(at)
  return { ...blankClick({ id, createdAt: ridTime(rid), destination: `https://shop.example.com/p?hoko_id=${id}`, ...over }), rid, nonce }
}

describe.skipIf(!postgresAvailable())('clicks on PostgreSQL', () => {
  beforeAll(async () => {
    pg = await startPostgres()
  })
  afterAll(async () => {
    for (const c of clients) await c.close()
    await pg?.stop()
  })

  describe('the writer', () => {
    let d: Data
    let w: PgClickWriter
    beforeAll(async () => {
      ;({ d } = await database('writer'))
      w = new PgClickWriter(d)
    })

    test('what goes in comes out of the clicks view, every stored form alike', async () => {
      const at = Date.UTC(2026, 5, 1, 8)
      const full: Partial<ClickRow> = {
        partnerId: 'p1', externalId: 'ext', tenantId: 't1', domain: 'go.example.com', referrer: 'https://www.google.com/search?q=1',
        referrerHost: 'www.google.com', utm: '{"source":"x"}', visitorId: Bun.randomUUIDv7('base64url'), visitorSessionId: Bun.randomUUIDv7('base64url'),
        browserName: 'Chrome', browserVersion: '120.0', osName: 'Windows', osVersion: '10', deviceType: 'desktop', language: 'en-US',
        country: 'مصر', countryCode: 'EG', city: 'القاهرة', qr: 1, ip: '203.0.113.0',
      }
      // The same destination three times (text, then a dictionary entry), then one sharing its beginning.
      const rows = [0, 1, 2].map((i) => redirectClick(w, at + i, full))
      rows.push(redirectClick(w, at + 3, { ...full, destination: '' }))
      rows[3].destination = `https://shop.example.com/p?fbclid=IwAR0abc&hoko_id=${rows[3].id}`
      for (const [i, ip] of ['0.0.0.0', '255.255.255.0', '2001:db8:85a3::', 'ffff:ffff:ffff::', 'odd'].entries())
        rows.push(redirectClick(w, at + 10 + i, { ip, visitorId: 'page-session-1', visitorSessionId: 'x'.repeat(22), bot: i % 2 }))
      for (const r of rows.slice(0, 4)) await w.insertAll([r])
      await w.insertAll(rows.slice(4))
      for (const r of rows) {
        const { rid, nonce, ...click } = r
        expect(await read(d, r.id)).toEqual(click)
      }
      const forms = await d.all<{ t: string | null; dest: number | null; tail: string | null }>('SELECT dest_text AS t, dest, dest_tail AS tail FROM click_rows ORDER BY rid')
      expect(forms.filter((f) => f.t !== null).length).toBeGreaterThan(0)
      expect(forms.filter((f) => f.dest !== null && f.tail === null).length).toBeGreaterThan(0)
      expect(forms.filter((f) => f.tail !== null).length).toBe(1)
    })

    test('clicks with times of their own keep their time and id, many in one millisecond, a UUID or any other id', async () => {
      const at = Date.UTC(2025, 2, 3, 4, 5, 6, 7)
      const rows = [...Array.from({ length: 5 }, () => blankClick({ createdAt: at })), blankClick({ id: 'imported-1', createdAt: at })]
      await w.insertAll(rows)
      for (const r of rows) expect(await read(d, r.id)).toEqual(r)
      expect(await count(d, 'created_at = ?', [at])).toBe(6)
    })

    test('a failed commit writes nothing, and the dictionary values it added are written again next time', async () => {
      const fresh = { referrer: 'https://fresh.example/', referrerHost: 'fresh.example', city: 'Nowhere', language: 'xx-fresh' }
      const good = redirectClick(w, Date.now(), fresh)
      await expect(w.insertAll([good, redirectClick(w, Date.now(), { workspaceId: null as unknown as string })])).rejects.toThrow()
      expect(await count(d, 'id = ?', [good.id])).toBe(0)
      expect(await d.get("SELECT 1 AS x FROM click_referrers WHERE url = 'https://fresh.example/'")).toBeUndefined()
      const again = redirectClick(w, Date.now(), fresh)
      await w.insertAll([again])
      const { rid, nonce, ...click } = again
      expect(await read(d, again.id)).toEqual(click)
    })

    test('two instances that make the same id: the second click gets a new rid and id, which it carries', async () => {
      const other = new PgClickWriter(d)
      const at = Date.UTC(2026, 8, 1)
      const a = redirectClick(w, at)
      const mine = w.newId(at)
      const b = { ...blankClick({ id: a.id, createdAt: at, destination: `https://example.com/?hoko_id=${a.id}` }), rid: a.rid, nonce: mine.nonce }
      await w.insertAll([a])
      await other.insertAll([b])
      expect(b.id).not.toBe(a.id)
      expect(b.rid).toBeGreaterThan(a.rid)
      expect(await read(d, b.id)).toMatchObject({ id: b.id, destination: `https://example.com/?hoko_id=${b.id}` })
      expect(await read(d, a.id)).toMatchObject({ id: a.id })
    })

    test('group commit: clicks written at once share commits, each promise settles once its click is in', async () => {
      const before = w.written
      const rows = Array.from({ length: 1200 }, (_, i) => redirectClick(w, Date.now(), { linkId: `l${i % 9}` }))
      const batches: number[] = []
      w.committed = (n) => batches.push(n)
      await Promise.all(rows.map((r) => w.write(r)))
      expect(w.written - before).toBe(1200)
      expect(batches.length).toBeLessThan(1200)
      const ids = (await d.all<{ id: string }>(`SELECT id FROM clicks WHERE id IN (SELECT value FROM ${d.list})`, [JSON.stringify(rows.map((r) => r.id))])).map((r) => r.id)
      expect(new Set(ids).size).toBe(1200)
    })
  })

  describe('partitions', () => {
    test('click_rows is partitioned by month; this month and the next two exist ahead, a click of another month gets its own', async () => {
      const { d } = await database('partitions')
      const parts = clickPartitions(d)
      await parts.ahead()
      const now = monthOf(Date.now())
      expect(await parts.list()).toEqual([now, now + 1, now + 2])
      expect(await d.get("SELECT relkind FROM pg_class WHERE relname = 'click_rows'")).toEqual({ relkind: 'p' })
      const w = new PgClickWriter(d)
      const old = blankClick({ createdAt: Date.UTC(2024, 1, 29, 12) })
      await w.insertAll([old, redirectClick(w, Date.now())])
      expect(await parts.list()).toEqual([monthOf(Date.UTC(2024, 1, 1)), now, now + 1, now + 2])
      const where = await d.get<{ t: string }>('SELECT tableoid::regclass::text AS t FROM click_rows WHERE rid >> 10 = ?', [old.createdAt])
      expect(where!.t).toBe(partitionName(monthOf(old.createdAt)))
      expect(await d.get<{ n: number }>('SELECT count(*) AS n FROM click_rows_default')).toEqual({ n: 0 })
    })

    test("clicks copied into click_rows by hand (an import) land in the default partition, then get their month's", async () => {
      const { d } = await database('partitions_import')
      const parts = clickPartitions(d)
      const w = new PgClickWriter(d)
      await w.insertAll([blankClick({ createdAt: Date.UTC(2023, 6, 1) })])
      const rid = ridAt(Date.UTC(2022, 3, 5))
      // As hoko import writes them: rows with their rids, the dictionaries' ids as they were.
      await d.run('INSERT INTO click_rows (rid, ws, link, qr, bot) SELECT CAST(? AS BIGINT) + n, ws, link, 0, 0 FROM click_rows, generate_series(0, 2) AS n', [rid])
      expect(await d.get<{ n: number }>('SELECT count(*) AS n FROM click_rows_default')).toEqual({ n: 3 })
      expect(await parts.adoptDefault()).toBe(3)
      expect(await d.get<{ n: number }>('SELECT count(*) AS n FROM click_rows_default')).toEqual({ n: 0 })
      expect(await parts.list()).toContain(monthOf(Date.UTC(2022, 3, 5)))
      expect(await count(d, 'created_at = ?', [Date.UTC(2022, 3, 5)])).toBe(3)
      expect(await count(d)).toBe(4)
    })
  })

  describe('rollups', () => {
    const totals = async (d: Data) =>
      Object.fromEntries(
        (await d.all<{ dim: string; n: number }>('SELECT dim, CAST(sum(clicks) AS BIGINT) AS n FROM click_rollups GROUP BY dim')).map((r) => [r.dim, r.n]),
      )

    test('exact with two writers whose batches of older ids commit after newer ones were rolled up', async () => {
      const { d } = await database('rollups')
      const a = new PgClickWriter(d)
      const b = new PgClickWriter(d)
      // A's clicks are made first, committed last: a pass in between has counted B's newer ones.
      const early = Array.from({ length: 30 }, () => redirectClick(a, Date.now(), { countryCode: 'SA' }))
      await Bun.sleep(5)
      await b.insertAll(Array.from({ length: 20 }, () => redirectClick(b, Date.now(), { countryCode: 'EG' })))
      await rollUpPg(d)
      const fence = (await d.get<{ m: number }>('SELECT click_rowid AS m FROM rollup_state WHERE id = 1'))!.m
      expect(early.every((c) => c.rid < fence)).toBe(true)
      const ids = early.map((c) => c.id)
      await a.insertAll(early)
      // They were given ids above the mark, and carry them.
      expect(early.every((c) => c.rid > fence)).toBe(true)
      expect(early.filter((c, i) => c.id === ids[i])).toEqual([])
      await rollUpPg(d)
      expect(await totals(d)).toMatchObject({ total: 50, country: 50 })
      expect(await d.all('SELECT key, CAST(sum(clicks) AS BIGINT) AS n FROM click_rollups WHERE dim = ? GROUP BY key ORDER BY key', ['country'])).toEqual([
        { key: 'EG', n: 20 },
        { key: 'SA', n: 30 },
      ])
    })

    test('exact under concurrent writers and passes: every human click counted once per dimension', async () => {
      const { d } = await database('rollups_race')
      const writers = [new PgClickWriter(d), new PgClickWriter(d), new PgClickWriter(d)]
      let humans = 0
      let writing = true
      const passes = (async () => {
        while (writing) {
          await Promise.all([rollUpPg(d), rollUpPg(d)])
          await Bun.sleep(3)
        }
      })()
      await Promise.all(
        writers.map(async (w, k) => {
          for (let i = 0; i < 40; i++) {
            const rows = Array.from({ length: 25 }, (_, j) =>
              redirectClick(w, Date.now(), { city: `c${k}-${i}-${j}`, utm: JSON.stringify({ campaign: `x${j % 7}` }), bot: j % 10 === 0 ? 1 : 0 }),
            )
            humans += rows.filter((r) => r.bot === 0).length
            await Promise.all(rows.map((r) => w.write(r)))
          }
        }),
      )
      writing = false
      await passes
      await rollUpPg(d)
      const t = await totals(d)
      for (const dim of ['total', 'city', 'utm_campaign', 'hour', 'country']) expect([dim, t[dim]]).toEqual([dim, humans])
      const all = await d.get<{ n: number }>("SELECT CAST(sum(clicks) AS BIGINT) AS n FROM click_rollups_all WHERE dim = 'city'")
      expect(all!.n).toBe(humans)
      expect(await count(d, 'bot = 0')).toBe(humans)
    })

    test('clicks with times of their own behind the mark are counted by their writer', async () => {
      const { d } = await database('rollups_import')
      const w = new PgClickWriter(d)
      await w.insertAll([redirectClick(w, Date.now())])
      await rollUpPg(d)
      await w.insertAll([blankClick({ createdAt: Date.UTC(2025, 0, 1) }), blankClick({ createdAt: Date.UTC(2025, 0, 1), bot: 1 })])
      await rollUpPg(d)
      expect(await totals(d)).toMatchObject({ total: 2 })
    })
  })

  describe('retention', () => {
    test('drops whole months older than the retention, deletes the old clicks of the boundary month, keeps clicks of conversions', async () => {
      const { d } = await database('retention')
      const w = new PgClickWriter(d)
      const DAY = 86_400_000
      const now = Date.now()
      const thisMonth = monthOf(now)
      const times = [
        monthStart(thisMonth - 5) + DAY, // a whole old month
        monthStart(thisMonth - 5) + 2 * DAY,
        monthStart(thisMonth - 4) + DAY, // a whole old month, one click of it converted
        monthStart(thisMonth - 4) + 2 * DAY,
        now - 40 * DAY,
        now - 31 * DAY,
        now - 10 * DAY,
      ]
      const rows = times.map((t) => blankClick({ createdAt: t }))
      await w.insertAll(rows)
      await w.insertAll([redirectClick(w, now)])
      await rollUpPg(d)
      const convertedRid = (await d.get<{ rid: number }>('SELECT rid FROM clicks WHERE id = ?', [rows[2].id]))!.rid
      // A lead without its workspace, customer and link rows: only its click matters here.
      await d.run('ALTER TABLE leads DISABLE TRIGGER ALL')
      await d.run(
        "INSERT INTO leads (id, workspace_id, customer_id, click_id, click_rid, link_id, event_name, created_at) VALUES ('ld1', 'w1', 'c1', ?, ?, 'l1', 'Sign up', ?)",
        [rows[2].id, convertedRid, now],
      )
      let deleted = 0
      const n = await retentionPassPg(d, 30, clickPartitions(d), (k) => (deleted += k))
      expect(n).toBe(5)
      expect(deleted).toBe(5)
      const left = (await d.all<{ id: string }>('SELECT id FROM clicks ORDER BY rid')).map((r) => r.id)
      expect(left).toEqual([rows[2].id, rows[6].id, expect.any(String)])
      const months = await clickPartitions(d).list()
      expect(months).not.toContain(thisMonth - 5)
      expect(months).toContain(thisMonth - 4)
      expect(await d.get<{ n: number }>('SELECT count(*) AS n FROM click_legacy_ids')).toEqual({ n: 2 })
      // Summaries read from the rollups keep every click.
      expect(await d.get<{ n: number }>("SELECT CAST(sum(clicks) AS BIGINT) AS n FROM click_rollups WHERE dim = 'total'")).toEqual({ n: 8 })
    })
  })

  describe('a server with HOKO_CLICK_RETENTION_DAYS', () => {
    let s: TestServer | undefined
    afterAll(async () => {
      await s?.stop()
      if (s) removeDir(s.dir)
    })

    test('counts the old clicks in the rollups, then drops their months; recent clicks stay', async () => {
      await closePools()
      const { url, d } = await database('retention_server', 2)
      const w = new PgClickWriter(d)
      const month = monthOf(Date.now())
      const old = [monthStart(month - 6) + 1000, monthStart(month - 6) + 2000, monthStart(month - 5) + 1000].map((t) => blankClick({ createdAt: t }))
      const recent = blankClick({ createdAt: Date.now() - 86_400_000 })
      await w.insertAll([...old, recent])
      s = await startServer({ env: { HOKO_DATABASE_URL: url, HOKO_CLICK_RETENTION_DAYS: '30' } })
      const deadline = Date.now() + 30_000
      while ((await count(d)) > 1) {
        if (Date.now() > deadline) throw new Error('old clicks were not deleted')
        await Bun.sleep(100)
      }
      expect((await d.all<{ id: string }>('SELECT id FROM clicks')).map((r) => r.id)).toEqual([recent.id])
      const months = await clickPartitions(d).list()
      expect(months.filter((m) => m < month - 1)).toEqual([])
      expect(months).toEqual(expect.arrayContaining([month, month + 1, month + 2]))
      expect(await d.get("SELECT CAST(sum(clicks) AS BIGINT) AS n FROM click_rollups WHERE dim = 'total'")).toEqual({ n: 4 })
      const metrics = await (await fetch(`${s.url}/metrics`)).text()
      expect(metrics).toContain('hoko_clicks_deleted_total 3')
    })
  })

  describe.skipIf(!haveRedis)('two `hoko serve` on one database', () => {
    let redis: TestRedis
    let a: TestServer
    let b: TestServer
    let url: string
    beforeAll(async () => {
      redis = await startRedis()
      await closePools()
      ;({ url } = await database('two_servers', 2))
      const env = { HOKO_DATABASE_URL: url, HOKO_REDIS_URL: redis.url, HOKO_BASE_URL: 'https://go.example.test' }
      a = await startServer({ env })
      b = await startServer({ env, dir: a.dir })
    })
    afterAll(async () => {
      for (const s of [a, b]) if (s && s.proc.exitCode === null && s.proc.signalCode === null) await s.stop()
      await redis?.stop()
      if (a) removeDir(a.dir)
    })

    test('redirects spread over both, then kill -9 of one under load: every answered click is stored once, rollups equal the raw counts', async () => {
      // Links written straight into the shared database (the API's link routes are another part of the move).
      const [{ ws }] = await a.rows<{ ws: string }>("SELECT id AS ws FROM workspaces WHERE slug = 'default'")
      const now = Date.now()
      const client = new SQL(url, { max: 1 })
      await client.unsafe('INSERT INTO collections (id, workspace_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)', ['col-two', ws, 'two', now])
      const links = Array.from({ length: 10 }, (_, i) => ({ id: `link-${i}`, shortId: `two${i}` }))
      for (const [i, l] of links.entries())
        await client.unsafe(
          'INSERT INTO links (id, workspace_id, short_id, url, collection_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)',
          [l.id, ws, l.shortId, `https://example.com/${i}`, 'col-two', now],
        )
      await client.close()
      const answered: string[] = []
      let stop = false
      const visitor = (n: number) => async () => {
        for (let i = 0; !stop; i++) {
          const s = (n + i) % 2 === 0 ? a : b
          try {
            const res = await fetch(`${s.url}/${links[(n + i) % links.length].shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })
            if (res.status === 302) answered.push(new URL(res.headers.get('location')!).searchParams.get('hoko_id')!)
          } catch {
            // b was killed: its visitors go on with a only
            if (s === b) continue
            return
          }
        }
      }
      const load = Promise.all(Array.from({ length: 24 }, (_, n) => visitor(n)()))
      while (answered.length < 3000) await Bun.sleep(20)
      b.proc.kill('SIGKILL')
      await b.proc.exited
      const atKill = answered.length
      while (answered.length < atKill + 1000) await Bun.sleep(20)
      stop = true
      await load

      const rows = await a.rows<{ id: string }>('SELECT id FROM clicks')
      const stored = new Set(rows.map((r) => r.id))
      expect(rows.length).toBe(stored.size)
      expect(answered.filter((id) => !stored.has(id))).toEqual([])
      expect(new Set(answered).size).toBe(answered.length)
      // The rollups (kept by a, or by b until it died) catch up and equal the raw counts.
      const deadline = Date.now() + 30_000
      for (;;) {
        const [{ raw, rolled }] = await a.rows<{ raw: number; rolled: number | null }>(
          "SELECT (SELECT count(*) FROM click_rows WHERE bot = 0) AS raw, (SELECT CAST(sum(clicks) AS BIGINT) FROM click_rollups WHERE dim = 'total') AS rolled",
        )
        if (raw === rolled) break
        if (Date.now() > deadline) throw new Error(`rollups ${rolled} never reached the ${raw} raw clicks`)
        await Bun.sleep(200)
      }
      const byLink = await a.rows<{ d: number }>(
        "SELECT count(*) AS d FROM (SELECT c.country_code AS k, count(*) AS n FROM clicks c WHERE bot = 0 GROUP BY 1) raw FULL JOIN (SELECT key, CAST(sum(clicks) AS BIGINT) AS n FROM click_rollups WHERE dim = 'country' GROUP BY 1) r ON r.key = coalesce(raw.k, '') WHERE raw.n IS DISTINCT FROM r.n",
      )
      expect(byLink).toEqual([{ d: 0 }])
    })
  })
})
