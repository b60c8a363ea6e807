import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ClickRow } from '../src/clicks/row'
import { clickRids, compactIp, decodeId, encodeId, ridTime, visitorText } from '../src/clicks/store'
import { ClickWriter } from '../src/clicks/writer'
import { openDatabase, runMigrations, type Db } from '../src/db'
import { blankClick } from './clicks-sql'
import { removeDir } from './harness'

/** The compact click storage on a real SQLite file: what goes in through the writer comes out of the view unchanged. */
let dir: string
let db: Db
let writer: ClickWriter

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hoko-store-'))
  db = openDatabase(join(dir, 'hoko.db'))
  runMigrations(db)
  writer = new ClickWriter(db.$client)
})
afterAll(() => {
  db.$client.close()
  removeDir(dir)
})

const FIELDS = 'id, workspace_id AS workspaceId, link_id AS linkId, short_id AS shortId, domain, partner_id AS partnerId, external_id AS externalId, tenant_id AS tenantId, created_at AS createdAt, destination, referrer, referrer_host AS referrerHost, utm, visitor_id AS visitorId, visitor_session_id AS visitorSessionId, browser_name AS browserName, browser_version AS browserVersion, os_name AS osName, os_version AS osVersion, device_type AS deviceType, language, country, country_code AS countryCode, city, qr, bot, ip'
const read = (id: string) => {
  const row = db.$client.query(`SELECT ${FIELDS} FROM clicks WHERE id = ?`).get(id) as ClickRow
  return { ...row, visitorId: visitorText(row.visitorId), visitorSessionId: visitorText(row.visitorSessionId) }
}

const click = blankClick

describe('click ids', () => {
  test('an id made by the store is a UUIDv7 whose time is the click time, decoded back to its rowid', () => {
    const at = Date.UTC(2026, 10, 25, 12, 0, 0, 123)
    const a = writer.store.newId(at)
    const b = writer.store.newId(at)
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(b.rid).toBe(a.rid + 1)
    expect(ridTime(a.rid)).toBe(at)
    // The first 48 bits are the milliseconds, as any UUIDv7 reader expects.
    expect(parseInt(a.id.replaceAll('-', '').slice(0, 12), 16)).toBe(at)
    expect(decodeId(a.id)!.rid).toBe(a.rid)
    expect(encodeId(a.rid, decodeId(a.id)!.nonce)).toBe(a.id)
  })

  test('ids stay in order when the clock goes back', () => {
    const a = writer.store.newId(Date.UTC(2030, 0, 1))
    const b = writer.store.newId(Date.UTC(2029, 0, 1))
    expect(b.rid).toBeGreaterThan(a.rid)
  })

  test('a UUID of another form is not mistaken for one of the store', () => {
    expect(decodeId('0192f000-0000-7fff-8000-000000000000')).toBeNull() // sequence beyond 1023
    expect(decodeId('0192F000-0000-7000-8000-000000000000')).toBeNull() // upper case
    expect(decodeId('550e8400-e29b-41d4-a716-446655440000')).toBeNull() // v4
  })
})

describe('what goes in comes out of the clicks view', () => {
  test('a redirect click with every field set, its id cut out of the destination and put back', () => {
    const { id, rid } = writer.store.newId(Date.UTC(2026, 5, 1, 8))
    const c = click({
      id, createdAt: ridTime(rid), partnerId: 'p1', externalId: 'ext', tenantId: 't1', domain: 'go.example.com',
      destination: `https://shop.example.com/p?utm_source=x&hoko_id=${id}`, referrer: 'https://www.google.com/search?q=1', referrerHost: 'www.google.com',
      utm: '{"source":"x"}', visitorId: Bun.randomUUIDv7('base64url'), visitorSessionId: Bun.randomUUIDv7('base64url'),
      browserName: 'Chrome', browserVersion: '120.0', osName: 'Windows', osVersion: '10', deviceType: 'desktop', language: 'en-US',
      country: 'United States', countryCode: 'US', city: 'New York', qr: 1, ip: '203.0.113.0',
    })
    writer.insertAll([{ ...c, rid }])
    expect(read(id)).toEqual(c)
    // Stored with the id cut out: as text the first time, then as a reference to one shared text.
    const template = 'https://shop.example.com/p?utm_source=x&hoko_id=\u0001'
    const stored = (r: number) => db.$client.query('SELECT dest FROM click_rows WHERE rid = ?').get(r) as { dest: string | number }
    expect(stored(rid).dest).toBe(template)
    const next = writer.store.newId(Date.UTC(2026, 5, 1, 9))
    const again = { ...c, id: next.id, createdAt: ridTime(next.rid), destination: `https://shop.example.com/p?utm_source=x&hoko_id=${next.id}` }
    writer.insertAll([{ ...again, rid: next.rid }])
    expect(read(next.id)).toEqual(again)
    const ref = stored(next.rid).dest
    expect(typeof ref).toBe('number')
    expect(db.$client.query('SELECT value FROM click_texts WHERE id = ?').get(ref)).toEqual({ value: template })
    // A visitor's own query makes a destination unique: the link's usual beginning from the dictionary, the rest as text.
    const own = writer.store.newId(Date.UTC(2026, 5, 1, 10))
    const unusual = { ...c, id: own.id, createdAt: ridTime(own.rid), destination: `https://shop.example.com/p?utm_source=x&fbclid=IwAR0abc&hoko_id=${own.id}` }
    writer.insertAll([{ ...unusual, rid: own.rid }])
    expect(read(own.id)).toEqual(unusual)
    const split = db.$client.query('SELECT dest, dest_tail AS tail FROM click_rows WHERE rid = ?').get(own.rid) as { dest: number; tail: string }
    expect(db.$client.query('SELECT value FROM click_texts WHERE id = ?').get(split.dest)).toEqual({ value: 'https://shop.example.com/p?utm_source=x&' })
    expect(split.tail).toBe('fbclid=IwAR0abc&hoko_id=\u0001')
  })

  test.each([
    ['203.0.113.0'], ['0.0.0.0'], ['255.255.255.0'], ['2001:db8:0::'], ['2001:db8:85a3::'], ['0:0:0::'], ['ffff:ffff:ffff::'], ['odd'],
  ])('the truncated address %s reads back the same', (ip) => {
    const c = click({ ip })
    writer.insertAll([c])
    expect(read(c.id).ip).toBe(ip)
    expect(typeof compactIp(ip)).toBe(ip === 'odd' ? 'string' : 'number')
  })

  test('visitor ids of any other form are kept as text', () => {
    const c = click({ visitorId: 'page-session-1', visitorSessionId: 'x'.repeat(22) })
    writer.insertAll([c])
    expect(read(c.id)).toMatchObject({ visitorId: 'page-session-1', visitorSessionId: 'x'.repeat(22) })
  })

  test('clicks with times of their own (seeding, import) keep their time and id, even many in one millisecond', () => {
    const at = Date.UTC(2025, 2, 3, 4, 5, 6, 7)
    const rows = Array.from({ length: 5 }, () => click({ createdAt: at }))
    writer.insertAll(rows)
    for (const r of rows) expect(read(r.id)).toEqual(r)
    const rids = clickRids(db.$client)
    expect(new Set(rows.map((r) => rids(r.id))).size).toBe(5)
    // An id from elsewhere that is not a UUID is kept as text.
    const odd = click({ id: 'imported-1', createdAt: at })
    writer.insertAll([odd])
    expect(read('imported-1')).toEqual(odd)
    expect(rids('imported-1')).not.toBeNull()
  })

  test('a link seen with another partner later is a new dictionary entry: old clicks keep their partner', () => {
    const a = click({ linkId: 'l-hist', partnerId: 'p-old' })
    const b = click({ linkId: 'l-hist', partnerId: 'p-new' })
    writer.insertAll([a, b])
    expect(read(a.id).partnerId).toBe('p-old')
    expect(read(b.id).partnerId).toBe('p-new')
  })

  test('a failed commit writes nothing, and the dictionary values it added are written again next time', () => {
    const fresh = { referrer: 'https://fresh.example/', referrerHost: 'fresh.example', city: 'Nowhere', language: 'xx-fresh' }
    const good = click(fresh)
    // A click without a workspace breaks a NOT NULL rule: the whole commit rolls back.
    expect(() => writer.insertAll([good, click({ workspaceId: null as unknown as string })])).toThrow()
    expect(db.$client.query('SELECT count(*) AS n FROM clicks WHERE id = ?').get(good.id)).toEqual({ n: 0 })
    expect(db.$client.query("SELECT count(*) AS n FROM click_referrers WHERE url = 'https://fresh.example/'").get()).toEqual({ n: 0 })
    const again = click(fresh)
    writer.insertAll([again])
    expect(read(again.id)).toEqual(again)
  })

  test('two servers on one database that make the same id: the second click takes the next rowid and a new id', () => {
    // Each process makes ids from the clock and a sequence of its own, so two of them can make the
    // same one in the same millisecond; here a second writer (its own store) makes exactly that.
    const other = new ClickWriter(db.$client)
    const at = Date.UTC(2032, 0, 1)
    const mine = writer.store.newId(at)
    const theirs = other.store.newId(at)
    expect(theirs.rid).toBe(mine.rid)
    const a = { ...click({ id: mine.id, createdAt: at, destination: `https://example.com/?hoko_id=${mine.id}` }), rid: mine.rid, nonce: mine.nonce }
    const b = { ...click({ id: theirs.id, createdAt: at, destination: `https://example.com/?hoko_id=${theirs.id}` }), rid: theirs.rid, nonce: theirs.nonce }
    writer.insertAll([a])
    other.insertAll([b])
    // The row now carries its new id (the redirect answers with it); both clicks read back, each under its own id.
    expect(a.id).toBe(mine.id)
    expect(b.id).not.toBe(theirs.id)
    expect(b.rid).toBe(mine.rid + 1)
    expect(ridTime(b.rid)).toBe(at)
    expect(read(a.id)).toMatchObject({ id: a.id, destination: `https://example.com/?hoko_id=${a.id}` })
    expect(read(b.id)).toMatchObject({ id: b.id, createdAt: at, destination: `https://example.com/?hoko_id=${b.id}` })
    const rids = clickRids(db.$client)
    expect(rids(theirs.id)).toBeNull()
    expect(rids(b.id)).toBe(b.rid)
    // The second store's next id comes after the rowid it was given.
    expect(other.store.newId(at).rid).toBe(b.rid + 1)
  })

  test('an unknown id finds no click', () => {
    const rids = clickRids(db.$client)
    expect(rids(writer.store.newId().id)).toBeNull()
    expect(rids('550e8400-e29b-41d4-a716-446655440000')).toBeNull()
  })
})
