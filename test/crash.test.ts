import { expect, test } from 'bun:test'
import { removeDir, startServer } from './harness'

test('kill -9 under redirect load loses no click whose redirect was answered', async () => {
  const s = await startServer()
  try {
    const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'crash' }] })).json()
    const links = await (
      await s.api('/api/links', {
        method: 'POST',
        json: Array.from({ length: 20 }, (_, i) => ({ url: `https://example.com/${i}`, collectionId: col.id })),
      })
    ).json()

    // 32 concurrent visitors click until the server dies; every 302 they get is a click that must exist.
    const answered: string[] = []
    let dead = false
    const visitor = async (n: number) => {
      for (let i = 0; !dead && i < 100_000; i++) {
        try {
          const res = await fetch(`${s.url}/${links[(n + i) % links.length].shortId}`, {
            redirect: 'manual',
            headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0' },
          })
          if (res.status === 302) answered.push(new URL(res.headers.get('location')!).searchParams.get('hoko_id')!)
        } catch {
          return // connection refused or reset: the server is gone
        }
      }
    }
    const load = Promise.all(Array.from({ length: 32 }, (_, n) => visitor(n)))
    while (answered.length < 2000) await Bun.sleep(20)
    s.proc.kill('SIGKILL')
    await s.proc.exited
    dead = true
    await load
    expect(answered.length).toBeGreaterThanOrEqual(2000)

    const again = await startServer({ dir: s.dir })
    try {
      const db = again.sql()
      expect(db.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
      const stored = new Set((db.query('SELECT id FROM clicks').all() as { id: string }[]).map((r) => r.id))
      db.close()
      const missing = answered.filter((id) => !stored.has(id))
      expect(missing).toEqual([])
    } finally {
      await again.stop()
    }
  } finally {
    removeDir(s.dir)
  }
}, 120_000)
