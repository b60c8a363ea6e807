/**
 * npm run bench — measures Hoko against the limit of its stack on this machine and prints Markdown
 * tables for BENCHMARKS.md. Every server it starts is stopped and every database removed at the end.
 *
 *   npm run bench                       all sections, full size (10M clicks, 1M links: ~10 minutes)
 *   npm run bench -- --quick            a tenth of the data and shorter load runs
 *   npm run bench -- --only redirect,bulk,storage,analytics,startup,qrload,webhooks,import,dashboard,pg
 */
import { existsSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generator, linkBody, seedAgents, seedClicks, type SeedLink } from './seed'
import {
  api,
  BUN,
  freePort,
  cleanup,
  fmt,
  machine,
  median,
  memoryOf,
  metric,
  percentile,
  ROOT,
  startBare,
  startHoko,
  tempDir,
  timeIt,
  wrk,
  wrkAsync,
  wrkAvailable,
  type Hoko,
  type WrkOptions,
  type WrkResult,
} from './lib'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null
const run = (section: string) => !only || only.includes(section)
const LOAD_SECONDS = quick ? 4 : 10
const ROUNDS = quick ? 2 : 3
const out: string[] = []
const say = (line = '') => {
  console.log(line)
  out.push(line)
}

if (!wrkAvailable() && !(only && only.every((s) => s === 'dashboard'))) {
  console.error('wrk is not installed: apt-get install -y wrk (Debian) — it generates the HTTP load.')
  process.exit(1)
}

say(`# Hoko benchmarks`)
say()
say(`- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`)
say(`- Machine: ${machine()}`)
say(`- Command: \`npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}\``)
say(`- Load: wrk, 2 threads, 64 connections, ${LOAD_SECONDS} s per run, real browser user agents; baseline and Hoko alternate, ${ROUNDS} rounds each, medians reported.`)
say()

// The dashboard's first load, bundled exactly as `npm start` and `npm run build` do: no load generator needed.
if (run('dashboard')) {
  const { dashboardBundle } = await import('../../src/dashboard/assets')
  const t = performance.now()
  const bundle = await dashboardBundle()
  const ms = performance.now() - t
  const BUDGET = 150 * 1024
  let raw = 0
  let gz = 0
  say(`## Dashboard first load`)
  say()
  say('The JS and CSS the /app shell loads (every page is in them), minified, then gzip -9.')
  say()
  say('| file | bytes | gzipped |')
  say('| --- | ---: | ---: |')
  for (const [name, a] of bundle.assets) {
    const z = Bun.gzipSync(a.body, { level: 9 }).length
    raw += a.body.length
    gz += z
    say(`| ${name.replace(/-[a-z0-9]+\./, '-….')} | ${fmt(a.body.length)} | ${fmt(z)} |`)
  }
  say(`| **total** | ${fmt(raw)} | **${fmt(gz)}** (${fmt((gz / BUDGET) * 100, 1)} % of the 150 KB budget) |`)
  say()
  say(`Bundled in ${fmt(ms)} ms (what \`npm start\` adds to its start).`)
  say()
  if (gz > BUDGET) process.exitCode = 1
}

/**
 * Creates n campaign links through the API (seed.ts's linkBody: ~135-character destinations with utm,
 * some with a partner, an externalId, a tenantId), and returns the first `keep` of them as clicks see them.
 */
async function linkSet(h: Hoko, n: number, targeting: boolean, keep = n): Promise<{ ids: string[]; shortIds: string[]; links: SeedLink[] }> {
  const [col] = await api(h, 'POST', '/api/collections', [{ name: 'bench' }])
  const partners = await api(h, 'POST', '/api/partners', Array.from({ length: 20 }, (_, i) => ({ name: `bench partner ${i}` })))
  const partnerIds = partners.map((p: { id: string }) => p.id)
  const g = generator(n)
  const ids: string[] = []
  const shortIds: string[] = []
  const links: SeedLink[] = []
  for (let done = 0; done < n; done += 10_000) {
    const items = Array.from({ length: Math.min(10_000, n - done) }, (_, i) => ({
      ...linkBody(g, done + i, col.id, partnerIds),
      ...(targeting
        ? { ios: 'https://apps.example.com/ios', android: 'https://apps.example.com/android', geo: { SA: 'https://sa.example.com/', GB: 'https://uk.example.com/' } }
        : {}),
    }))
    for (const l of await api(h, 'POST', '/api/links', items)) {
      ids.push(l.id)
      shortIds.push(l.shortId)
      if (links.length < keep)
        links.push({ id: l.id, shortId: l.shortId, url: l.url, utm: l.utm, partnerId: l.partnerId, externalId: l.externalId, tenantId: l.tenantId })
    }
  }
  return { ids, shortIds, links }
}

/** Clicks committed by the server since it started (its own counter, whatever the storage). */
const clicksWritten = (h: Hoko) => metric(h, 'hoko_clicks_written_total')

/** Waits until the server's rollup thread has counted every click (after a seed behind its back). */
async function rollupsCaughtUp(h: Hoko): Promise<void> {
  while ((await metric(h, 'hoko_rollup_lag_clicks')) > 0) await Bun.sleep(200)
}

/**
 * The database's pages in use (page_count − freelist_count, after a checkpoint into the main file) and,
 * when `perObject`, the bytes of each table and index (dbstat). Nothing else may have it open for writing.
 */
function diskUse(dbPath: string, perObject: boolean): { used: number; file: number; objects: Map<string, number> } {
  const { Database } = require('bun:sqlite')
  const db = new Database(dbPath)
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  const one = (sql: string) => Object.values(db.query(sql).get() as object)[0] as number
  const pageSize = one('PRAGMA page_size')
  const used = (one('PRAGMA page_count') - one('PRAGMA freelist_count')) * pageSize
  const objects = new Map<string, number>()
  if (perObject) for (const r of db.query('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as { name: string; bytes: number }[]) objects.set(r.name, r.bytes)
  db.close()
  return { used, file: statSync(dbPath).size, objects }
}

function defaultWorkspace(dbPath: string): string {
  const { Database } = require('bun:sqlite')
  const db = new Database(dbPath, { readonly: true })
  const id = db.query("SELECT id FROM workspaces WHERE slug = 'default'").get().id as string
  db.close()
  return id
}

/** What issue 17's targets table reads, filled by the sections that ran. */
const targets: { measure: string; figure: string; target: string }[] = []

/** Alternates baseline and Hoko runs; returns the medians, each round's ratio and the totals answered. */
async function compare(bareUrl: string, hokoUrl: string, path: string, opts: Omit<WrkOptions, 'seconds'> = {}) {
  const bare: WrkResult[] = []
  const hoko: WrkResult[] = []
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(wrk(`${bareUrl}${path}`, { seconds: LOAD_SECONDS, ...opts }))
    hoko.push(wrk(`${hokoUrl}${path}`, { seconds: LOAD_SECONDS, ...opts }))
  }
  const m = (rs: WrkResult[], k: keyof WrkResult) => median(rs.map((r) => r[k]))
  return {
    bare: { rps: m(bare, 'rps'), p50: m(bare, 'p50'), p99: m(bare, 'p99') },
    hoko: { rps: m(hoko, 'rps'), p50: m(hoko, 'p50'), p99: m(hoko, 'p99') },
    rounds: hoko.map((r, i) => r.rps / bare[i].rps),
    answered: hoko.reduce((a, r) => a + r.requests - r.non3xx, 0),
    failures: hoko.reduce((a, r) => a + r.non3xx + r.errors, 0),
  }
}

let clicksLost = 0

function redirectTable(title: string, r: Awaited<ReturnType<typeof compare>>, recorded: number) {
  say(`## ${title}`)
  say()
  say('| server | requests/s | p50 | p99 |')
  say('| --- | ---: | ---: | ---: |')
  say(`| bare \`Bun.serve\` fixed 302 (baseline) | ${fmt(r.bare.rps)} | ${fmt(r.bare.p50, 2)} ms | ${fmt(r.bare.p99, 2)} ms |`)
  say(`| Hoko redirect with click capture | ${fmt(r.hoko.rps)} | ${fmt(r.hoko.p50, 2)} ms | ${fmt(r.hoko.p99, 2)} ms |`)
  say()
  clicksLost += Math.max(0, r.answered - recorded)
  say(`Ratio Hoko / baseline: **${fmt(r.hoko.rps / r.bare.rps, 2)}×** (rounds: ${r.rounds.map((x) => `${fmt(x, 2)}×`).join(', ')}). Redirects answered: ${fmt(r.answered)}; clicks recorded: ${fmt(recorded)} (${recorded >= r.answered ? `none lost; ${fmt(recorded - r.answered)} more were committed for requests wrk cut off at the end of a run` : `**${fmt(r.answered - recorded)} lost**`}). Failed requests: ${fmt(r.failures)}.`)
  say()
}

let peakUnderLoad = 0

if (run('redirect')) {
  // The seed's few hundred real user agents, picked at random per request.
  const agentsFile = join(tempDir('agents'), 'agents.txt')
  writeFileSync(agentsFile, seedAgents().join('\n'))
  const bare = await startBare(freePort())
  const h = await startHoko({ port: freePort() })
  try {
    const links = await linkSet(h, 1, false)
    await fetch(`${h.url}/${links.shortIds[0]}`, { redirect: 'manual' })
    const before = await clicksWritten(h)
    const r = await compare(bare.url, h.url, `/${links.shortIds[0]}`, { agentsFile })
    await Bun.sleep(200)
    redirectTable('1. Redirect throughput: one link (cache hit), six client addresses', r, (await clicksWritten(h)) - before)
    targets.push({ measure: 'redirect with click capture vs bare `Bun.serve` 302, one link', figure: `${fmt(r.hoko.rps / r.bare.rps, 2)}× (${fmt(r.hoko.rps)} vs ${fmt(r.bare.rps)} req/s)`, target: '≥ 0.6×' })
    targets.push({ measure: 'redirect p99 at 64 connections, one link', figure: `${fmt(r.hoko.p99, 1)} ms (bare: ${fmt(r.bare.p99, 1)} ms)`, target: '< 5 ms' })
    peakUnderLoad = Math.max(peakUnderLoad, memoryOf(h.proc.pid).peak)
  } finally {
    await h.stop()
    await bare.stop()
    cleanup(h.dir)
  }

  // Issue 17's second case in --quick too: with fewer links than the cache holds it would measure hits.
  const n = 100_000
  const bare2 = await startBare(freePort())
  const h2 = await startHoko({ port: freePort() })
  try {
    const links = await linkSet(h2, n, true)
    const pathsFile = join(h2.dir, 'paths.txt')
    writeFileSync(pathsFile, links.shortIds.map((s) => `/${s}`).join('\n'))
    const before = await clicksWritten(h2)
    const r = await compare(bare2.url, h2.url, '/', { pathsFile, agentsFile, randomIp: true })
    await Bun.sleep(200)
    redirectTable(
      `2. Redirect throughput: ${fmt(n)} links hit at random (cache of 10,000: mostly misses), a random client address per request, iOS/Android/geo targeting on`,
      r,
      (await clicksWritten(h2)) - before,
    )
    targets.push({ measure: `same, ${fmt(n)} links at random, random client addresses`, figure: `${fmt(r.hoko.rps / r.bare.rps, 2)}× (${fmt(r.hoko.rps)} vs ${fmt(r.bare.rps)} req/s)`, target: '≥ 0.4×' })
    targets.push({ measure: `redirect p99 at 64 connections, ${fmt(n)} links`, figure: `${fmt(r.hoko.p99, 1)} ms (bare: ${fmt(r.bare.p99, 1)} ms)`, target: '< 5 ms' })
    peakUnderLoad = Math.max(peakUnderLoad, memoryOf(h2.proc.pid).peak)
  } finally {
    await h2.stop()
    await bare2.stop()
    cleanup(h2.dir)
  }
  cleanup(join(agentsFile, '..'))
  targets.push({ measure: 'clicks lost (answered redirects without a committed click, sections 1–2)', figure: fmt(clicksLost), target: '0' })
}

if (run('bulk')) {
  const h = await startHoko({ port: freePort() })
  try {
    const [col] = await api(h, 'POST', '/api/collections', [{ name: 'bulk' }])
    const post: number[] = []
    const put: number[] = []
    const del: number[] = []
    for (let round = 0; round < 3; round++) {
      const items = Array.from({ length: 10_000 }, (_, i) => ({
        url: `https://shop.example.com/p/${round}/${i}?a=1`,
        collectionId: col.id,
        title: `Product ${i}`,
        utm: { source: 'bulk', medium: 'api', campaign: `r${round}` },
        externalId: `bulk-${round}-${i}`,
        tenantId: `tenant-${i % 10}`,
      }))
      const created = await timeIt(() => api(h, 'POST', '/api/links', items))
      post.push(created.ms)
      const updated = await timeIt(() => api(h, 'PUT', '/api/links', created.value.map((l: any) => ({ id: l.id, title: `${l.title} v2`, utm: { campaign: 'updated' } }))))
      put.push(updated.ms)
      const deleted = await timeIt(() => api(h, 'DELETE', '/api/links', created.value.map((l: any) => l.id)))
      del.push(deleted.ms)
    }
    // Baseline: the same 10,000 rows through bun:sqlite alone, one prepared insert in one transaction.
    const { Database } = require('bun:sqlite')
    const dir = tempDir('raw')
    const raw = new Database(join(dir, 'raw.db'))
    raw.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL')
    raw.exec('CREATE TABLE t (id TEXT PRIMARY KEY, short_id TEXT UNIQUE, url TEXT, title TEXT, utm TEXT, external_id TEXT, tenant_id TEXT, created_at INT)')
    const ins = raw.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    const rawMs: number[] = []
    for (let round = 0; round < 3; round++) {
      const t = performance.now()
      raw.transaction(() => {
        for (let i = 0; i < 10_000; i++)
          ins.run(Bun.randomUUIDv7(), `r${round}x${i}`, `https://shop.example.com/p/${i}`, `Product ${i}`, '{"source":"bulk"}', `e${round}-${i}`, 't', Date.now())
      })()
      rawMs.push(performance.now() - t)
    }
    raw.close()
    cleanup(dir)
    say('## 3. Bulk writes: 10,000 links in one request (median of 3, wall time seen by the client)')
    say()
    say('| operation | time |')
    say('| --- | ---: |')
    say(`| POST /api/links, 10,000 links | ${fmt(median(post))} ms |`)
    say(`| PUT /api/links, 10,000 updates | ${fmt(median(put))} ms |`)
    say(`| DELETE /api/links, 10,000 ids | ${fmt(median(del))} ms |`)
    say(`| baseline: 10,000 rows through bun:sqlite alone, one transaction | ${fmt(median(rawMs))} ms |`)
    say()
  } finally {
    await h.stop()
    cleanup(h.dir)
  }
}

if (run('storage')) {
  // Bytes per click: the database's pages in use before and after seeding clicks through the click
  // writer, the restarted server's rollups included, divided by the clicks. Thousands of links, as a team has.
  const linkCount = 5_000
  const total = quick ? 200_000 : 1_000_000
  let h = await startHoko({ port: freePort() })
  const dir = h.dir
  try {
    const { links } = await linkSet(h, linkCount, false)
    const workspaceId = defaultWorkspace(h.dbPath)
    const key = h.key
    await h.stop()
    const before = diskUse(h.dbPath, true)
    const seeding = await timeIt(async () => seedClicks(h.dbPath, workspaceId, links, total, 90))
    const seed = seeding.value
    h = await startHoko({ port: freePort(), dir })
    h.key = key
    const catchUp = await timeIt(() => rollupsCaughtUp(h))
    // The API must see every click the seed wrote (bots aside), wherever the storage keeps them.
    const res = await fetch(`${h.url}/api/analytics?take=1`, { headers: { authorization: `Bearer ${h.key}` } })
    const visible = Number(res.headers.get('x-total-count'))
    await h.stop()
    const after = diskUse(h.dbPath, true)
    const perClick = (after.used - before.used) / total
    const grown = [...after.objects]
      .map(([name, bytes]) => [name, bytes - (before.objects.get(name) ?? 0)] as const)
      .filter(([, bytes]) => Math.abs(bytes) / total >= 0.5)
      .sort((a, b) => b[1] - a[1])
    say(`## Storage: bytes per click (realistic clicks)`)
    say()
    say(
      `${fmt(total)} clicks over ${fmt(linkCount)} links and 90 days, seeded through the click writer in ${fmt(seeding.ms / 1000, 1)} s, then counted by the restarted server's rollup thread in ${fmt(catchUp.ms / 1000, 1)} s. ` +
        `The seed (scripts/bench/seed.ts, deterministic): destinations of ${fmt(seed.destinationChars / total)} characters on average (utm, \`hoko_id\`; ${fmt((seed.ownQuery / total) * 100)} % with query parameters of the click's own), ` +
        `${fmt(seed.agents)} distinct user agents, ${fmt((seed.referrers / total) * 100)} % with a referrer (${fmt(seed.referrerChars / Math.max(1, seed.referrers))} characters on average), ${fmt(seed.visitors)} visitors, ` +
        `${fmt((seed.bots / total) * 100, 1)} % bots, ${fmt((seed.qr / total) * 100, 1)} % QR, ${fmt(seed.cities)} cities in ${fmt(seed.countries)} countries. ` +
        `The API counts ${fmt(visible)} of the ${fmt(total - seed.bots)} human clicks${visible === total - seed.bots ? '' : ' (**mismatch**)'}.`,
    )
    say()
    say('Measured as pages in use (`page_count − freelist_count`, after a checkpoint) after the seed minus before, and per table and index from `dbstat`:')
    say()
    // Rollups are counted apart: they grow with the variety of clicks per day, not with their number.
    const rollups = grown.filter(([name]) => name.includes('rollup')).reduce((a, [, b]) => a + b, 0)
    const clicksOnly = perClick - rollups / total
    say('| table or index | bytes per click |')
    say('| --- | ---: |')
    for (const [name, bytes] of grown) say(`| ${name} | ${fmt(bytes / total, 1)} |`)
    say(`| clicks without the rollups (all pages in use minus the rollup table and index) | ${fmt(clicksOnly, 1)} |`)
    say(`| **all pages in use** | **${fmt(perClick, 1)}** |`)
    say(`| file size (after a checkpoint) | ${fmt((after.file - before.file) / total, 1)} |`)
    say()
    say(`At this rate 10M clicks take ${fmt((perClick * 1e7) / 2 ** 30, 2)} GB (the rollups' share falls as clicks per link and day grow).`)
    say()
    targets.push({ measure: `bytes per click on disk, indexes included, ${fmt(total)} realistic clicks over ${fmt(linkCount)} links: clicks alone / with the rollups`, figure: `${fmt(clicksOnly)} B / ${fmt(perClick)} B`, target: '≤ 150' })
  } finally {
    if (h.proc.exitCode === null) await h.stop()
    cleanup(dir)
  }
}

if (run('analytics')) {
  const linkCount = quick ? 100_000 : 1_000_000
  const clickLinks = quick ? 10_000 : 100_000
  const total = quick ? 1_000_000 : 10_000_000
  let h = await startHoko({ port: freePort() })
  const dir = h.dir
  try {
    const seeded = await timeIt(() => linkSet(h, linkCount, false, clickLinks))
    const partner = { id: seeded.value.links.find((l) => l.partnerId)!.partnerId! }
    const afterLinks = memoryOf(h.proc.pid)
    const workspaceId = defaultWorkspace(h.dbPath)
    await h.stop()
    const clicked = seeded.value.ids.slice(0, clickLinks)
    const empty = diskUse(h.dbPath, true)
    const seeding = await timeIt(async () =>
      seedClicks(h.dbPath, workspaceId, seeded.value.links, total, 90, (n) => {
        if (n % 1_000_000 === 0) process.stderr.write(`  seeded ${fmt(n)} clicks\n`)
      }),
    )
    const key = h.key
    h = await startHoko({ port: freePort(), dir })
    h.key = key
    // A running server rolls clicks up as they come; a freshly seeded one first catches up.
    const catchUp = await timeIt(() => rollupsCaughtUp(h))
    // Logical size (page_count reads through the write-ahead log), so the running server may keep it.
    const full = diskUse(h.dbPath, true)
    const perClick = (full.used - empty.used) / total
    const rollupBytes = [...full.objects].filter(([name]) => name.includes('rollup')).reduce((a, [name, b]) => a + b - (empty.objects.get(name) ?? 0), 0)
    const clicksOnly = perClick - rollupBytes / total
    targets.push({ measure: `bytes per click on disk, indexes included, ${fmt(total)} realistic clicks over ${fmt(clickLinks)} links: clicks alone / with the rollups`, figure: `${fmt(clicksOnly)} B / ${fmt(perClick)} B`, target: '≤ 150' })
    const time = async (path: (i: number) => string, n: number) => {
      const ms: number[] = []
      for (let i = 0; i < n; i++) ms.push((await timeIt(() => api(h, 'GET', path(i)))).ms)
      return ms
    }
    const path = (p: string) => () => p
    const oneLink = await time((i: number) => `/api/analytics?linkId=${clicked[(i * 7919) % clicked.length]}&take=50`, 200)
    const day = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10)
    const range = await time((i: number) => `/api/analytics?startDate=${day}T00:00:00Z&endDate=${day}T23:59:59Z&take=50&skip=${i * 50}`, 50)
    const partnerPage = await time(() => `/api/analytics?partnerId=${partner.id}&take=50`, 20)
    const totals = await time(path('/api/analytics/summary'), 5)
    const byCountry = await time(path('/api/analytics/summary?groupBy=country'), 5)
    const byDay = await time(path('/api/analytics/summary?groupBy=day'), 5)
    const byLinkDay = await time((i: number) => `/api/analytics/summary?linkId=${clicked[i]}&groupBy=day`, 20)
    // The dashboard's filters: a collection and a tag of 100 clicked links, a country, a device.
    const [small] = await api(h, 'POST', '/api/collections', [{ name: 'small' }])
    const [tagged] = await api(h, 'POST', '/api/tags', [{ name: 'bench tag' }])
    await api(h, 'PUT', '/api/links', clicked.slice(0, 100).map((id) => ({ id, collectionId: small.id, tagIds: [tagged.id] })))
    const byCountryFilter = await time(path('/api/analytics/summary?country=SA'), 5)
    const byCountryDay = await time(path('/api/analytics/summary?country=SA&groupBy=day'), 5)
    const byCountryDevice = await time(path('/api/analytics/summary?country=SA&groupBy=device'), 3)
    const byCollectionDay = await time(path(`/api/analytics/summary?collectionId=${small.id}&groupBy=day`), 5)
    const byTagCountry = await time(path(`/api/analytics/summary?tagId=${tagged.id}&groupBy=country`), 5)
    const countryPage = await time((i: number) => `/api/analytics?country=SA,AE&device=mobile&take=50&skip=${i * 50}`, 20)
    const linksPage = await time((i: number) => `/api/links?take=50&skip=${i * 50}`, 20)
    const linksSearch = await time((i: number) => `/api/links?search=p/${1000 + i}1&take=50`, 20)
    const mem = memoryOf(h.proc.pid)
    const dbSize = statSync(h.dbPath).size
    say(`## 4. Analytics over ${fmt(total)} clicks (${fmt(clickLinks)} links, 90 days; ${fmt(linkCount)} links in all)`)
    say()
    say(`Seeding: ${fmt(linkCount)} links through POST /api/links in ${fmt(seeded.ms / 1000, 1)} s; ${fmt(total)} clicks through the click writer in ${fmt(seeding.ms / 1000, 1)} s (${fmt(total / (seeding.ms / 1000))} clicks/s); the rollup thread of the restarted server then counted them in ${fmt(catchUp.ms / 1000, 1)} s. Database: ${fmt(dbSize / 2 ** 20)} MB; the clicks added ${fmt((full.used - empty.used) / 2 ** 20)} MB of pages in use, **${fmt(perClick)} bytes per click** with their indexes and the rollups, ${fmt(clicksOnly)} without the rollups (the realistic seed of seed.ts, see the storage section).`)
    say()
    say('| query | p50 | p99 |')
    say('| --- | ---: | ---: |')
    say(`| GET /api/analytics?linkId=…&take=50 (200 links) | ${fmt(median(oneLink), 1)} ms | ${fmt(percentile(oneLink, 99), 1)} ms |`)
    say(`| GET /api/analytics, one day's range, take=50, paging | ${fmt(median(range), 1)} ms | ${fmt(percentile(range, 99), 1)} ms |`)
    say(`| GET /api/analytics?partnerId=…&take=50 | ${fmt(median(partnerPage), 1)} ms | ${fmt(percentile(partnerPage, 99), 1)} ms |`)
    say(`| GET /api/analytics/summary (workspace totals) | ${fmt(median(totals))} ms | ${fmt(percentile(totals, 99))} ms |`)
    say(`| GET /api/analytics/summary?groupBy=country | ${fmt(median(byCountry))} ms | ${fmt(percentile(byCountry, 99))} ms |`)
    say(`| GET /api/analytics/summary?groupBy=day | ${fmt(median(byDay))} ms | ${fmt(percentile(byDay, 99))} ms |`)
    targets.push({ measure: `analytics page for one link, p99 at ${fmt(total)} clicks`, figure: `${fmt(percentile(oneLink, 99), 1)} ms`, target: '≤ 5 ms' })
    targets.push({ measure: `summary by country at ${fmt(total)} clicks, p99`, figure: `${fmt(percentile(byCountry, 99), 1)} ms`, target: '≤ 5 ms' })
    say(`| GET /api/analytics/summary?linkId=…&groupBy=day | ${fmt(median(byLinkDay), 1)} ms | ${fmt(percentile(byLinkDay, 99), 1)} ms |`)
    say(`| GET /api/analytics/summary?country=SA (rollups) | ${fmt(median(byCountryFilter))} ms | ${fmt(percentile(byCountryFilter, 99))} ms |`)
    say(`| GET /api/analytics/summary?country=SA&groupBy=day (rollups) | ${fmt(median(byCountryDay))} ms | ${fmt(percentile(byCountryDay, 99))} ms |`)
    say(`| GET /api/analytics/summary?country=SA&groupBy=device (clicks table) | ${fmt(median(byCountryDevice))} ms | ${fmt(percentile(byCountryDevice, 99))} ms |`)
    say(`| GET /api/analytics/summary?collectionId=…&groupBy=day (100 links) | ${fmt(median(byCollectionDay), 1)} ms | ${fmt(percentile(byCollectionDay, 99), 1)} ms |`)
    say(`| GET /api/analytics/summary?tagId=…&groupBy=country (100 links) | ${fmt(median(byTagCountry), 1)} ms | ${fmt(percentile(byTagCountry, 99), 1)} ms |`)
    say(`| GET /api/analytics?country=SA,AE&device=mobile&take=50, paging, with X-Total-Count | ${fmt(median(countryPage), 1)} ms | ${fmt(percentile(countryPage, 99), 1)} ms |`)
    say(`| GET /api/links?take=50, paging, with X-Total-Count (${fmt(linkCount)} links) | ${fmt(median(linksPage), 1)} ms | ${fmt(percentile(linksPage, 99), 1)} ms |`)
    say(`| GET /api/links?search=…&take=50 (${fmt(linkCount)} links) | ${fmt(median(linksSearch), 1)} ms | ${fmt(percentile(linksSearch, 99), 1)} ms |`)
    say()
    say('## 5. Memory (resident set of the server process)')
    say()
    say('| moment | peak RSS |')
    say('| --- | ---: |')
    say(`| after creating ${fmt(linkCount)} links through the API | ${fmt(afterLinks.peak)} MB |`)
    say(`| restarted on ${fmt(linkCount)} links and ${fmt(total)} clicks, after the analytics queries | ${fmt(mem.peak)} MB |`)
    if (peakUnderLoad) say(`| under redirect load (sections 1–2) | ${fmt(peakUnderLoad)} MB |`)
    say()
  } finally {
    await h.stop()
    cleanup(dir)
  }
}

if (run('startup')) {
  const build = Bun.spawnSync(['npm', 'run', 'build'], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' })
  if (build.exitCode !== 0) throw new Error('npm run build failed')
  const bin = join(ROOT, 'dist', 'hoko')
  const fresh: number[] = []
  const existing: number[] = []
  const dir = tempDir('startup')
  for (let i = 0; i < 10; i++) {
    for (const [list, sub] of [[fresh, `fresh-${i}`], [existing, 'existing']] as const) {
      const dbPath = join(dir, sub, 'hoko.db')
      const t = performance.now()
      const port = freePort()
      const proc = Bun.spawn([bin, 'serve'], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', HOKO_DB: dbPath }, stdout: 'ignore', stderr: 'inherit' })
      for (;;) {
        try {
          if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) break
        } catch {}
        await Bun.sleep(1)
      }
      list.push(performance.now() - t)
      proc.kill('SIGTERM')
      await proc.exited
    }
  }
  // Baseline: the bare server from section 1, started the same way through the same Bun.
  const bareStarts: number[] = []
  for (let i = 0; i < 10; i++) {
    const port = freePort()
    const t = performance.now()
    const proc = Bun.spawn([BUN, join(import.meta.dir, 'bare.ts'), String(port)], { stdout: 'ignore', stderr: 'inherit' })
    for (;;) {
      try {
        await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' })
        break
      } catch {}
      await Bun.sleep(1)
    }
    bareStarts.push(performance.now() - t)
    proc.kill('SIGTERM')
    await proc.exited
  }
  cleanup(dir)
  say('## 6. Start-up of the single binary (median of 10)')
  say()
  say('| case | start to first 200 on /healthz |')
  say('| --- | ---: |')
  say(`| \`dist/hoko serve\`, new database (migrations, first key) | ${fmt(median(fresh))} ms |`)
  say(`| \`dist/hoko serve\`, existing database | ${fmt(median(existing))} ms |`)
  say(`| baseline: \`bun bare.ts\` to its first answer | ${fmt(median(bareStarts))} ms |`)
  say()
  say(`Size of \`dist/hoko\`: ${fmt(statSync(bin).size / 2 ** 20)} MB (the Bun runtime included).`)
  say()
}

if (run('qrload')) {
  // The heaviest QR code anyone may ask for, each one new (no cache hit): a 1024 px PNG of 500 characters at L.
  const LOOPS = 8
  const h = await startHoko({ port: freePort(), env: { HOKO_KEYLESS_RATE_LIMIT: '0' } })
  try {
    const links = await linkSet(h, 1, false)
    const path = `/${links.shortIds[0]}`
    await fetch(`${h.url}${path}`, { redirect: 'manual' })
    const quiet = await wrkAsync(`${h.url}${path}`, { seconds: LOAD_SECONDS, connections: 16 })
    let drawing = true
    let drawn = 0
    let failed = 0
    let n = 0
    const loop = async () => {
      while (drawing) {
        const text = encodeURIComponent(`https://go.example.com/${n++}`.padEnd(500, 'x'))
        const res = await fetch(`${h.url}/qrcode?text=${text}&size=1024&format=png&errorCorrection=L`)
        await res.arrayBuffer()
        if (res.status === 200) drawn++
        else failed++
      }
    }
    const loops = Array.from({ length: LOOPS }, loop)
    await Bun.sleep(500)
    const t = performance.now()
    const before = drawn
    const loaded = await wrkAsync(`${h.url}${path}`, { seconds: LOAD_SECONDS, connections: 16 })
    const perSecond = ((drawn - before) * 1000) / (performance.now() - t)
    drawing = false
    await Promise.all(loops)
    say(`## 7. Redirect latency while QR codes are drawn`)
    say()
    say(`wrk, 16 connections, ${LOAD_SECONDS} s, one link; meanwhile ${LOOPS} clients of this script each ask for a new 1024 px PNG of 500 characters (the heaviest allowed, never a cache hit), one after another.`)
    say()
    say('| redirect | requests/s | p50 | p99 |')
    say('| --- | ---: | ---: | ---: |')
    say(`| alone | ${fmt(quiet.rps)} | ${fmt(quiet.p50, 2)} ms | ${fmt(quiet.p99, 2)} ms |`)
    say(`| while ${LOOPS} heavy QR codes are in flight | ${fmt(loaded.rps)} | ${fmt(loaded.p50, 2)} ms | ${fmt(loaded.p99, 2)} ms |`)
    say()
    say(`QR codes drawn meanwhile: ${fmt(perSecond, 1)} per second (${fmt(failed)} failed). Redirects failed: ${fmt(quiet.non3xx + quiet.errors + loaded.non3xx + loaded.errors)}.`)
    say()
  } finally {
    await h.stop()
    cleanup(h.dir)
  }
}

if (run('webhooks')) {
  // A local receiver answering 204 at once: what is measured is Hoko's side of the delivery.
  let received = 0
  const receiver = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      await req.arrayBuffer()
      received++
      return new Response(null, { status: 204 })
    },
  })
  const h = await startHoko({ port: freePort(), env: { HOKO_WEBHOOK_ALLOW_PRIVATE: '1' } })
  try {
    const links = await linkSet(h, 1, false)
    const path = `/${links.shortIds[0]}`
    await fetch(`${h.url}${path}`, { redirect: 'manual' })
    const { Database } = require('bun:sqlite')
    const db = new Database(h.dbPath, { readonly: true })
    const pending = () => db.query("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'pending'").get().n as number
    // wrkAsync: this process must stay free to answer as the receiver while wrk runs.
    const runs = async (n: number) => {
      const out: WrkResult[] = []
      for (let i = 0; i < n; i++) out.push(await wrkAsync(`${h.url}${path}`, { seconds: LOAD_SECONDS }))
      return out
    }
    const none = await runs(ROUNDS)
    // A webhook of another event type: a subscriber, but not to clicks.
    await api(h, 'POST', '/api/webhooks', [{ url: `http://127.0.0.1:${receiver.port}/links`, events: ['link.created'] }])
    const other = await runs(ROUNDS)
    await api(h, 'POST', '/api/webhooks', [{ url: `http://127.0.0.1:${receiver.port}/clicks`, events: ['link.clicked'] }])
    const clicksBefore = await clicksWritten(h)
    const t = performance.now()
    const subscribed = await runs(ROUNDS)
    const loadMs = performance.now() - t
    const backlogAtEnd = pending()
    const deliveredDuringLoad = received
    // Drain: how long the worker needs to send what the load left behind (at most 2 minutes).
    const drainStart = performance.now()
    while (pending() > 0 && performance.now() - drainStart < 120_000) await Bun.sleep(100)
    const drainMs = performance.now() - drainStart
    const left = pending()
    db.close()
    const clicks = (await clicksWritten(h)) - clicksBefore
    const m = (rs: WrkResult[], k: keyof WrkResult) => median(rs.map((r) => r[k]))
    const row = (label: string, rs: WrkResult[]) => say(`| ${label} | ${fmt(m(rs, 'rps'))} | ${fmt(m(rs, 'p50'), 2)} ms | ${fmt(m(rs, 'p99'), 2)} ms |`)
    say('## 8. Redirect throughput with webhooks')
    say()
    say(`wrk, 2 threads, 64 connections, one link, ${ROUNDS} runs of ${LOAD_SECONDS} s each, medians; the receiver is a local \`Bun.serve\` answering 204.`)
    say()
    say('| webhooks | requests/s | p50 | p99 |')
    say('| --- | ---: | ---: | ---: |')
    row('none', none)
    row('one, subscribed to link.created only', other)
    row('one subscribed to link.clicked (an outbox row per click)', subscribed)
    say()
    say(
      `With the click subscriber: ${fmt(clicks)} clicks, so ${fmt(clicks)} deliveries queued in ${fmt(loadMs / 1000, 1)} s; ` +
        `${fmt(deliveredDuringLoad)} were delivered during the load (${fmt((deliveredDuringLoad * 1000) / loadMs)}/s), ` +
        `**${fmt(backlogAtEnd)} were still waiting** when it stopped. ` +
        (left === 0
          ? `The backlog drained in ${fmt(drainMs / 1000, 1)} s after the load (${fmt((backlogAtEnd * 1000) / Math.max(drainMs, 1))} deliveries/s with the redirect idle).`
          : `${fmt(left)} were still waiting 2 minutes after the load.`) +
        ` The worker sends at most 4 at a time: at this click rate the webhooks ${backlogAtEnd > deliveredDuringLoad ? 'do not keep up; the outbox holds the rest, durably, and catches up once the load stops' : 'keep up'}.`,
    )
    say()
  } finally {
    await h.stop()
    receiver.stop(true)
  }
}

if (run('import')) {
  // A Dub export of 100,000 links (the API's limit per file on the larger plans), with titles and tags.
  const ROWS = quick ? 10_000 : 100_000
  const lines = ['Link ID,Short link,Destination URL,Title,Description,Clicks,Created at,Updated at,Tags,Archived']
  for (let i = 0; i < ROWS; i++)
    lines.push(`link_${i},https://dub.sh/imp-${i},https://example.com/products/${i}?ref=dub,"Product ${i}, imported",,${i % 97},2024-03-01T10:00:00.000Z,2024-03-01T10:00:00.000Z,"tag-${i % 20}, all",false`)
  const csv = `${lines.join('\r\n')}\r\n`
  const h = await startHoko({ port: freePort() })
  try {
    const api = await timeIt(async () => {
      const res = await fetch(`${h.url}/api/links/import`, { method: 'POST', headers: { authorization: `Bearer ${h.key}`, 'content-type': 'text/csv' }, body: csv })
      return { status: res.status, report: (await res.json()) as { created: unknown[]; rejected: unknown[] } }
    })
    if (api.value.status !== 200 || api.value.report.created.length !== ROWS) throw new Error(`import answered ${api.value.status}`)
    const exported = await timeIt(async () => (await fetch(`${h.url}/api/links/export`, { headers: { authorization: `Bearer ${h.key}` } })).text())
    const file = join(h.dir, 'again.csv')
    writeFileSync(file, csv.replaceAll('dub.sh/imp-', 'dub.sh/cli-'))
    const t = performance.now()
    const cli = Bun.spawnSync([BUN, join(ROOT, 'src/main.ts'), 'import', 'links', file, '--workspace', 'default', '--json'], {
      env: { ...process.env, HOKO_DB: h.dbPath },
      stdout: 'pipe',
      stderr: 'inherit',
    })
    const cliMs = performance.now() - t
    const cliCreated = (JSON.parse(cli.stdout.toString()) as { created: unknown[] }).created.length
    say('## 8. CSV import and export')
    say()
    say(`A Dub export of ${fmt(ROWS)} links (${fmt(csv.length / 2 ** 20, 1)} MB, a title and two tags each), into an empty workspace.`)
    say()
    say('| operation | time | rows/s |')
    say('| --- | ---: | ---: |')
    say(`| \`POST /api/links/import\` (parse, check, write, report) | ${fmt(api.ms)} ms | ${fmt((ROWS * 1000) / api.ms)} |`)
    say(`| \`hoko import links\` (same file, new codes; process start included) | ${fmt(cliMs)} ms | ${fmt((cliCreated * 1000) / cliMs)} |`)
    say(`| \`GET /api/links/export\` of the ${fmt(ROWS * 2)} links, streamed | ${fmt(exported.ms)} ms | ${fmt((ROWS * 2 * 1000) / exported.ms)} |`)
    say()
  } finally {
    await h.stop()
    cleanup(h.dir)
  }
}

// Issue 18: the same redirect on PostgreSQL, with one instance and with two behind no balancer (two wrk,
// one per instance, half the connections each), next to SQLite in the same run. Private PostgreSQL and
// Redis on free ports, as the tests start them.
if (run('pg')) {
  const { postgresAvailable, startPostgres } = await import('../../test/postgres')
  const { haveRedis, startRedis } = await import('../../test/redis')
  if (!postgresAvailable() || !haveRedis) {
    say('## 9. Redirects on PostgreSQL')
    say()
    say('Skipped: PostgreSQL (initdb) or redis-server is not installed.')
    say()
  } else {
    const pg = await startPostgres()
    const redis = await startRedis()
    const agentsFile = join(tempDir('agents'), 'agents.txt')
    writeFileSync(agentsFile, seedAgents().join('\n'))
    const rows: { name: string; rps: number; p99: number; answered: number; stored: number }[] = []
    /** Clicks stored, counted in the database itself: the instances' own counters are per process. */
    const stored = async (h: Hoko, url?: string) => {
      if (!url) {
        const { Database } = require('bun:sqlite')
        const db = new Database(h.dbPath, { readonly: true })
        try {
          return (db.query('SELECT count(*) AS n FROM click_rows').get() as { n: number }).n
        } finally {
          db.close()
        }
      }
      const c = new Bun.SQL(url, { max: 1 })
      try {
        return Number((await c`SELECT count(*) AS n FROM click_rows`)[0].n)
      } finally {
        await c.close()
      }
    }
    const one = async (name: string, env: Record<string, string>, url?: string) => {
      const h = await startHoko({ port: freePort(), env })
      try {
        const links = await linkSet(h, 1, false)
        const path = `/${links.shortIds[0]}`
        await fetch(`${h.url}${path}`, { redirect: 'manual' })
        const before = await stored(h, url)
        const runs = Array.from({ length: ROUNDS }, () => wrk(`${h.url}${path}`, { seconds: LOAD_SECONDS, agentsFile }))
        await Bun.sleep(300)
        rows.push({
          name,
          rps: median(runs.map((r) => r.rps)),
          p99: median(runs.map((r) => r.p99)),
          answered: runs.reduce((a, r) => a + r.requests - r.non3xx, 0),
          stored: (await stored(h, url)) - before,
        })
      } finally {
        await h.stop()
        cleanup(h.dir)
      }
    }
    try {
      await one('SQLite, one instance (the default)', {})
      const url1 = await pg.createDatabase('bench_one')
      await one('PostgreSQL, one instance', { HOKO_DATABASE_URL: url1 }, url1)
      // Two instances on one database and one Redis.
      const url2 = await pg.createDatabase('bench_two')
      const env = { HOKO_DATABASE_URL: url2, HOKO_REDIS_URL: redis.url }
      const a = await startHoko({ port: freePort(), env })
      const b = await startHoko({ port: freePort(), env })
      try {
        const links = await linkSet(a, 1, false)
        const path = `/${links.shortIds[0]}`
        for (const h of [a, b]) await fetch(`${h.url}${path}`, { redirect: 'manual' })
        const before = await stored(a, url2)
        const runs: WrkResult[][] = []
        for (let round = 0; round < ROUNDS; round++)
          runs.push(await Promise.all([a, b].map((h) => wrkAsync(`${h.url}${path}`, { seconds: LOAD_SECONDS, agentsFile, connections: 32 }))))
        await Bun.sleep(300)
        rows.push({
          name: 'PostgreSQL, two instances + Redis (32 connections each)',
          rps: median(runs.map((pair) => pair[0].rps + pair[1].rps)),
          p99: median(runs.map((pair) => Math.max(pair[0].p99, pair[1].p99))),
          answered: runs.flat().reduce((n, r) => n + r.requests - r.non3xx, 0),
          stored: (await stored(a, url2)) - before,
        })
      } finally {
        await a.stop()
        await b.stop()
        cleanup(a.dir)
        cleanup(b.dir)
      }
    } finally {
      await redis.stop()
      await pg.stop()
      cleanup(join(agentsFile, '..'))
    }
    say('## 9. Redirects on PostgreSQL (issue 18)')
    say()
    say(
      'One link (cache hit), every click committed before the answer, on each engine in the same run. PostgreSQL 15 and ' +
        'Redis are private instances on this machine (fsync off for the throwaway cluster: commits still wait for the server), ' +
        'sharing its 2 cores with wrk and the instances, so the two-instance figure shows correctness under load more than scaling.',
    )
    say()
    say('| setup | requests/s | p99 | vs SQLite | answered | clicks stored |')
    say('| --- | ---: | ---: | ---: | ---: | ---: |')
    for (const r of rows)
      say(`| ${r.name} | ${fmt(r.rps)} | ${fmt(r.p99, 1)} ms | ${fmt(r.rps / rows[0].rps, 2)}× | ${fmt(r.answered)} | ${fmt(r.stored)}${r.stored < r.answered ? ' (**lost some**)' : ''} |`)
    say()
  }
}

if (targets.length) {
  say('## Issue 17 targets')
  say()
  say('| measure | this run | target |')
  say('| --- | ---: | --- |')
  for (const t of targets) say(`| ${t.measure} | ${t.figure} | ${t.target} |`)
  say()
}

const file = join(ROOT, 'bench-results.md')
writeFileSync(file, out.join('\n') + '\n')
console.error(`\nwritten to ${file}${existsSync(file) ? '' : ''}`)
