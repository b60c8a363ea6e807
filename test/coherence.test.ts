import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { openStorage } from '../src/db/open'
import { COHERENCE_MS, LinkCache } from '../src/redirect/cache'
import { removeDir, startServer, type TestServer, UA } from './harness'

// Two servers on one SQLite file (or PostgreSQL database), and an operator's sqlite3 shell (or
// another client) beside them: a link written by one process is followed by the others within a
// second, though each keeps its own link cache.

let a: TestServer
let b: TestServer
let collectionId: string

beforeAll(async () => {
  a = await startServer()
  b = await startServer({ dir: a.dir, env: a.databaseUrl ? { HOKO_DATABASE_URL: a.databaseUrl } : {} })
  collectionId = (await (await a.api('/api/collections', { method: 'POST', json: [{ name: 'Coherence' }] })).json())[0].id
})
afterAll(async () => {
  await b.stop()
  await a.stop()
  removeDir(a.dir)
})

async function link(url: string) {
  const res = await a.api('/api/links', { method: 'POST', json: [{ url, collectionId }] })
  expect(res.status).toBe(201)
  return (await res.json())[0]
}

const visit = (s: TestServer, shortId: string) =>
  fetch(`${s.url}/${shortId}`, { redirect: 'manual', headers: { 'user-agent': UA.chromeWindows } })

const target = (res: Response) => {
  const location = res.headers.get('location')
  return location && `${new URL(location).origin}${new URL(location).pathname}`
}

/** Visits until `seen` holds, for up to a second; returns the last answer. */
async function visitUntil(s: TestServer, shortId: string, seen: (res: Response) => boolean): Promise<Response> {
  const deadline = Date.now() + 1000
  for (;;) {
    const res = await visit(s, shortId)
    await res.arrayBuffer()
    if (seen(res) || Date.now() >= deadline) return res
    await Bun.sleep(20)
  }
}

/**
 * Runs SQL in the sqlite3 shell, a separate process, as an operator would while the servers run; on
 * PostgreSQL, on a connection of this test process's own.
 */
async function shell(sql: string) {
  if (a.databaseUrl) return void (await a.rows(sql))
  const r = Bun.spawnSync(['sqlite3', '-cmd', '.timeout 5000', a.dbPath, sql], { stdout: 'pipe', stderr: 'pipe' })
  if (r.exitCode !== 0) throw new Error(`sqlite3 failed: ${r.stderr.toString()}`)
}

describe('a link written through one server', () => {
  test('a new destination set through A is followed by B, which had the old one cached', async () => {
    const l = await link('https://old.example.com/a')
    expect(target(await visit(b, l.shortId))).toBe('https://old.example.com/a')
    const put = await a.api('/api/links', { method: 'PUT', json: [{ id: l.id, url: 'https://new.example.com/a' }] })
    expect(put.status).toBe(200)
    const res = await visitUntil(b, l.shortId, (r) => target(r) === 'https://new.example.com/a')
    expect(res.status).toBe(302)
    expect(target(res)).toBe('https://new.example.com/a')
  })

  test('a password added through A makes B ask for it instead of redirecting', async () => {
    const l = await link('https://secret.example.com/')
    expect((await visit(b, l.shortId)).status).toBe(302)
    expect((await a.api('/api/links', { method: 'PUT', json: [{ id: l.id, password: 'launch' }] })).status).toBe(200)
    const res = await visitUntil(b, l.shortId, (r) => r.status !== 302)
    expect(res.status).toBe(200)
    expect(res.headers.get('location')).toBeNull()
    expect(await (await visit(b, l.shortId)).text()).toContain('password')
  })

  test('a link deleted through A is a 404 on B', async () => {
    const l = await link('https://gone.example.com/')
    expect((await visit(b, l.shortId)).status).toBe(302)
    expect((await a.api('/api/links', { method: 'DELETE', json: [l.id] })).status).toBe(200)
    expect((await visitUntil(b, l.shortId, (r) => r.status === 404)).status).toBe(404)
  })

  test('each server still follows its own writes at once', async () => {
    const l = await link('https://own.example.com/1')
    expect(target(await visit(a, l.shortId))).toBe('https://own.example.com/1')
    await a.api('/api/links', { method: 'PUT', json: [{ id: l.id, url: 'https://own.example.com/2' }] })
    expect(target(await visit(a, l.shortId))).toBe('https://own.example.com/2')
  })
})

describe('link writes through both servers at once', () => {
  // Each server checks that a short id or externalId is free, then writes: the two must not both pass
  // the check (one write transaction at a time on SQLite, a lock of link writes on PostgreSQL).
  const race = (item: Record<string, unknown>) =>
    Promise.all([a, b].map((s) => s.api('/api/links', { method: 'POST', key: a.key, json: [{ url: 'https://race.example.com/', collectionId, ...item }] })))

  test('the same short id asked of both: one link, and the other is told it is taken', async () => {
    for (let round = 0; round < 5; round++) {
      const shortId = `race-${round}-${crypto.randomUUID().slice(0, 8)}`
      const answers = await race({ shortId })
      expect(answers.map((r) => r.status).sort()).toEqual([201, 400])
      expect((await answers.find((r) => r.status === 400)!.json()).error.en).toBe(`links[0].shortId: ${shortId} is already taken`)
      expect(await a.rows('SELECT count(*) AS n FROM links WHERE short_id = ?', [shortId])).toEqual([{ n: 1 }])
    }
  })

  test('the same externalId asked of both: one link, and the other is told it is taken', async () => {
    for (let round = 0; round < 5; round++) {
      const externalId = `race-${crypto.randomUUID()}`
      const answers = await race({ externalId })
      expect(answers.map((r) => r.status).sort()).toEqual([201, 400])
      expect((await answers.find((r) => r.status === 400)!.json()).error.en).toStartWith(`links[0].externalId: ${externalId} `)
      expect(await a.rows('SELECT count(*) AS n FROM links WHERE external_id = ?', [externalId])).toEqual([{ n: 1 }])
    }
  })
})

describe('a link written by another process on the file', () => {
  test('a destination changed in the sqlite3 shell is followed by both servers', async () => {
    const l = await link('https://shell.example.com/before')
    expect(target(await visit(a, l.shortId))).toBe('https://shell.example.com/before')
    expect(target(await visit(b, l.shortId))).toBe('https://shell.example.com/before')
    await shell(`UPDATE links SET url = 'https://shell.example.com/after' WHERE id = '${l.id}'`)
    for (const s of [a, b]) {
      const res = await visitUntil(s, l.shortId, (r) => target(r) === 'https://shell.example.com/after')
      expect(target(res)).toBe('https://shell.example.com/after')
    }
  })

  test('a link removed in the sqlite3 shell is a 404 on both servers', async () => {
    const l = await link('https://shell.example.com/removed')
    expect((await visit(a, l.shortId)).status).toBe(302)
    expect((await visit(b, l.shortId)).status).toBe(302)
    await shell(`DELETE FROM links WHERE id = '${l.id}'`)
    for (const s of [a, b]) expect((await visitUntil(s, l.shortId, (r) => r.status === 404)).status).toBe(404)
  })
})

describe('what drops a cache', () => {
  test('clicks and rollups committed by a server keep the cache; a link write by it drops it', async () => {
    const storage = await openStorage({ dbPath: a.dbPath, databaseUrl: a.databaseUrl })
    try {
      const kept = await link('https://kept.example.com/')
      const changed = await link('https://changed.example.com/before')
      const cache = new LinkCache(storage.data, 100)
      const first = (await cache.get('', kept.shortId))!
      expect((await cache.get('', changed.shortId))!.url).toBe('https://changed.example.com/before')
      // Server A commits clicks, and its rollup thread their counts, on connections other than this one.
      for (let i = 0; i < 5; i++) expect((await visit(a, kept.shortId)).status).toBe(302)
      await Bun.sleep(1500)
      expect(await cache.get('', kept.shortId)).toBe(first)
      await Bun.sleep(COHERENCE_MS + 50)
      expect(await cache.get('', kept.shortId)).toBe(first)

      await a.api('/api/links', { method: 'PUT', json: [{ id: changed.id, url: 'https://changed.example.com/after' }] })
      await Bun.sleep(COHERENCE_MS + 50)
      expect((await cache.get('', changed.shortId))!.url).toBe('https://changed.example.com/after')
      expect(await cache.get('', kept.shortId)).not.toBe(first)
    } finally {
      await storage.close()
    }
  })
})

describe('clicks on both servers at once', () => {
  test('every redirect is answered, and its click is stored under the id its destination names', async () => {
    // Each server makes click ids from the clock and a sequence of its own, so within one millisecond
    // both make the same ones: the writer gives a taken one the next free rowid and a new id, and the
    // redirect answers with that id (src/clicks/store.ts, insert).
    const l = await link('https://both.example.com/landing')
    const burst = async (s: TestServer) => {
      const ids: string[] = []
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let i = 0; i < 25; i++) {
            const res = await visit(s, l.shortId)
            await res.arrayBuffer()
            expect(res.status).toBe(302)
            ids.push(new URL(res.headers.get('location')!).searchParams.get('hoko_id')!)
          }
        }),
      )
      return ids
    }
    const ids = (await Promise.all([burst(a), burst(b)])).flat()
    expect(ids.length).toBe(800)
    expect(new Set(ids).size).toBe(800)
    const stored = await a.rows<{ id: string; destination: string }>('SELECT id, destination FROM clicks WHERE link_id = ?', [l.id])
    expect(stored.length).toBe(800)
    expect(new Set(stored.map((c) => c.id))).toEqual(new Set(ids))
    for (const c of stored) expect(c.destination).toBe(`https://both.example.com/landing?hoko_id=${c.id}`)
  })
})
