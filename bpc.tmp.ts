import { openDatabase, runMigrations } from './src/db'
import { ClickWriter } from './src/clicks/writer'
import { ClickStore } from './src/clicks/store'
const path = `/tmp/bpc/${Date.now()}.db`
const db = openDatabase(path)
runMigrations(db)
const c = db.$client
const size = () => (c.query('PRAGMA page_count').get() as any).page_count * 4096
c.exec('PRAGMA wal_checkpoint(TRUNCATE)')
const before = size()
const w = new ClickWriter(c)
let seed = 7
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
const links = Array.from({ length: 5000 }, (_, i) => ({ id: crypto.randomUUID(), short: `s${i}x${Math.floor(rand() * 1e6)}`, url: `https://shop.example.com/products/category-${i % 50}/item-${i}?utm_source=newsletter&utm_medium=email&utm_campaign=black-friday-2026&ref=partner${i % 20}` }))
const N = 200_000
const ws = crypto.randomUUID()
const visitors: string[] = []
let t = Date.now() - 30 * 86400000
for (let b = 0; b < N / 10000; b++) {
  const rows: any[] = []
  for (let i = 0; i < 10000; i++) {
    t += Math.floor(rand() * 20)
    const l = links[Math.floor(rand() ** 2 * links.length)]
    const id = w.store.newId(t)
    const vid = rand() < 0.3 && visitors.length ? visitors[Math.floor(rand() * visitors.length)] : Bun.randomUUIDv7('base64url')
    visitors.push(vid); if (visitors.length > 5000) visitors.shift()
    const ref = rand() < 0.4 ? null : ['https://www.google.com/', 'https://t.co/', 'https://www.facebook.com/', `https://blog${Math.floor(rand() * 300)}.example.org/posts/${Math.floor(rand() * 2000)}`][Math.floor(rand() * 4)]
    rows.push({ id: id.id, rid: id.rid, workspaceId: ws, linkId: l.id, shortId: l.short, domain: '', partnerId: null, externalId: null, tenantId: null, createdAt: Math.floor(id.rid / 1024),
      destination: `${l.url}&hoko_id=${id.id}`, referrer: ref, referrerHost: ref ? new URL(ref).hostname : null, utm: rand() < 0.5 ? '{"source":"newsletter","medium":"email","campaign":"black-friday-2026"}' : null,
      visitorId: vid, visitorSessionId: Bun.randomUUIDv7('base64url'), browserName: ['Chrome', 'Safari', 'Firefox', 'Edge'][Math.floor(rand() * 4)], browserVersion: `${100 + Math.floor(rand() * 30)}.0.${Math.floor(rand() * 9000)}`,
      osName: ['Windows', 'iOS', 'Android', 'Mac OS'][Math.floor(rand() * 4)], osVersion: `${Math.floor(rand() * 17)}`, deviceType: rand() < 0.5 ? 'mobile' : null, language: ['en-US', 'ar-SA', 'de-DE', 'fr-FR'][Math.floor(rand() * 4)],
      country: 'Country', countryCode: ['US', 'SA', 'DE', 'FR', 'GB'][Math.floor(rand() * 5)], city: `City${Math.floor(rand() * 3000)}`, qr: rand() < 0.1 ? 1 : 0, bot: rand() < 0.02 ? 1 : 0,
      ip: `${Math.floor(rand() * 223)}.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}.0` })
  }
  w.insertAll(rows)
}
c.exec('PRAGMA wal_checkpoint(TRUNCATE)')
const after = size()
console.log('bytes/click', ((after - before) / N).toFixed(1))
try { console.log(c.query("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 12").all().map((r: any) => `${r.name}: ${(r.bytes / N).toFixed(1)}`).join('\n')) } catch (e) { console.log('no dbstat', String(e)) }
