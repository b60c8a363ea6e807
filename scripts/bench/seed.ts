import { Database } from 'bun:sqlite'
import type { ClickRow } from '../../src/clicks/row'
import { ClickWriter } from '../../src/clicks/writer'

const BROWSERS: [string, string, string, string, string][] = [
  ['Chrome', '120.0', 'Windows', '10', 'desktop'],
  ['Mobile Safari', '17.1', 'iOS', '17.1', 'mobile'],
  ['Chrome', '120.0', 'Android', '14', 'mobile'],
  ['Safari', '17.1', 'Mac OS', '10.15.7', 'desktop'],
  ['Firefox', '121.0', 'Windows', '10', 'desktop'],
  ['Mobile Safari', '17.1', 'iOS', '17.1', 'tablet'],
]
const COUNTRIES: [string, string, string][] = [
  ['US', 'United States', 'New York'],
  ['SA', 'Saudi Arabia', 'Riyadh'],
  ['GB', 'United Kingdom', 'London'],
  ['DE', 'Germany', 'Berlin'],
  ['AE', 'United Arab Emirates', 'Dubai'],
  ['EG', 'Egypt', 'Cairo'],
  ['IN', 'India', 'Mumbai'],
  ['FR', 'France', 'Paris'],
]
const REFERRERS = [null, 'https://www.google.com/', 'https://t.co/x', 'https://www.facebook.com/', 'https://news.ycombinator.com/']
const SOURCES = [null, '{"source":"google","medium":"cpc","campaign":"winter"}', '{"source":"newsletter","medium":"email"}', '{"source":"twitter"}']

/**
 * Seeds `total` clicks over `linkIds`, spread over the last `days` days, through the project's own
 * click writer, 20,000 rows a transaction. Deterministic (a fixed-seed generator).
 */
export function seedClicks(
  dbPath: string,
  workspaceId: string,
  linkIds: string[],
  partnerId: string,
  total: number,
  days: number,
  onProgress?: (n: number) => void,
) {
  const db = new Database(dbPath, { strict: true })
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec('PRAGMA synchronous = NORMAL')
  const writer = new ClickWriter(db)
  let seed = 42
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]
  const now = Date.now()
  const span = days * 86_400_000
  const batchSize = 20_000
  for (let done = 0; done < total; ) {
    const n = Math.min(batchSize, total - done)
    // Time-ordered within a batch, batches spread over the whole period: like a live server's inserts.
    const start = now - span + Math.floor((done / total) * span)
    const rows: ClickRow[] = new Array(n)
    for (let i = 0; i < n; i++) {
      const link = linkIds[Math.floor(rand() * linkIds.length)]
      const [browser, bv, os, ov, device] = pick(BROWSERS)
      const [code, country, city] = pick(COUNTRIES)
      const referrer = pick(REFERRERS)
      const createdAt = start + Math.floor((i / n) * (span / (total / batchSize)))
      rows[i] = {
        id: Bun.randomUUIDv7('hex', createdAt),
        workspaceId,
        linkId: link,
        shortId: link.slice(-7),
        domain: '',
        partnerId: rand() < 0.2 ? partnerId : null,
        externalId: null,
        tenantId: rand() < 0.5 ? 'tenant-a' : 'tenant-b',
        createdAt,
        destination: 'https://example.com/landing?hoko_id=x',
        referrer,
        referrerHost: referrer ? new URL(referrer).hostname : null,
        utm: pick(SOURCES),
        visitorId: `v${Math.floor(rand() * 1e9)}`,
        visitorSessionId: `s${Math.floor(rand() * 1e9)}`,
        browserName: browser,
        browserVersion: bv,
        osName: os,
        osVersion: ov,
        deviceType: device,
        language: 'en-US',
        country,
        countryCode: code,
        city,
        qr: rand() < 0.1 ? 1 : 0,
        bot: rand() < 0.02 ? 1 : 0,
        ip: '203.0.113.0',
      }
    }
    writer.insertAll(rows)
    done += n
    onProgress?.(done)
  }
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  db.close()
}
