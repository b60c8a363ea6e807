import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { SQL } from 'bun'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expectBilingual, removeDir, startServer, UA, type TestServer } from './harness'
import { PgClickWriter } from '../src/clicks/pg-writer'
import { pgData } from '../src/db/data'
import { blankClick, insertClicks } from './clicks-sql'

const FIXTURES = join(import.meta.dir, 'fixtures/import')
const fixture = (name: string) => Bun.file(join(FIXTURES, name)).text()

let s: TestServer
/** A second workspace, to import into and compare. */
let other: { id: string; key: string }
beforeAll(async () => {
  s = await startServer({ env: { HOKO_RATE_LIMIT: '100000' } })
  other = { id: s.cliJson(['workspace', 'create', '--name', 'Other']).id, key: '' }
  other.key = s.newKey('all', 'other')
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

const importCsv = (body: string | Uint8Array<ArrayBuffer>, query = '', key = s.key) =>
  s.api(`/api/links/import${query}`, { method: 'POST', key, headers: { 'content-type': 'text/csv' }, body })
async function report(body: string | Uint8Array<ArrayBuffer>, query = '', key = s.key) {
  const res = await importCsv(body, query, key)
  const json = await res.json()
  if (res.status !== 200) throw new Error(`import answered ${res.status}: ${JSON.stringify(json)}`)
  return json
}
const links = async (key = s.key) => (await s.api('/api/links?take=10000', { key })).json()
const tagNames = async (ids: string[], key = s.key) => {
  const all: { id: string; name: string }[] = await (await s.api('/api/tags?take=10000', { key })).json()
  return ids.map((id) => all.find((t) => t.id === id)!.name).sort()
}
const exportCsv = async (key = s.key) => (await s.api('/api/links/export', { key })).text()
/** The rows of a CSV with no quoted line breaks, split naively: enough for the files these tests write. */
const rowsOf = (csv: string) => csv.trimEnd().split('\r\n')

describe('recognising other products\' exports by their headers', () => {
  test("Dub: short codes from the short link, titles, descriptions, tags created; a reserved code is rejected", async () => {
    const r = await report(await fixture('dub.csv'))
    expect(r.format).toBe('dub')
    expect(r.rows).toBe(2)
    expect(r.created.map((c: any) => [c.line, c.shortId])).toEqual([[2, 'launch']])
    expect(r.rejected).toEqual([{ line: 3, reason: { en: 'shortId: is reserved by the server', ar: 'shortId: محجوز لاستخدام الخادم' } }])
    expect(r.tagsCreated).toBe(2)
    const [link] = (await links()).filter((l: any) => l.id === r.created[0].id)
    expect(link).toMatchObject({ shortId: 'launch', url: 'https://example.com/launch?ref=dub', title: 'Launch page', description: 'The launch, with a comma', collectionId: r.collectionId })
    expect(await tagNames(link.tagIds)).toEqual(['marketing', 'q1'])
    const [collection] = await (await s.api(`/api/collections?id=${r.collectionId}`)).json()
    expect(collection.name).toStartWith('Imported from dub ')
  })

  test('Bitly: the custom back-half wins over the generated code', async () => {
    const r = await report(await fixture('bitly.csv'))
    expect(r.format).toBe('bitly')
    expect(r.created.map((c: any) => [c.line, c.shortId])).toEqual([[2, '3xYzAbC'], [3, 'summer']])
    const all = await links()
    expect(all.find((l: any) => l.shortId === '3xYzAbC')).toMatchObject({ url: 'https://example.com/spring', title: 'Spring sale' })
    expect(await tagNames(all.find((l: any) => l.shortId === '3xYzAbC').tagIds)).toEqual(['sale', 'spring'])
  })

  test('Shlink: short codes, quoted titles, tags joined by "|"; into a chosen collection, reusing existing tags', async () => {
    const [c] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'From Shlink' }] })).json()
    const [news] = await (await s.api('/api/tags', { method: 'POST', json: [{ name: 'news' }] })).json()
    const r = await report(await fixture('shlink.csv'), `?collectionId=${c.id}`)
    expect(r).toMatchObject({ format: 'shlink', collectionId: c.id, rows: 2, skipped: [], rejected: [], tagsCreated: 1 })
    const one = (await links()).find((l: any) => l.shortId === 'shl-1')
    expect(one).toMatchObject({ title: 'One "quoted" title', collectionId: c.id })
    expect(one.tagIds).toContain(news.id)
    // The link answers at once.
    const res = await fetch(`${s.url}/shl-2`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toStartWith('https://example.com/two')
  })

  test('a header no format has, or a format whose key columns are missing, is a 400 that writes nothing', async () => {
    const before = (await links()).length
    let res = await importCsv('name,address\r\nx,https://example.com\r\n')
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toStartWith('The header row matches no known export (hoko: shortId, url; dub: Short link, Destination URL;')
    res = await importCsv(await fixture('shlink.csv'), '?format=dub')
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toBe('A dub export has the columns "Short link", "Destination URL"; this file lacks them')
    res = await s.api('/api/links/import', { method: 'POST', json: [{ url: 'https://example.com' }] })
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toBe('Content-Type must be text/csv')
    res = await importCsv('\r\n\r\n')
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toBe('The file has no header row: the first line must name the columns')
    expect((await links()).length).toBe(before)
  })
})

describe("Hoko's own export", () => {
  test('export neutralises formula-like values; into another workspace of this instance the taken short ids are skipped', async () => {
    const [c] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'Round trip' }] })).json()
    const tags = await (await s.api('/api/tags', { method: 'POST', json: [{ name: 'alpha' }, { name: 'beta, with comma' }] })).json()
    const sent = [
      {
        url: 'https://example.com/rt?x=1,2',
        collectionId: c.id,
        shortId: 'rt-full',
        title: '=HYPERLINK("https://evil.example","click")',
        description: 'multi\nline, "quoted"',
        utm: { source: 'news', campaign: '+campaign', referral: '@ref' },
        expiresAt: '2030-01-01T00:00:00Z',
        expiredUrl: 'https://example.com/expired',
        password: "-secret'",
        cloaked: true,
        ios: 'https://apps.apple.com/app/x',
        android: 'https://play.google.com/store/apps/x',
        geo: { SA: 'https://example.com/sa' },
        image: 'https://example.com/i.png',
        externalId: 'ext-rt',
        tenantId: 'tenant-rt',
        tagIds: tags.map((t: any) => t.id),
      },
      { url: 'https://example.com/plain', collectionId: c.id, shortId: 'rt-plain', title: "'=already prefixed" },
    ]
    expect((await s.api('/api/links', { method: 'POST', json: sent })).status).toBe(201)
    const mine = await exportCsv()
    // Formula-like values are neutralised with a leading apostrophe.
    expect(mine).toContain(`"'=HYPERLINK(""https://evil.example"",""click"")"`)
    expect(mine).toContain(",'+campaign,")
    expect(mine).toContain(",'@ref,")
    expect(mine).toContain(`,'-secret',`)
    expect(mine).toContain(`,''=already prefixed,`)

    // Short ids are instance-wide: an import keeps them, so here every row is skipped, none renamed.
    const r = await report(mine, '?format=auto', other.key)
    expect(r.format).toBe('hoko')
    expect(r.rejected).toEqual([])
    expect(r.created).toEqual([])
    expect(r.skipped.map((x: any) => x.reason.en)).toContain('shortId: rt-full is already taken')
    expect(await exportCsv(other.key)).not.toContain('rt-full')
  })

  test('round trip into a fresh server: every value comes back as it was', async () => {
    const fresh = await startServer()
    try {
      const mine = await exportCsv()
      const r = await fresh.api('/api/links/import', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: mine }).then((x) => x.json())
      expect(r.rejected).toEqual([])
      expect(r.skipped).toEqual([])
      const theirs = await (await fresh.api('/api/links/export')).text()
      const rows = (csv: string) => rowsOf(csv).map((l) => l.replace(/,[0-9T:.Z-]{24}$/, ''))
      // Exported oldest first on both sides, so the rows line up one to one.
      expect(rows(theirs).slice(1).sort()).toEqual(rows(mine).slice(1).sort())
      const [full] = await (await fresh.api('/api/links?externalId=ext-rt')).json()
      expect(full).toMatchObject({
        title: '=HYPERLINK("https://evil.example","click")',
        description: 'multi\nline, "quoted"',
        utm: { source: 'news', campaign: '+campaign', referral: '@ref' },
        password: "-secret'",
        cloaked: true,
        geo: { SA: 'https://example.com/sa' },
        expiresAt: '2030-01-01T00:00:00.000Z',
      })
    } finally {
      await fresh.stop()
      removeDir(fresh.dir)
    }
  })
})

describe('hostile files: every bad line reported, the good ones imported, nothing else written', () => {
  test('broken quoting, a huge field, Latin-1 bytes, wrong field counts and a formula', async () => {
    const header = 'shortId,url,title\r\n'
    const good = (n: number) => `hz-${n},https://example.com/h${n},ok ${n}\r\n`
    const latin1 = new Uint8Array([...Buffer.from(`hz-5,https://example.com/h5,caf`), 0xe9, ...Buffer.from('\r\n')])
    const parts: (string | Uint8Array)[] = [
      header,
      good(1), // line 2
      'hz-2,https://example.com/h2,say "hi"\r\n', // 3: quote inside an unquoted field
      '"hz-3"x,https://example.com/h3,t\r\n', // 4: text after a closing quote
      `hz-4,https://example.com/h4,${'x'.repeat(70_000)}\r\n`, // 5: a huge field
      latin1, // 6
      'hz-6,https://example.com/h6\r\n', // 7: too few fields
      'hz-7,https://example.com/h7,=cmd|"/c calc"!A1\r\n', // 8: quote in field
      'hz-8,https://example.com/h8,"=cmd|\' /c calc\'!A1"\r\n', // 9: a formula, stored as text
      good(9), // 10
      '"hz-10,https://example.com/h10,never closed\r\n', // 11: unclosed, the rest is not read
      good(11),
    ]
    const body = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))))
    const before = (await links()).length
    const r = await report(new Uint8Array(body))
    expect(r.created.map((c: any) => [c.line, c.shortId])).toEqual([[2, 'hz-1'], [9, 'hz-8'], [10, 'hz-9']])
    const reasons = Object.fromEntries(r.rejected.map((x: any) => [x.line, x.reason.en]))
    expect(reasons).toEqual({
      3: 'a double quote inside an unquoted field (quote the whole field and double the quote: "a ""b"" c")',
      4: 'text after the closing quote of a field (a field in quotes must end at the quote)',
      5: 'a field is longer than 65536 characters',
      6: 'this line is not valid UTF-8 (was the file saved as Latin-1 or Windows-1252? Save it as UTF-8)',
      7: 'has 2 fields, the header has 3',
      8: 'a double quote inside an unquoted field (quote the whole field and double the quote: "a ""b"" c")',
      11: 'a quoted field that starts on this line is never closed; the rest of the file was not read',
    })
    for (const x of r.rejected) expect(x.reason.ar).toMatch(/[\u0600-\u06FF]/)
    // Exactly the reported rows were written.
    expect((await links()).length).toBe(before + 3)
    const formula = (await links()).find((l: any) => l.shortId === 'hz-8')
    expect(formula.title).toBe("=cmd|' /c calc'!A1")
    expect(await exportCsv()).toContain(`\r\nhz-8,https://example.com/h8,'=cmd|' /c calc'!A1,`)
  })

  test('conflicts are skipped and reported; with onConflict=fail nothing is written', async () => {
    const csv = 'shortId,url,externalId\r\ncf-1,https://example.com/1,\r\ncf-2,https://example.com/2,ext-cf\r\n'
    const first = await report(csv)
    expect(first.created).toHaveLength(2)
    const again = await report(`${csv}cf-3,https://example.com/3,ext-cf-3\r\n`.replace('cf-2,', 'cf-2b,'))
    expect(again.created.map((c: any) => c.shortId)).toEqual(['cf-3'])
    expect(again.skipped).toEqual([
      { line: 2, shortId: 'cf-1', reason: { en: 'shortId: cf-1 is already taken', ar: 'shortId: المعرّف cf-1 مستخدم بالفعل' } },
      { line: 3, shortId: 'cf-2b', reason: expect.objectContaining({ en: expect.stringMatching(/^externalId: ext-cf is already used by link /) }) },
    ])
    const before = (await links()).length
    const res = await importCsv('shortId,url\r\ncf-new,https://example.com/new\r\ncf-1,https://example.com/1\r\n', '?onConflict=fail')
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toBe(
      '1 row(s) conflict with existing links (first: line 3, shortId: cf-1 is already taken); nothing was imported (onConflict=fail)',
    )
    expect((await links()).length).toBe(before)
  })

  test("a plan's features and row limit hold for imports", async () => {
    s.cliJson(['workspace', 'create', '--name', 'Free', '--plan', 'free'])
    const free = s.newKey('all', 'free')
    const r = await report('shortId,url,password\r\npw-free,https://example.com/p,secret\r\nok-free,https://example.com/o,\r\n', '', free)
    expect(r.created.map((c: any) => c.shortId)).toEqual(['ok-free'])
    expect(r.rejected[0]).toMatchObject({ line: 2, reason: { en: "Your workspace's plan does not include: passwordProtection" } })
    const rows = Array.from({ length: 1001 }, (_, i) => `lim-${i},https://example.com/${i}`).join('\r\n')
    const res = await importCsv(`shortId,url\r\n${rows}\r\n`, '', free)
    expect(res.status).toBe(400)
    expect(expectBilingual(await res.json()).en).toBe('Your plan allows at most 1000 rows per import; split the file')
  })
})

describe('hoko import links (command line)', () => {
  test('imports a file and prints the report, as text or JSON', async () => {
    const file = join(s.dir, 'cli.csv')
    writeFileSync(file, 'shortId,url,title\ncli-1,https://example.com/c1,From the CLI\ncli-x,not a url,x\n')
    const text = s.cli(['import', 'links', file, '--workspace', 'other'])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('hoko file, 2 rows: 1 created, 0 skipped (already taken), 1 rejected')
    expect(text.stdout).toContain('line 3: rejected: url: must be an absolute http or https URL')
    writeFileSync(file, 'shortId,url,title\ncli-2,https://example.com/c2,Again\n')
    const json = s.cliJson(['import', 'links', file, '--workspace', 'other', '--format', 'hoko', '--on-conflict', 'fail'])
    expect(json).toMatchObject({ format: 'hoko', rows: 1, created: [{ line: 2, shortId: 'cli-2' }], skipped: [], rejected: [] })
    expect(await s.rows("SELECT workspace_id AS w FROM links WHERE short_id = 'cli-2'")).toEqual([{ w: other.id }])
    const bad = s.cli(['import', 'links', file, '--workspace', 'other', '--format', 'csv'])
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim()).toBe('hoko: --format must be auto, hoko, dub, bitly, shlink; got "csv"')
    const missing = s.cli(['import', 'links', join(s.dir, 'nope.csv'), '--workspace', 'other'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('cannot read')
  })
})

describe('GET /api/analytics/export', () => {
  let linkId: string
  let otherLinkId: string
  beforeAll(async () => {
    const [c] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'Clicks' }] })).json()
    const made = await (
      await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com/clicks', collectionId: c.id, shortId: 'clk-a' }, { url: 'https://example.com/other', collectionId: c.id, shortId: 'clk-b' }] })
    ).json()
    ;[linkId, otherLinkId] = made.map((l: any) => l.id)
    await fetch(`${s.url}/clk-a?utm_source=%3Dformula`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows, referer: '@evil.example' } })
    await fetch(`${s.url}/clk-b`, { redirect: 'manual', headers: { 'user-agent': UA.iphone } })
    // 4,500 more, written beside the running server: more than two pages of the stream.
    const [{ id: ws }] = await s.rows<{ id: string }>("SELECT id FROM workspaces WHERE slug = 'default'")
    const clicks = Array.from({ length: 4500 }, (_, i) => ({
      workspaceId: ws, linkId, shortId: 'clk-a', createdAt: Date.parse('2025-01-01T00:00:00Z') + Math.floor(i / 3) * 1000, destination: 'https://example.com/clicks',
    }))
    if (s.databaseUrl) {
      const client = new SQL(s.databaseUrl, { max: 2, bigint: true })
      await new PgClickWriter(pgData(client)).insertAll(clicks.map((c) => blankClick(c)))
      await client.close()
    } else {
      const db = new Database(s.dbPath)
      db.exec('PRAGMA busy_timeout = 5000')
      insertClicks(db, clicks)
      db.close()
    }
  })

  test('NDJSON: every click of the filters, oldest first, one JSON object a line', async () => {
    const res = await s.api(`/api/analytics/export?format=ndjson&linkId=${linkId}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8')
    const lines = (await res.text()).trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(lines).toHaveLength(4501)
    expect(lines.every((c) => c.linkId === linkId)).toBe(true)
    const times = lines.map((c) => Date.parse(c.createdAt))
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(new Set(lines.map((c) => c.id)).size).toBe(4501)
    expect(Object.keys(lines[0])).toEqual(Object.keys((await (await s.api(`/api/analytics?linkId=${linkId}&take=1`)).json())[0]))
  })

  test('CSV: a header, one row per click, formula-like values neutralised; date and partner filters', async () => {
    const res = await s.api('/api/analytics/export?format=csv&startDate=2025-06-01')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    const rows = rowsOf(await res.text())
    expect(rows[0]).toBe(
      'id,linkId,partnerId,visitorId,visitorSessionId,referrer,destination,shortId,domain,externalId,tenantId,browserName,browserVersion,osName,osVersion,deviceType,country,countryCode,city,createdAt,qr,utm_source,utm_medium,utm_campaign,utm_term,utm_content,utm_referral',
    )
    // The two visits above and the one of the Shlink test.
    expect(rows).toHaveLength(4)
    const a = rows.find((r) => r.includes(',clk-a,'))!
    expect(a).toContain(",'@evil.example,")
    expect(a).toContain(",'=formula,")
    const day = rowsOf(await (await s.api('/api/analytics/export?startDate=2025-01-01&endDate=2025-01-01')).text())
    expect(day).toHaveLength(1 + 4500)
    const none = await (await s.api(`/api/analytics/export?format=ndjson&partnerId=${otherLinkId}`)).text()
    expect(none).toBe('')
    const bad = await s.api('/api/analytics/export?startDate=2025-02-01&endDate=2025-01-01')
    expect(bad.status).toBe(400)
    expect(expectBilingual(await bad.json()).en).toBe('endDate: must not be before startDate')
  })
})
