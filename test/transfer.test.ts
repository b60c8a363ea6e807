import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { SQL } from 'bun'
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { answerOf } from './fixtures/answer'
import { insertClicks } from './clicks-sql'
import { login } from './endpoints'
import { ENGINE, removeDir, ROOT, startServer, type TestServer, UA } from './harness'
import { postgresAvailable, startPostgres, type PgCluster } from './postgres'

/**
 * `hoko export` and `hoko import` (issue 18): an instance written to NDJSON and loaded into a new
 * database answers every API request exactly as before, and keeps working (new clicks, leads). The
 * source is a SQLite instance (the fixture is a SQLite file) on either test engine; the same file
 * goes into PostgreSQL and comes back out the same.
 */
const FIXTURE = join(ROOT, 'test/fixtures/upgrade')
type Fixture = {
  env: Record<string, string>
  keys: Record<'default' | 'second', string>
  links: { spring: string }
  answers: { key: 'default' | 'second'; path: string }[]
}
const fixture = (await Bun.file(join(FIXTURE, 'answers.json')).json()) as Fixture
const env = { ...fixture.env, HOKO_GEOIP_DB: join(FIXTURE, 'city.mmdb') }
/** The servers of this suite run on their SQLite file, whatever HOKO_TEST_ENGINE says. */
const onSqlite = { ...env, HOKO_DATABASE_URL: undefined }

const dir = mkdtempSync(join(tmpdir(), 'hoko-transfer-'))
afterAll(() => removeDir(dir))
let n = 0
/** A path for a new database (its folder exists, the file does not). */
const newDb = () => join(mkdtempSync(join(dir, `db${++n}-`)), 'hoko.db')

/** The CLI's environment for a SQLite file or a postgres:// URL. */
function envFor(db: string): Record<string, string | undefined> {
  const { HOKO_DATABASE_URL: _, ...inherited } = process.env
  return { ...inherited, ...env, ...(db.startsWith('postgres://') ? { HOKO_DB: join(dir, 'unused.db'), HOKO_DATABASE_URL: db } : { HOKO_DB: db }) }
}

/** Runs the CLI, as a user would, on a SQLite file or a postgres:// URL; resourceUsage gives the process's peak memory. */
function hoko(db: string, args: string[], stdin?: Uint8Array) {
  const r = Bun.spawnSync([process.execPath, 'src/main.ts', ...args], {
    cwd: ROOT,
    env: envFor(db),
    stdin: stdin ?? 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr.toString(), maxRSS: r.resourceUsage.maxRSS }
}
const ok = (r: ReturnType<typeof hoko>) => {
  if (r.code !== 0) throw new Error(`hoko failed (${r.code}): ${r.stderr}`)
  return r
}
const exportTo = (db: string, file: string) => ok(hoko(db, ['export', file]))
const importFrom = (db: string, file: string) => ok(hoko(db, ['import', file]))
/** An export without its header line (exportedAt differs): the rows and the trailer. */
const body = (file: string) => readFileSync(file, 'utf8').split('\n').slice(1).join('\n')
const fileLines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n')
const countOf = (db: string, table: string) => {
  const sqlite = new Database(db, { readonly: true })
  try {
    return (sqlite.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
  } finally {
    sqlite.close()
  }
}

/** The requests compared: every GET the upgrade test replays, and what this suite adds. */
const requests: { key: 'default' | 'second'; path: string }[] = [
  ...fixture.answers.map(({ key, path }) => ({ key, path })),
  ...['/api/members', '/api/invites', '/api/tags?sort=asc&take=1000', '/api/domains?sort=asc&take=1000', '/api/webhooks?sort=asc&take=1000'].map(
    (path) => ({ key: 'default' as const, path }),
  ),
]
async function answers(s: TestServer, cookie: string) {
  const out: unknown[] = []
  for (const r of requests) out.push({ request: `${r.key} ${r.path}`, ...(await answerOf(await s.api(r.path, { key: fixture.keys[r.key] }))) })
  out.push({ request: 'session /api/me', ...(await answerOf(await s.api('/api/me', { key: null, headers: { cookie: `hoko_session=${cookie}` } }))) })
  return out
}

const visit = (s: TestServer, path: string) =>
  fetch(`${s.url}${path}`, { redirect: 'manual', headers: { 'user-agent': UA.iphone, 'x-forwarded-for': '81.2.69.160', referer: 'https://news.example.org/a' } })

let source: TestServer
let sourceFile: string
let before: unknown[]
let cookie: string
let liveFile: string
beforeAll(async () => {
  const dbPath = join(mkdtempSync(join(dir, 'source-')), 'hoko.db')
  copyFileSync(join(FIXTURE, 'hoko.db'), dbPath)
  chmodSync(dbPath, 0o600)
  source = await startServer({ dir: join(dbPath, '..'), env: onSqlite })
  // What the fixture lacks: a dashboard user with a session and an invite, another domain and tag,
  // and clicks made by this version (compact ids, visitor and session ids as bytes).
  const user = { email: 'owner@transfer.test', password: 'transfer-pass-1' }
  ok(hoko(dbPath, ['user', 'create', ...['--email', user.email, '--password', user.password, '--workspace', 'default', '--role', 'owner', '--admin']]))
  cookie = (await login(source, user.email, user.password)).cookie
  ok(hoko(dbPath, ['domain', 'add', 'links.transfer.test', '--workspace', 'default']))
  const api = (path: string, json: unknown) => source.api(path, { method: 'POST', json, key: fixture.keys.default })
  expect((await api('/api/tags', [{ name: 'moved' }])).status).toBe(201)
  expect((await api('/api/invites', [{ role: 'viewer' }])).status).toBe(201)
  for (let i = 0; i < 3; i++) expect((await visit(source, `/spring-sale?i=${i}`)).status).toBe(302)

  // Exported while the server runs and takes clicks: a consistent snapshot all the same.
  liveFile = join(dir, 'live.ndjson')
  const live = Bun.spawn([process.execPath, 'src/main.ts', 'export', liveFile], { cwd: ROOT, env: envFor(dbPath), stderr: 'pipe' })
  while (live.exitCode === null) await visit(source, '/spring-sale?during=export')
  expect(await live.exited).toBe(0)

  // The rollups of the new clicks are counted by the server's thread; wait for them before recording.
  for (let i = 0; i < 100 && countOf(dbPath, 'click_rows') !== countOf(dbPath, 'click_rows WHERE rid <= (SELECT click_rowid FROM rollup_state)'); i++)
    await Bun.sleep(50)
  before = await answers(source, cookie)
  await source.stop()
  sourceFile = join(dir, 'instance.ndjson')
  exportTo(source.dbPath, sourceFile)
}, 60_000)
afterAll(async () => {
  if (source.proc.exitCode === null) await source.stop()
})

describe('hoko export', () => {
  test('writes a header, one line per row of every table, and a trailer with the counts; owner-only', () => {
    const lines = fileLines(sourceFile)
    const header = JSON.parse(lines[0])
    expect(header).toEqual({ format: 'hoko-export', version: 1, schema: expect.stringMatching(/^\d{4}_/), exportedAt: expect.any(String) })
    const { end } = JSON.parse(lines.at(-1)!)
    const sqlite = new Database(source.dbPath, { readonly: true })
    const tables = sqlite
      .query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__drizzle_migrations'")
      .all()
      .map((r: any) => r.name)
    for (const t of tables) expect([t, end[t]]).toEqual([t, (sqlite.query(`SELECT count(*) AS n FROM ${t}`).get() as any).n])
    sqlite.close()
    expect(Object.keys(end).sort()).toEqual(tables.sort())
    expect(lines.length).toBe(2 + Object.values(end as Record<string, number>).reduce((a, b) => a + b, 0))
    for (const t of ['api_keys', 'users', 'sessions', 'invites', 'memberships', 'webhooks', 'domains', 'tags', 'click_rows', 'click_rollups', 'leads', 'commissions'])
      expect([t, end[t] > 0]).toEqual([t, true])
    // Bytes as base64: a click of this version has its nonce and its visitor's ids as bytes.
    const click = lines.map((l) => JSON.parse(l)).find((l) => l.t === 'click_rows' && l.r.nonce !== null)
    expect(click.r.nonce).toEqual({ $b: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) })
    expect(click.r.visitor).toEqual({ $b: expect.any(String) })
    expect(statSync(sourceFile).mode & 0o777).toBe(0o600)
  })

  test('refuses to write over an existing file', () => {
    const r = hoko(source.dbPath, ['export', sourceFile])
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toMatch(/^hoko: .*already exists/)
  })

  test('to stdout with -, the same rows', () => {
    const r = exportTo(source.dbPath, '-')
    expect(r.stdout.toString().split('\n').slice(1).join('\n')).toBe(body(sourceFile))
    expect(r.stderr).toMatch(/^exported \d+ tables, \d+ rows, [\d.]+ MB in [\d.]+ s\n$/)
  })

  test('refuses an integer beyond 2^53 (JSON readers would round it) and leaves no file', () => {
    const db = newDb()
    ok(hoko(db, ['migrate']))
    const sqlite = new Database(db)
    sqlite.query('UPDATE rollup_state SET click_rowid = ?').run(2n ** 60n + 1n)
    sqlite.close()
    const file = join(dir, 'huge.ndjson')
    const r = hoko(db, ['export', file])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('hoko: table rollup_state, row 1, column click_rowid: the integer 1152921504606846977 is beyond 2^53, which JSON cannot carry exactly; nothing exported\n')
    expect(existsSync(file)).toBe(false)
  })

  test('of a running server taking clicks, a consistent snapshot that imports', () => {
    importFrom(newDb(), liveFile)
  })
})

describe('hoko import', () => {
  let target: TestServer
  let imported: string
  let again: string
  beforeAll(async () => {
    imported = newDb()
    const r = importFrom(imported, sourceFile)
    expect(r.stderr).toMatch(/^imported \d+ tables, \d+ rows, [\d.]+ MB in [\d.]+ s\n$/)
    // Before the server runs: serving changes the database (keys' last use).
    again = join(dir, 'again.ndjson')
    exportTo(imported, again)
    target = await startServer({ dir: join(imported, '..'), env: onSqlite })
  }, 30_000)
  afterAll(() => target.stop())

  test('the imported instance answers every request as the exported one did', async () => {
    const after = await answers(target, cookie)
    const changed = after.filter((a, i) => !Bun.deepEquals(a, before[i], true))
    // The first change, in full, then the list.
    expect(changed[0]).toEqual(before[after.indexOf(changed[0])])
    expect(changed.map((a: any) => a.request)).toEqual([])
    expect(after.length).toBe(requests.length + 1)
  }, 30_000)

  test('exporting the imported database gives the same rows', () => {
    expect(body(again)).toBe(body(sourceFile))
  })

  test('new clicks and a lead on the imported database: new ids, counted, attributed', async () => {
    const key = fixture.keys.default
    const summary = async () => (await target.api(`/api/analytics/summary?linkId=${fixture.links.spring}`, { key })).json()
    const was = await summary()
    const res = await visit(target, '/spring-sale?after=import')
    expect(res.status).toBe(302)
    const clickId = new URL(res.headers.get('location')!).searchParams.get('hoko_id')!
    expect(readFileSync(sourceFile, 'utf8')).not.toContain(clickId)
    const lead = await target.api('/api/track/lead', { method: 'POST', key, json: { clickId, eventName: 'Sign up', customerExternalId: 'after-import', customerName: 'After' } })
    expect(lead.status).toBe(201)
    expect((await lead.json()).click).toEqual({ id: clickId })
    expect(await summary()).toEqual({ ...was, clicks: was.clicks + 1, leads: was.leads + 1 })
    const [collection] = await (await target.api('/api/collections?take=1', { key })).json()
    const link = await target.api('/api/links', { method: 'POST', key, json: [{ url: 'https://example.com/after-import', collectionId: collection.id }] })
    expect(link.status).toBe(201)
  })

  test('from stdin with -', () => {
    const db = newDb()
    ok(hoko(db, ['import', '-'], readFileSync(sourceFile)))
    expect(countOf(db, 'workspaces')).toBe(2)
  })
})

describe('hoko import refuses, and writes nothing', () => {
  /** The file's lines changed by `edit`, imported into a new database: the one line on stderr. */
  function refused(edit: (lines: string[]) => string[], message: RegExp, then?: (db: string) => void): void {
    const file = join(dir, `edited-${++n}.ndjson`)
    writeFileSync(file, edit(fileLines(sourceFile)).join('\n') + '\n')
    const db = newDb()
    const r = hoko(db, ['import', file])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)])
    for (const t of ['workspaces', 'links', 'click_rows', 'settings']) expect([t, countOf(db, t)]).toEqual([t, 0])
    then?.(db)
  }
  const rowLine = (lines: string[], table: string) => lines.findIndex((l) => l.startsWith(`{"t":"${table}"`))

  test('a database that is not empty, left as it was', () => {
    const r = hoko(source.dbPath, ['import', sourceFile])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^hoko: the database is not empty \(2 workspace\(s\), 1 user\(s\)\); import into a new HOKO_DB, before its first hoko serve\n$/)
    const check = join(dir, 'check.ndjson')
    exportTo(source.dbPath, check)
    expect(body(check)).toBe(body(sourceFile))
  })

  test('a truncated file (no trailer); the database stays empty, the whole file imports into it afterwards', () =>
    refused((l) => l.slice(0, -1), /^hoko: the file ends at line \d+ without its trailer/, (db) => {
      importFrom(db, sourceFile)
      expect(countOf(db, 'workspaces')).toBe(2)
    }))
  test('a file cut inside a table', () => refused((l) => l.slice(0, Math.floor(l.length / 2)), /without its trailer/))
  test('a corrupt line, by its number', () =>
    refused((l) => {
      l[9] = l[9].slice(0, 20)
      return l
    }, /^hoko: line 10: not valid JSON$/))
  test('an unknown table, by its line number', () => refused((l) => [l[0], '{"t":"secrets","r":{"a":1}}', ...l.slice(1)], /^hoko: line 2: unknown table "secrets"$/))
  test('an unknown column, by its line number', () =>
    refused((l) => {
      const i = rowLine(l, 'links')
      l[i] = l[i].replace('"r":{', '"r":{"owner":"x",')
      return l
    }, /^hoko: line \d+: unknown column "owner" of table links$/))
  test('counts that differ from the trailer', () =>
    refused((l) => l.toSpliced(rowLine(l, 'tags'), 1), /^hoko: table tags: the trailer says \d+ rows, the file has \d+$/))
  test('a row whose reference the file lacks (foreign keys)', () =>
    refused((l) => {
      const end = JSON.parse(l.at(-1)!)
      end.end.workspaces--
      return [...l.slice(0, -1).filter((x) => !x.includes('"slug":"second"')), JSON.stringify(end)]
    }, /^hoko: \d+ row\(s\) refer to rows the file does not have/))
  test('no header', () => refused((l) => l.slice(1), /^hoko: line 1: not a Hoko export/))
  test('another format version', () => refused((l) => [l[0].replace('"version":1', '"version":2'), ...l.slice(1)], /^hoko: line 1: export format version 2/))
  test('a schema newer than this binary', () =>
    refused((l) => [l[0].replace(/"schema":"[^"]+"/, '"schema":"9999_future"'), ...l.slice(1)], /^hoko: the file was exported by a newer Hoko/))
  test('an older schema', () => refused((l) => [l[0].replace(/"schema":"[^"]+"/, '"schema":"0000_init"'), ...l.slice(1)], /^hoko: the file was exported at schema 0000_init/))
  test('a missing file', () => {
    const r = hoko(newDb(), ['import', join(dir, 'nothing.ndjson')])
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/^hoko: cannot read .*nothing\.ndjson/)])
  })
})

describe.skipIf(!postgresAvailable())('into PostgreSQL and back', () => {
  let pg: PgCluster
  let url: string
  let client: SQL
  let fromPg: string
  const pgCount = async (table: string) => Number((await client.unsafe(`SELECT count(*) AS n FROM ${table}`))[0].n)
  beforeAll(async () => {
    pg = await startPostgres()
    url = await pg.createDatabase('hoko')
    client = new SQL(url, { max: 1 })
    const r = importFrom(url, sourceFile)
    expect(r.stderr).toMatch(/^imported \d+ tables, \d+ rows, [\d.]+ MB in [\d.]+ s\n$/)
    fromPg = join(dir, 'from-pg.ndjson')
    exportTo(url, fromPg)
  }, 60_000)
  afterAll(async () => {
    await client?.close()
    await pg?.stop()
  })

  test('exporting the imported PostgreSQL database gives the SQLite export, line for line', () => {
    const header = (file: string) => ({ ...JSON.parse(fileLines(file)[0]), exportedAt: 'any' })
    expect(header(fromPg)).toEqual(header(sourceFile))
    expect(body(fromPg)).toBe(body(sourceFile))
  })

  test('every table holds the rows the file lists', async () => {
    const { end } = JSON.parse(fileLines(sourceFile).at(-1)!)
    expect(Object.keys(end).length).toBeGreaterThan(30)
    for (const [table, n] of Object.entries(end as Record<string, number>)) expect([table, await pgCount(table)]).toEqual([table, n])
  })

  // With the suites on PostgreSQL (HOKO_TEST_ENGINE=pg): it needs every feature of the server on PostgreSQL.
  test.skipIf(ENGINE !== 'pg')('a server on the imported PostgreSQL database answers every request as the SQLite one did', async () => {
    // Its own copy: serving changes the database (keys' last use), which the other tests compare.
    const served = await pg.createDatabase('hoko_served')
    importFrom(served, sourceFile)
    const server = await startServer({ env: { ...env, HOKO_DATABASE_URL: served } })
    try {
      const after = await answers(server, cookie)
      const changed = after.filter((a, i) => !Bun.deepEquals(a, before[i], true))
      expect(changed[0]).toEqual(before[after.indexOf(changed[0])])
      expect(changed.map((a: any) => a.request)).toEqual([])
    } finally {
      await server.stop()
      removeDir(server.dir)
    }
  }, 60_000)

  test('a database that is not empty is refused, and left as it was', () => {
    const r = hoko(url, ['import', sourceFile])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(
      /^hoko: the database is not empty \(2 workspace\(s\), 1 user\(s\)\); import into a new PostgreSQL database \(HOKO_DATABASE_URL\), before its first hoko serve\n$/,
    )
    const check = join(dir, 'check-pg.ndjson')
    exportTo(url, check)
    expect(body(check)).toBe(body(sourceFile))
  })

  test('a row whose reference the file lacks, or a truncated file: nothing imported, the foreign keys kept', async () => {
    const keys = async (db: SQL) => Number((await db`SELECT count(*) AS n FROM pg_constraint WHERE contype = 'f'`)[0].n)
    const lines = fileLines(sourceFile)
    const end = JSON.parse(lines.at(-1)!)
    end.end.workspaces--
    const orphans = join(dir, 'orphans.ndjson')
    writeFileSync(orphans, [...lines.slice(0, -1).filter((x) => !x.includes('"slug":"second"')), JSON.stringify(end)].join('\n') + '\n')
    const truncated = join(dir, 'truncated.ndjson')
    writeFileSync(truncated, lines.slice(0, -1).join('\n') + '\n')
    for (const [file, message] of [[orphans, /^hoko: row\(s\) of table \w+ refer to rows the file does not have/], [truncated, /without its trailer/]] as const) {
      const empty = await pg.createDatabase(`hoko_${++n}`)
      ok(hoko(empty, ['migrate']))
      const db = new SQL(empty, { max: 1 })
      try {
        const before = await keys(db)
        expect(before).toBeGreaterThan(20)
        const r = hoko(empty, ['import', file])
        expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(message)])
        for (const t of ['workspaces', 'links', 'click_rows', 'settings']) expect([t, Number((await db.unsafe(`SELECT count(*) AS n FROM ${t}`))[0].n)]).toEqual([t, 0])
        expect(await keys(db)).toBe(before)
      } finally {
        await db.close()
      }
    }
  }, 30_000)

  test('hoko backup says to use pg_dump', () => {
    const target = join(dir, 'pg-backup.db')
    const r = hoko(url, ['backup', target])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('on PostgreSQL use pg_dump, for example: pg_dump --format=custom --file=hoko.dump "$HOKO_DATABASE_URL"')
    expect(existsSync(target)).toBe(false)
  })

  test('identity sequences continue after the imported ids, and the triggers count again', async () => {
    const identities = (await client.unsafe(
      "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND is_identity = 'YES'",
    )) as { t: string; c: string }[]
    expect(identities.map((i) => i.t)).toContain('click_texts')
    for (const { t, c } of identities) {
      const [{ next, max }] = await client.unsafe(`SELECT nextval(pg_get_serial_sequence('${t}', '${c}')) AS next, (SELECT max(${c}) FROM ${t}) AS max`)
      expect([t, Number(next) > Number(max ?? 0)]).toEqual([t, true])
    }
    const changes = async () => Number((await client`SELECT n FROM link_changes WHERE id = 1`)[0].n)
    const before = await changes()
    await client`UPDATE links SET title = title WHERE id = (SELECT min(id) FROM links)`
    expect(await changes()).toBe(before + 1)
  })
})

describe('constant memory', () => {
  const CLICKS = 80_000
  /** The peak resident memory of one CLI run, in bytes, as GNU time reports it. */
  function peak(db: string, args: string[]): number {
    const report = join(dir, `time-${++n}.txt`)
    const r = Bun.spawnSync(['/usr/bin/time', '-f', '%M', '-o', report, process.execPath, 'src/main.ts', ...args], {
      cwd: ROOT,
      env: envFor(db),
      stdout: 'ignore',
      stderr: 'pipe',
    })
    if (r.exitCode !== 0) throw new Error(`hoko ${args.join(' ')} failed: ${r.stderr}`)
    return Number(readFileSync(report, 'utf8').trim()) * 1024
  }

  test(`export and import of ${CLICKS.toLocaleString('en')} clicks hold far less than the file in memory, on both engines`, async () => {
    const db = newDb()
    ok(hoko(db, ['workspace', 'create', '--name', 'Big']))
    const csv = join(dir, 'one-link.csv')
    writeFileSync(csv, 'shortId,url\nbig,https://example.com/big\n')
    ok(hoko(db, ['import', 'links', csv, '--workspace', 'big']))
    const sqlite = new Database(db, { strict: true })
    const { workspace_id: workspaceId, id: linkId } = sqlite.query('SELECT workspace_id, id FROM links').get() as any
    const start = Date.UTC(2026, 0, 1)
    // Each click with its own long destination (as ad platforms' click ids make them): the file is large.
    const padding = 'x'.repeat(1000)
    for (let batch = 0; batch < CLICKS / 20_000; batch++)
      insertClicks(
        sqlite,
        Array.from({ length: 20_000 }, (_, i) => {
          const k = batch * 20_000 + i
          return {
            workspaceId, linkId, shortId: 'big', createdAt: start + k * 97, destination: `https://example.com/big?gclid=${k}${padding}`,
            referrer: 'https://site.example/page', referrerHost: 'site.example', browserName: 'Chrome',
            osName: 'Android', deviceType: 'mobile', country: 'Germany', countryCode: 'DE', city: 'Berlin', ip: `10.${k % 200}.0.0`,
          }
        }),
      )
    sqlite.close()

    const file = join(dir, 'big.ndjson')
    const baseline = peak(db, ['migrate'])
    const exported = peak(db, ['export', file]) - baseline
    const imported = peak(newDb(), ['import', file]) - baseline
    expect(JSON.parse(fileLines(file).at(-1)!).end.click_rows).toBe(CLICKS)
    // Holding the file, or its rows, would take more than the file's size; streaming takes a fraction.
    const size = statSync(file).size
    const bound = 80 * 1048576
    expect(size).toBeGreaterThan(1.25 * bound)
    expect({ exported: exported < bound, imported: imported < bound }).toEqual({ exported: true, imported: true })
    if (!postgresAvailable()) return
    // PostgreSQL: batches of rows in, a cursor's pages out.
    const pg = await startPostgres()
    try {
      const url = await pg.createDatabase('hoko_big')
      const back = join(dir, 'big-pg.ndjson')
      // The baseline of a command on PostgreSQL: its client, the migrations.
      const pgBaseline = peak(url, ['migrate'])
      const intoPg = peak(url, ['import', file]) - pgBaseline
      const fromPg = peak(url, ['export', back]) - pgBaseline
      expect(fileLines(back).at(-1)).toBe(fileLines(file).at(-1))
      expect(statSync(back).size).toBe(size)
      expect({ intoPg: intoPg < bound, fromPg: fromPg < bound }).toEqual({ intoPg: true, fromPg: true })
    } finally {
      await pg.stop()
    }
  }, 180_000)
})
