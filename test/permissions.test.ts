import { afterAll, expect, test } from 'bun:test'
import { chmodSync, existsSync, mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ENGINE, removeDir, ROOT, startServer } from './harness'

// Under the umask most shells and service managers use, which leaves new files readable by all.
const withUmask022 = (...args: string[]) => ['sh', '-c', `umask 022; exec "$0" src/main.ts ${args.join(' ')}`, process.execPath]
const mode = (path: string) => `0${(statSync(path).mode & 0o777).toString(8)}`

const dir = mkdtempSync(join(tmpdir(), 'hoko-perm-'))
afterAll(() => removeDir(dir))

// The modes of SQLite's files: PostgreSQL keeps its own (HOKO_TEST_ENGINE=pg skips these).
const sqliteTest = test.skipIf(ENGINE === 'pg')

sqliteTest('the data folder, database, -wal, -shm and a backup are owner-only under umask 022', async () => {
  const data = join(dir, 'data')
  const dbPath = join(data, 'nested', 'hoko.db')
  const s = await startServer({ dir, env: { HOKO_DB: dbPath }, command: withUmask022('serve') })
  try {
    const res = await s.api('/api/collections', { method: 'POST', json: [{ name: 'private' }] })
    expect(res.status).toBe(201)
    expect(existsSync(`${dbPath}-wal`)).toBe(true)
    expect(existsSync(`${dbPath}-shm`)).toBe(true)
    expect([data, join(data, 'nested')].map(mode)).toEqual(['0700', '0700'])
    expect([dbPath, `${dbPath}-wal`, `${dbPath}-shm`].map(mode)).toEqual(['0600', '0600', '0600'])

    const target = join(dir, 'copy.db')
    const backup = Bun.spawnSync(withUmask022('backup', '"$1"', '--json').concat(target), {
      cwd: ROOT,
      env: { ...process.env, HOKO_DB: dbPath },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    expect(backup.stderr.toString()).toBe('')
    expect(JSON.parse(backup.stdout.toString()).path).toBe(target)
    expect(mode(target)).toBe('0600')
  } finally {
    await s.stop()
  }
})

sqliteTest('a command that creates the database (hoko migrate) makes it owner-only too', () => {
  const dbPath = join(dir, 'cli', 'hoko.db')
  const r = Bun.spawnSync(withUmask022('migrate'), { cwd: ROOT, env: { ...process.env, HOKO_DB: dbPath }, stderr: 'pipe' })
  expect(r.exitCode).toBe(0)
  expect([join(dir, 'cli'), dbPath].map(mode)).toEqual(['0700', '0600'])
})

sqliteTest('files an older Hoko left readable are tightened at start, with a warning naming them', async () => {
  const dbPath = join(dir, 'old', 'hoko.db')
  const first = await startServer({ dir, env: { HOKO_DB: dbPath } })
  expect((await first.api('/api/collections', { method: 'POST', json: [{ name: 'old' }] })).status).toBe(201)
  // A crash leaves the -wal and -shm behind, as they were.
  first.proc.kill('SIGKILL')
  await first.proc.exited
  const files = [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]
  for (const f of files) chmodSync(f, 0o644)

  const s = await startServer({ dir, env: { HOKO_DB: dbPath }, command: withUmask022('serve'), stderr: 'pipe' })
  try {
    expect(files.map(mode)).toEqual(['0600', '0600', '0600'])
    expect((await s.api('/api/collections', { key: first.key })).status).toBe(200)
  } finally {
    await s.stop()
  }
  const warnings = (await new Response(s.proc.stderr as ReadableStream).text())
    .split('\n')
    .filter((l) => l.includes('readable by others'))
    .map((l) => JSON.parse(l))
  expect(warnings.map((w) => [w.level, w.path, w.from, w.to])).toEqual(files.map((f) => ['warn', f, '0644', '0600']))
})
