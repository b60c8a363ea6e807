import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrations } from '../drizzle/migrations'
import { migrations as pgMigrations } from '../drizzle-pg/migrations'
import { SCOPES } from '../src/keys/scopes'
import { cli as cliOn, cliJson as cliJsonOn, ENGINE, newPgDatabase, queryRows, removeDir } from './harness'

const dir = mkdtempSync(join(tmpdir(), 'hoko-cli-'))
const db = join(dir, 'nested', 'folders', 'hoko.db')
afterAll(() => removeDir(dir))
// HOKO_TEST_ENGINE=pg: the same commands on a new PostgreSQL database.
let engineEnv: Record<string, string> = {}
beforeAll(async () => {
  if (ENGINE === 'pg') engineEnv = { HOKO_DATABASE_URL: await newPgDatabase() }
})
const cli = (path: string, args: string[], env: Record<string, string> = {}) => cliOn(path, args, { ...engineEnv, ...env })
const cliJson = (path: string, args: string[]) => cliJsonOn(path, args, engineEnv)

function fails(args: string[], message: RegExp) {
  const r = cli(db, args)
  expect(r.code).not.toBe(0)
  expect(r.stdout).toBe('')
  const lines = r.stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(message)
}

describe('hoko command line', () => {
  test.skipIf(ENGINE === 'pg')('migrate creates the database (and its folders) and is idempotent', () => {
    expect(cli(db, ['migrate'])).toMatchObject({ code: 0 })
    expect(cli(db, ['migrate'])).toMatchObject({ code: 0 })
    const sqlite = new Database(db, { readonly: true })
    const tables = sqlite.query("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r: any) => r.name)
    expect(tables).toEqual(expect.arrayContaining(['workspaces', 'api_keys', 'settings', '__drizzle_migrations']))
    expect(sqlite.query('SELECT count(*) AS n FROM __drizzle_migrations').get()).toEqual({ n: migrations.length })
    expect(sqlite.query('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' })
    sqlite.close()
  })

  test.skipIf(ENGINE !== 'pg')('migrate on PostgreSQL (HOKO_DATABASE_URL) creates the tables and is idempotent', async () => {
    expect(cli(db, ['migrate'])).toMatchObject({ code: 0, stdout: 'migrations applied\n' })
    expect(cli(db, ['migrate'])).toMatchObject({ code: 0 })
    const url = engineEnv.HOKO_DATABASE_URL
    const tables = (await queryRows<{ name: string }>(url, "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'")).map((r) => r.name)
    expect(tables).toEqual(expect.arrayContaining(['workspaces', 'api_keys', 'settings', 'click_rows', 'click_rollups']))
    expect(await queryRows(url, 'SELECT count(*) AS n FROM drizzle.__drizzle_migrations')).toEqual([{ n: pgMigrations.length }])
  })

  test('the embedded migrations match drizzle-kit\'s journal (run npm run db:generate after a schema change)', async () => {
    const journal = await Bun.file(`${import.meta.dir}/../drizzle/meta/_journal.json`).json()
    expect(migrations.map((m) => m.tag)).toEqual(journal.entries.map((e: { tag: string }) => e.tag))
    for (const m of migrations) expect(m.sql).toBe(await Bun.file(`${import.meta.dir}/../drizzle/${m.tag}.sql`).text())
  })

  test('workspace create prints the documented JSON', () => {
    const ws = cliJson(db, ['workspace', 'create', '--name', 'Acme Marketing', '--plan', 'pro'])
    expect(Object.keys(ws).sort()).toEqual(['defaultDomainId', 'id', 'name', 'plan', 'rateLimit', 'slug'])
    expect(ws).toMatchObject({ slug: 'acme-marketing', name: 'Acme Marketing', plan: 'pro', rateLimit: 600 })
    expect(ws.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const custom = cliJson(db, ['workspace', 'create', '--name', 'Beta', '--slug', 'beta-1', '--rate-limit', '42'])
    expect(custom).toMatchObject({ slug: 'beta-1', plan: 'unlimited', rateLimit: 42 })
  })

  test('workspace list shows every workspace, as JSON or as text', () => {
    const list = cliJson(db, ['workspace', 'list'])
    expect(list.map((w: any) => w.slug)).toEqual(['acme-marketing', 'beta-1'])
    const text = cli(db, ['workspace', 'list'])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('acme-marketing')
    expect(text.stdout).toContain('beta-1')
  })

  test('key create returns the key once; key list never shows it', () => {
    const k = cliJson(db, ['key', 'create', '--workspace', 'acme-marketing', '--name', 'CI', '--scopes', 'linksRead,tagsWrite'])
    expect(Object.keys(k).sort()).toEqual(['expiresAt', 'id', 'key', 'name', 'scopes'])
    expect(k).toMatchObject({ name: 'CI', scopes: ['linksRead', 'tagsWrite'], expiresAt: null })
    expect(k.key).toMatch(/^hk_[A-Za-z0-9_-]{32,}$/)

    const ws = cliJson(db, ['workspace', 'list'])[0]
    const byId = cliJson(db, ['key', 'create', '--workspace', ws.id, '--name', 'All', '--scopes', 'all', '--expires', '2099-01-01T00:00:00Z'])
    expect(byId.scopes).toEqual([...SCOPES])
    expect(byId.expiresAt).toBe('2099-01-01T00:00:00.000Z')

    const list = cliJson(db, ['key', 'list', '--workspace', 'acme-marketing'])
    expect(list).toHaveLength(2)
    expect(list[0]).toMatchObject({ id: k.id, name: 'CI', scopes: ['linksRead', 'tagsWrite'], revoked: false, lastUsedAt: null })
    expect(k.key.startsWith(list[0].prefix)).toBe(true)
    expect(list[0].prefix.length).toBeLessThan(16)
    for (const field of ['createdAt', 'lastUsedAt', 'expiresAt', 'revoked']) expect(list[0]).toHaveProperty(field)
    const text = cli(db, ['key', 'list', '--workspace', 'acme-marketing'])
    expect(text.stdout).not.toContain(k.key)
    expect(JSON.stringify(list)).not.toContain(k.key)

    const human = cli(db, ['key', 'create', '--workspace', 'beta-1', '--name', 'Human', '--scopes', 'all'])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/hk_[A-Za-z0-9_-]{32,}/)
  })

  test('key revoke marks the key revoked', () => {
    const k = cliJson(db, ['key', 'create', '--workspace', 'beta-1', '--name', 'Temp', '--scopes', 'all'])
    const r = cliJson(db, ['key', 'revoke', k.id])
    expect(r.id).toBe(k.id)
    const listed = cliJson(db, ['key', 'list', '--workspace', 'beta-1']).find((x: any) => x.id === k.id)
    expect(listed.revoked).toBe(true)
    expect(listed.revokedAt).toBe(r.revokedAt)
  })

  test.each([
    [['key', 'create', '--workspace', 'nope', '--name', 'x', '--scopes', 'all'], /unknown workspace "nope"/],
    [['key', 'create', '--workspace', 'beta-1', '--name', 'x', '--scopes', 'linksRead,linksDelete'], /unknown scope "linksDelete"/],
    [['key', 'create', '--workspace', 'beta-1', '--name', 'x', '--scopes', 'all', '--expires', 'tomorrow'], /--expires must be an ISO 8601/],
    [['key', 'create', '--workspace', 'beta-1', '--name', 'x', '--scopes', 'all', '--expires', '2099-02-31T00:00:00Z'], /--expires is not a real date/],
    [['key', 'create', '--workspace', 'beta-1', '--name', 'x', '--scopes', 'all', '--expires', '2001-01-01T00:00:00Z'], /must be in the future/],
    [['key', 'create', '--workspace', 'beta-1', '--scopes', 'all'], /--name is required/],
    [['key', 'create', '--workspace', 'beta-1', '--name', 'x'], /--scopes is required/],
    [['key', 'list'], /--workspace is required/],
    [['key', 'list', '--workspace', 'ghost'], /unknown workspace "ghost"/],
    [['key', 'revoke', '01a2138f-0000-7000-8000-000000000000'], /no API key with id/],
    [['key', 'revoke'], /usage: hoko key revoke ID/],
    [['workspace', 'create', '--name', 'Acme Marketing'], /slug "acme-marketing" already exists/],
    [['workspace', 'create', '--name', 'X', '--slug', 'Bad Slug'], /slug must be/],
    [['workspace', 'create', '--name', 'X', '--plan', 'gold'], /plan must be one of: free, pro, business, unlimited/],
    [['workspace', 'create', '--name', 'X', '--rate-limit', 'lots'], /--rate-limit must be a whole number/],
    [['workspace', 'create', '--name', 'X', '--rate-limit', '0'], /rate limit must be at least 1/],
    [['workspace', 'create'], /--name is required/],
    [['workspace', 'frobnicate'], /unknown command "workspace frobnicate"/],
    [['launch'], /unknown command "launch"/],
    [['key', 'list', '--workspace', 'beta-1', '--colour', 'red'], /Unknown option '--colour'/],
  ])('hoko %p fails with one line on stderr', (args, message) => fails(args as string[], message))

  test('a key revoked twice is an error', () => {
    const k = cliJson(db, ['key', 'create', '--workspace', 'beta-1', '--name', 'Twice', '--scopes', 'all'])
    cliJson(db, ['key', 'revoke', k.id])
    fails(['key', 'revoke', k.id], /already revoked/)
  })

  test('invalid configuration is refused with one line', () => {
    const r = cli(db, ['migrate'], { HOKO_RATE_LIMIT: 'many' })
    expect(r.code).not.toBe(0)
    expect(r.stderr.trim()).toMatch(/^hoko: invalid configuration: HOKO_RATE_LIMIT must be a whole number$/)
  })

  test('--help prints the usage', () => {
    const r = cli(db, ['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('key create --workspace')
  })
})
