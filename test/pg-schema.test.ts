import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { SQL } from 'bun'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { integer, numeric, sqliteTable } from 'drizzle-orm/sqlite-core'
import { migrations } from '../drizzle-pg/migrations'
import type { ClickRow } from '../src/clicks/row'
import { ridTime, visitorText } from '../src/clicks/store'
import { ClickWriter } from '../src/clicks/writer'
import { openDatabase, runMigrations, schema as lite, type Db } from '../src/db'
import { openPostgres, runPgMigrations, schema as pgSchema } from '../src/db/pg'
import { derive, mixedType } from '../src/db/pg/schema'
import { blankClick } from './clicks-sql'
import { removeDir } from './harness'
import { postgresAvailable, startPostgres, type PgCluster } from './postgres'

/**
 * The PostgreSQL schema against the SQLite one, both built by their real migrations: the same
 * tables, columns, indexes, view and triggers, and the same click read back from the same rows.
 */
let pg: PgCluster
let client: SQL
let dir: string
let sqlite: Db
let pgUrl: string
const closeAfter: SQL[] = []

describe.skipIf(!postgresAvailable())('PostgreSQL schema', () => {
  beforeAll(async () => {
    pg = await startPostgres()
    pgUrl = await pg.createDatabase('hoko')
    client = new SQL(pgUrl, { max: 4 })
    await runPgMigrations(client)
    dir = mkdtempSync(join(tmpdir(), 'hoko-pg-schema-'))
    sqlite = openDatabase(join(dir, 'hoko.db'))
    runMigrations(sqlite)
  })
  afterAll(async () => {
    for (const c of [client, ...closeAfter]) await c?.close()
    sqlite?.$client.close()
    if (dir) removeDir(dir)
    await pg?.stop()
  })

  describe('migrations', () => {
    test('apply to an empty database once: a second run changes nothing', async () => {
      const applied = async () => (await client`SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id`) as { created_at: string }[]
      const before = await applied()
      expect(before.map((m) => Number(m.created_at))).toEqual(migrations.map((m) => m.when))
      await runPgMigrations(client)
      expect(await applied()).toEqual(before)
    })

    test('two instances starting at once on an empty database migrate it once, and both succeed', async () => {
      const url = await pg.createDatabase('hoko_race')
      const [a, b] = [new SQL(url, { max: 2 }), new SQL(url, { max: 2 })]
      try {
        await Promise.all([runPgMigrations(a), runPgMigrations(b)])
        expect(await a`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`).toEqual([{ n: migrations.length }])
      } finally {
        await a.close()
        await b.close()
      }
    })
  })

  describe('the catalog matches SQLite', () => {
    const liteTables = () =>
      (sqlite.$client.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__drizzle_migrations' ORDER BY name").all() as { name: string }[]).map((r) => r.name)
    const pgColumns = async (table: string) =>
      (await client`SELECT column_name AS name, is_nullable = 'NO' AS "notNull", data_type AS type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = ${table} ORDER BY ordinal_position`) as { name: string; notNull: boolean; type: string }[]
  /** SQLite's declared type, as PostgreSQL stores the same values. */
  const PG_TYPE: Record<string, string> = { INTEGER: 'bigint', TEXT: 'text', BLOB: 'bytea', REAL: 'double precision' }

    test('every table and every column, with its type and NOT NULL', async () => {
      const tables = liteTables()
      expect(tables.length).toBeGreaterThan(30)
      // The partitions of click_rows (drizzle-pg/0002_click_partitions.sql) are PostgreSQL's own: not tables of the schema.
      const pgTables = (await client`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
        AND table_name NOT IN (SELECT c.relname FROM pg_class c WHERE c.relispartition) ORDER BY 1`) as { name: string }[]
      expect(pgTables.map((t) => t.name).sort()).toEqual([...tables].sort())
      for (const table of tables) {
        const liteCols = sqlite.$client.query(`SELECT name, type, "notnull" AS nn, pk FROM pragma_table_info(?)`).all(table) as { name: string; type: string; nn: number; pk: number }[]
        const pgCols = new Map((await pgColumns(table)).map((c) => [c.name, c.notNull]))
        const pgTypes = new Map((await pgColumns(table)).map((c) => [c.name, c.type]))
        for (const c of liteCols) {
          const where = `${table}.${c.name}`
          expect({ where, present: pgCols.has(c.name) }).toEqual({ where, present: true })
          // SQLite's INTEGER PRIMARY KEY is implicitly NOT NULL (the rowid); a two-typed column's NOT NULL is its check.
          const notNull = mixedType(where) ? false : c.nn === 1 || c.pk > 0
          expect({ where, notNull: pgCols.get(c.name) }).toEqual({ where, notNull })
          const type = mixedType(where) === 'bytea' ? 'bytea' : mixedType(where) ? 'bigint' : PG_TYPE[c.type.toUpperCase()]
          expect({ where, type: pgTypes.get(c.name) }).toEqual({ where, type })
          if (mixedType(where)) expect(pgCols.get(`${c.name}_text`)).toBe(false)
        }
      }
    })

    test('every index and trigger by name, the clicks view with the same columns in the same order', async () => {
      const names = (type: string) =>
        (sqlite.$client.query(`SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name`).all(type) as { name: string }[]).map((r) => r.name)
      const pgIndexes = new Set(((await client`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`) as { indexname: string }[]).map((r) => r.indexname))
      const liteIndexes = names('index')
      expect(liteIndexes.length).toBeGreaterThan(40)
      expect(liteIndexes.filter((n) => !pgIndexes.has(n))).toEqual([])
      // Partial indexes keep their condition.
      const [partial] = await client`SELECT indexdef FROM pg_indexes WHERE indexname = 'click_rows_ws_idx'`
      expect(partial.indexdef).toContain('WHERE (bot = 0)')
      const pgTriggers = new Set(((await client`SELECT DISTINCT trigger_name FROM information_schema.triggers WHERE trigger_schema = 'public'`) as { trigger_name: string }[]).map((r) => r.trigger_name))
      expect(names('trigger').length).toBe(6)
      expect(names('trigger').filter((n) => !pgTriggers.has(n))).toEqual([])
      expect(names('view')).toEqual(['clicks'])
      const liteView = (sqlite.$client.query("SELECT name FROM pragma_table_info('clicks')").all() as { name: string }[]).map((c) => c.name)
      expect((await pgColumns('clicks')).map((c) => c.name)).toEqual(liteView)
    })

    test('a column type the derivation does not know fails at load, naming the column', () => {
      expect(() => derive(sqliteTable('t_probe', { id: integer('id').primaryKey(), price: numeric('price') }))).toThrow('t_probe.price')
    })
  })

  describe('the clicks view answers the same click on both engines', () => {
    const click = blankClick

    /** Copies the compact click tables row by row, the value of a two-typed column into its text column when it is text. */
    async function copyClickTables(): Promise<void> {
      const tables = ['click_workspaces', 'click_links', 'click_agents', 'click_places', 'click_referrers', 'click_texts', 'click_rows', 'click_legacy_ids']
      for (const table of tables) {
        const rows = sqlite.$client.query(`SELECT * FROM ${table}`).all() as Record<string, unknown>[]
        const copied = rows.map((row) => {
          const out: Record<string, unknown> = {}
          for (const [k, v] of Object.entries(row)) {
            if (mixedType(`${table}.${k}`)) {
              out[k] = typeof v === 'string' ? null : v
              out[`${k}_text`] = typeof v === 'string' ? v : null
            } else out[k] = v
          }
          return out
        })
        for (let i = 0; i < copied.length; i += 500) await client`INSERT INTO ${client(table)} ${client(copied.slice(i, i + 500))}`
      }
    }

    test('redirect clicks, imported clicks, every stored form of destination, address and visitor id', async () => {
      const writer = new ClickWriter(sqlite.$client)
      const rows: (ClickRow & { rid?: number; nonce?: Uint8Array })[] = []
      const redirect = (at: number, over: Partial<ClickRow>) => {
        const { id, rid, nonce } = writer.store.newId(at)
        const destination = (over.destination ?? 'https://shop.example.com/p?utm_source=x&hoko_id=') + id
        rows.push({ ...click({ ...over, id, createdAt: ridTime(rid), destination }), rid, nonce })
      }
      const at = Date.UTC(2026, 5, 1, 8)
      const full: Partial<ClickRow> = {
        partnerId: 'p1', externalId: 'ext', tenantId: 't1', domain: 'go.example.com', referrer: 'https://www.google.com/search?q=1',
        referrerHost: 'www.google.com', utm: '{"source":"x"}', browserName: 'Chrome', browserVersion: '120.0', osName: 'Windows',
        osVersion: '10', deviceType: 'desktop', language: 'en-US', country: 'مصر', countryCode: 'EG', city: 'القاهرة', qr: 1, ip: '203.0.113.0',
      }
      // The same destination three times (text, then a dictionary entry), then one sharing its beginning (dictionary + tail).
      for (let i = 0; i < 3; i++) redirect(at + i, { ...full, visitorId: Bun.randomUUIDv7('base64url'), visitorSessionId: Bun.randomUUIDv7('base64url') })
      redirect(at + 3, { ...full, destination: 'https://shop.example.com/p?utm_source=x&fbclid=IwAR0abc&hoko_id=' })
      // Addresses in each stored form, visitor ids of other forms, a bot.
      for (const [i, ip] of ['0.0.0.0', '255.255.255.0', '2001:db8:85a3::', 'ffff:ffff:ffff::', '0:0:0::', 'odd', '2001:db8::1'].entries())
        redirect(at + 10 + i, { ip, visitorId: 'page-session-1', visitorSessionId: 'x'.repeat(22), bot: i % 2 })
      // Many clicks in one millisecond: the sequence part of the rowid.
      for (let i = 0; i < 20; i++) redirect(at + 100, { linkId: 'l2', shortId: 'def' })
      // Clicks with ids from elsewhere: a UUID (kept as 16 bytes), any other id (kept as text).
      rows.push(click({ id: '550e8400-e29b-41d4-a716-446655440000', createdAt: at - 1000, destination: 'https://example.com/?c=550e8400-e29b-41d4-a716-446655440000' }))
      rows.push(click({ id: 'imported-1', createdAt: at - 1000, destination: 'https://example.com/?c=imported-1', workspaceId: 'w2', linkId: 'l9' }))
      writer.insertAll(rows)
      // The forms this test is about were really stored.
      const forms = sqlite.$client.query('SELECT typeof(dest) AS d, typeof(ip) AS i, typeof(visitor) AS v FROM click_rows').all() as { d: string; i: string; v: string }[]
      for (const [k, want] of [['d', ['integer', 'text']], ['i', ['integer', 'text', 'null']], ['v', ['blob', 'text', 'null']]] as const)
        expect(new Set(forms.map((f) => f[k])).size).toBe(want.length)
      expect(sqlite.$client.query('SELECT count(*) AS n FROM click_rows WHERE dest_tail IS NOT NULL').get()).toEqual({ n: 1 })
      expect(sqlite.$client.query("SELECT typeof(uuid) AS t FROM click_legacy_ids ORDER BY 1").all()).toEqual([{ t: 'blob' }, { t: 'text' }])

      await copyClickTables()

      const bigints = new Set(((await client`SELECT column_name FROM information_schema.columns WHERE table_name = 'clicks' AND data_type = 'bigint'`) as { column_name: string }[]).map((c) => c.column_name))
      const fromPg = ((await client`SELECT * FROM clicks ORDER BY rid`) as Record<string, unknown>[]).map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, bigints.has(k) && v !== null ? Number(v) : v])),
      )
      const fromLite = (sqlite.$client.query('SELECT * FROM clicks ORDER BY rid').all() as Record<string, unknown>[]).map((r) => ({
        ...r,
        visitor_id: visitorText(r.visitor_id),
        visitor_session_id: visitorText(r.visitor_session_id),
      }))
      expect(fromLite.length).toBe(rows.length)
      expect(fromPg).toEqual(fromLite)
    // drizzle sees a two-typed column as its pair of columns.
    const pgDb = openPostgres(pgUrl, { max: 1 })
    closeAfter.push(pgDb.$client)
    const c = pgSchema.clickRows
    const odd = await pgDb.select({ ip: c.ip, ipText: c.ipText, dest: c.dest, destText: c.destText }).from(c).where(eq(c.ipText, 'odd'))
    expect(odd).toEqual([{ ip: null, ipText: 'odd', dest: expect.any(Number), destText: null }])
    // A NOT NULL two-typed column needs exactly one of its pair.
    await pgDb.insert(pgSchema.clickLegacyIds).values({ rid: 1, uuidText: 'by-drizzle' })
    await expect(client`INSERT INTO click_legacy_ids (rid) VALUES (2)`.execute()).rejects.toThrow('click_legacy_ids_uuid_one_check')
    await expect(client`INSERT INTO click_legacy_ids (rid, uuid, uuid_text) VALUES (3, ${new Uint8Array(16)}, 'both')`.execute()).rejects.toThrow('click_legacy_ids_uuid_one_check')
      // And both are the clicks that went in, as the API shows them.
      const byId = new Map(fromPg.map((r) => [r.id, r]))
      for (const c of rows) {
        const r = byId.get(c.id)!
        expect({ id: r.id, destination: r.destination, ip: r.ip, visitor: r.visitor_id, created: r.created_at, link: r.link_id })
          .toEqual({ id: c.id, destination: c.destination, ip: c.ip, visitor: c.visitorId, created: c.createdAt, link: c.linkId })
      }
    })
  })

  describe('link_changes', () => {
    test('the triggers count every link and domain row written, as on SQLite', async () => {
      const steps: [string, number][] = [
        ["INSERT INTO workspaces (id, slug, name, created_at) VALUES ('w-lc', 'w-lc', 'W', 0)", 0],
        ["INSERT INTO collections (id, workspace_id, name, created_at, updated_at) VALUES ('c-lc', 'w-lc', 'C', 0, 0)", 0],
        [
          "INSERT INTO links (id, workspace_id, short_id, url, collection_id, created_at, updated_at) VALUES ('l-lc1', 'w-lc', 'lc1', 'https://a.example/', 'c-lc', 0, 0), ('l-lc2', 'w-lc', 'lc2', 'https://a.example/', 'c-lc', 0, 0)",
          2,
        ],
        ["UPDATE links SET url = 'https://b.example/' WHERE workspace_id = 'w-lc'", 2],
        ["UPDATE links SET url = 'https://c.example/' WHERE id = 'nothing'", 0],
        ["DELETE FROM links WHERE id = 'l-lc1'", 1],
        ["INSERT INTO domains (id, workspace_id, name, created_at, updated_at) VALUES ('d-lc', 'w-lc', 'go.example.com', 0, 0)", 1],
        ["UPDATE domains SET root_url = 'https://example.com/' WHERE id = 'd-lc'", 1],
        ["UPDATE domains SET root_url = NULL WHERE id = 'nothing'", 0],
        ["DELETE FROM domains WHERE id = 'd-lc'", 1],
      ]
      const liteN = () => (sqlite.$client.query('SELECT n FROM link_changes WHERE id = 1').get() as { n: number }).n
      const pgN = async () => Number(((await client`SELECT n FROM link_changes WHERE id = 1`) as { n: string }[])[0].n)
      expect(await pgN()).toBe(0)
      for (const [statement, bumps] of steps) {
        const [a, b] = [liteN(), await pgN()]
        sqlite.$client.run(statement)
        await client.unsafe(statement)
        expect({ statement, sqlite: liteN() - a, pg: (await pgN()) - b }).toEqual({ statement, sqlite: bumps, pg: bumps })
      }
    })
  })

  describe('drizzle reads and writes the same values on both engines', () => {
    test('booleans, millisecond dates, JSON and defaults', async () => {
      const pgDb = openPostgres(pgUrl, { max: 2 })
      closeAfter.push(pgDb.$client)
      const created = new Date(Date.UTC(2026, 10, 26, 3, 4, 5, 678))
      const values = {
        id: 'u-same', email: 'same@example.com', name: 'Same', passwordHash: 'x', isAdmin: true, createdAt: created, updatedAt: created,
      }
      await pgDb.insert(pgSchema.users).values(values)
      sqlite.insert(lite.users).values(values).run()
      const fromPg = await pgDb.select().from(pgSchema.users).where(eq(pgSchema.users.id, 'u-same'))
      const fromLite = sqlite.select().from(lite.users).where(eq(lite.users.id, 'u-same')).all()
      expect(fromPg).toEqual(fromLite)
      expect(fromPg[0]).toMatchObject({ isAdmin: true, createdAt: created, language: 'en' })

      await pgDb.insert(pgSchema.settings).values({ key: 'k', value: 'v' })
      const [setting] = await pgDb.select().from(pgSchema.settings)
      // The SQLite default (unixepoch() * 1000) as PostgreSQL writes it: now, in milliseconds.
      expect(Math.abs(setting.updatedAt.getTime() - Date.now())).toBeLessThan(60_000)

      const ws = { id: 'w-json', slug: 'w-json', name: 'W', createdAt: created }
      const webhook = {
        id: 'wh-json', workspaceId: 'w-json', url: 'https://hooks.example/', events: ['link.clicked', 'lead.created'], secret: 's', createdAt: created, updatedAt: created,
      }
      await pgDb.insert(pgSchema.workspaces).values(ws)
      await pgDb.insert(pgSchema.webhooks).values(webhook)
      sqlite.insert(lite.workspaces).values(ws).run()
      sqlite.insert(lite.webhooks).values(webhook).run()
      const [a] = await pgDb.select().from(pgSchema.webhooks)
      expect(a).toEqual(sqlite.select().from(lite.webhooks).where(eq(lite.webhooks.id, 'wh-json')).get()!)
      expect(a).toMatchObject({ events: ['link.clicked', 'lead.created'], disabled: false, failingSince: null })
    })
  })
})
