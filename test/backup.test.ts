import { afterAll, beforeAll, expect, test } from 'bun:test'
import { Database } from 'bun:sqlite'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ENGINE, removeDir, startServer, type TestServer, UA } from './harness'

let s: TestServer
beforeAll(async () => {
  s = await startServer()
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

// `hoko backup` copies the SQLite file: on PostgreSQL it points to pg_dump (last test).
test.skipIf(ENGINE === 'pg')('hoko backup copies the database consistently while the server is under load', async () => {
  const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'backup' }] })).json()
  const links = await (
    await s.api('/api/links', { method: 'POST', json: Array.from({ length: 500 }, (_, i) => ({ url: `https://example.com/${i}`, collectionId: col.id })) })
  ).json()

  // Redirects and link writes keep going while the copy is taken.
  let running = true
  const load = (async () => {
    for (let i = 0; running; i++) {
      await fetch(`${s.url}/${links[i % links.length].shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })
      if (i % 20 === 0) await s.api('/api/links', { method: 'POST', json: [{ url: `https://example.com/more/${i}`, collectionId: col.id }] })
    }
  })()
  await Bun.sleep(200)
  const target = join(s.dir, 'copy.db')
  const proc = Bun.spawn([process.execPath, 'src/main.ts', 'backup', target, '--json'], {
    cwd: join(import.meta.dir, '..'),
    env: { ...process.env, HOKO_DB: s.dbPath },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  expect(await proc.exited).toBe(0)
  const out = JSON.parse(await new Response(proc.stdout).text())
  running = false
  await load
  expect(out.path).toBe(target)
  expect(out.bytes).toBeGreaterThan(0)

  const copy = new Database(target, { readonly: true })
  expect(copy.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
  expect((copy.query('SELECT count(*) AS n FROM links').get() as { n: number }).n).toBeGreaterThanOrEqual(500)
  expect((copy.query('SELECT count(*) AS n FROM clicks').get() as { n: number }).n).toBeGreaterThan(0)
  expect((copy.query('SELECT count(*) AS n FROM api_keys').get() as { n: number }).n).toBe(1)
  copy.close()

  // The copy is a working database: a server starts on it and the first key still works.
  const restored = await startServer({ env: { HOKO_DB: target } })
  try {
    const res = await fetch(`${restored.url}/api/links?take=1`, { headers: { authorization: `Bearer ${s.key}` } })
    expect(res.status).toBe(200)
  } finally {
    await restored.stop()
    removeDir(restored.dir)
  }
})

test.skipIf(ENGINE === 'pg')('hoko backup refuses to overwrite a file or to write into a missing folder', () => {
  for (const [target, message] of [
    [s.dbPath, /already exists/],
    [join(s.dir, 'no', 'such', 'copy.db'), /does not exist/],
  ] as const) {
    const r = s.cli(['backup', target])
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toMatch(message)
  }
  expect(s.cli(['backup']).stderr).toContain('usage: hoko backup PATH')
})

test.skipIf(ENGINE !== 'pg')('on PostgreSQL, hoko backup refuses and says to use pg_dump', () => {
  const target = join(s.dir, 'copy.db')
  const r = s.cli(['backup', target])
  expect(r.code).toBe(2)
  expect(r.stderr).toMatch(/^hoko: hoko backup copies the SQLite file; on PostgreSQL use pg_dump, for example: pg_dump --format=custom/)
  expect(existsSync(target)).toBe(false)
})
