import { expect, test } from 'bun:test'
import { removeDir, startServer, type TestServer } from './harness'

/** SQLite's own check of the file after the crash (PostgreSQL recovers by its WAL, nothing to check by hand). */
function expectIntact(s: TestServer) {
  const db = s.sql()
  try {
    expect(db.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
  } finally {
    db.close()
  }
}

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

    const again = await startServer({ dir: s.dir, env: { HOKO_DATABASE_URL: s.databaseUrl } })
    try {
      if (again.engine === 'sqlite') expectIntact(again)
      const stored = new Set((await again.rows<{ id: string }>('SELECT id FROM clicks')).map((r) => r.id))
      const missing = answered.filter((id) => !stored.has(id))
      expect(missing).toEqual([])
    } finally {
      await again.stop()
    }
  } finally {
    if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL')
    removeDir(s.dir)
  }
}, 120_000)

test('kill -9 under mixed load: every answered write is there, no batch half-written', async () => {
  const s = await startServer()
  try {
    const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'mixed' }] })).json()
    const [link] = await (await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com', collectionId: col.id }] })).json()
    const answered = { clicks: [] as string[], batches: [] as string[], leads: [] as string[], sales: [] as string[] }
    let dead = false
    const loop = async (work: (i: number) => Promise<void>) => {
      for (let i = 0; !dead; i++) {
        try {
          await work(i)
        } catch {
          return
        }
      }
    }
    const redirects = () =>
      loop(async () => {
        const res = await fetch(`${s.url}/${link.shortId}`, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 Firefox/120.0' } })
        if (res.status === 302) answered.clicks.push(new URL(res.headers.get('location')!).searchParams.get('hoko_id')!)
      })
    const batches = (n: number) =>
      loop(async (i) => {
        const tag = `b${n}-${i}`
        const res = await s.api('/api/links', {
          method: 'POST',
          json: Array.from({ length: 25 }, (_, j) => ({ url: `https://example.com/${tag}/${j}`, collectionId: col.id, externalId: `${tag}-${j}` })),
        })
        if (res.status === 201) answered.batches.push(tag)
      })
    const conversions = (n: number) =>
      loop(async (i) => {
        const clickId = answered.clicks[answered.clicks.length - 1]
        if (!clickId) return void (await Bun.sleep(5))
        const customer = `c${n}-${i}`
        const lead = await s.api('/api/track/lead', { method: 'POST', json: { clickId, eventName: 'Sign up', customerExternalId: customer, customerName: 'C' } })
        if (lead.status === 201) answered.leads.push(customer)
        const sale = await s.api('/api/track/sale', { method: 'POST', json: { customerExternalId: customer, customerName: 'C', amount: 100 } })
        if (sale.status === 201) answered.sales.push(customer)
      })
    const load = Promise.all([...[0, 1, 2, 3, 4, 5, 6, 7].map(redirects), batches(0), batches(1), conversions(0), conversions(1)])
    while (answered.clicks.length < 1000 || answered.batches.length < 10 || answered.sales.length < 10) await Bun.sleep(20)
    s.proc.kill('SIGKILL')
    await s.proc.exited
    dead = true
    await load

    const again = await startServer({ dir: s.dir, env: { HOKO_DATABASE_URL: s.databaseUrl } })
    try {
      if (again.engine === 'sqlite') expectIntact(again)
      const clickIds = new Set((await again.rows<{ id: string }>('SELECT id FROM clicks')).map((r) => r.id))
      expect(answered.clicks.filter((id) => !clickIds.has(id))).toEqual([])
      // Each batch of 25 links is all there or not there at all.
      const counts = new Map<string, number>()
      for (const { external_id } of await again.rows<{ external_id: string }>('SELECT external_id FROM links WHERE external_id IS NOT NULL')) {
        const tag = external_id.slice(0, external_id.lastIndexOf('-'))
        counts.set(tag, (counts.get(tag) ?? 0) + 1)
      }
      for (const [, n] of counts) expect(n).toBe(25)
      for (const tag of answered.batches) expect(counts.get(tag)).toBe(25)
      const customersWithLead = new Set((await again.rows<{ e: string }>('SELECT c.external_id AS e FROM leads l JOIN customers c ON c.id = l.customer_id')).map((r) => r.e))
      const customersWithSale = new Set((await again.rows<{ e: string }>('SELECT c.external_id AS e FROM sales s JOIN customers c ON c.id = s.customer_id')).map((r) => r.e))
      expect(answered.leads.filter((c) => !customersWithLead.has(c))).toEqual([])
      expect(answered.sales.filter((c) => !customersWithSale.has(c))).toEqual([])
    } finally {
      await again.stop()
    }
  } finally {
    if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL')
    removeDir(s.dir)
  }
}, 120_000)
