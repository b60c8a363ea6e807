/**
 * npm run bench — measures Hoko against the limit of its stack on this machine and prints Markdown
 * tables for BENCHMARKS.md. Every server it starts is stopped and every database removed at the end.
 *
 *   npm run bench                       all sections, full size (10M clicks, 1M links: ~10 minutes)
 *   npm run bench -- --quick            a tenth of the data and shorter load runs
 *   npm run bench -- --only redirect,bulk,analytics,startup,qrload,dashboard
 */
import { existsSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { seedClicks } from './seed'
import {
  api,
  BUN,
  freePort,
  cleanup,
  fmt,
  machine,
  median,
  memoryOf,
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

async function linkSet(h: Hoko, n: number, targeting: boolean): Promise<{ ids: string[]; shortIds: string[] }> {
  const [col] = await api(h, 'POST', '/api/collections', [{ name: 'bench' }])
  const ids: string[] = []
  const shortIds: string[] = []
  for (let done = 0; done < n; done += 10_000) {
    const items = Array.from({ length: Math.min(10_000, n - done) }, (_, i) => ({
      url: `https://shop.example.com/p/${done + i}?ref=bench`,
      collectionId: col.id,
      utm: { source: 'bench', medium: 'cpc' },
      ...(targeting
        ? { ios: 'https://apps.example.com/ios', android: 'https://apps.example.com/android', geo: { SA: 'https://sa.example.com/', GB: 'https://uk.example.com/' } }
        : {}),
    }))
    for (const l of await api(h, 'POST', '/api/links', items)) {
      ids.push(l.id)
      shortIds.push(l.shortId)
    }
  }
  return { ids, shortIds }
}

function clickCount(dbPath: string): number {
  const { Database } = require('bun:sqlite')
  const db = new Database(dbPath, { readonly: true })
  const n = db.query('SELECT count(*) AS n FROM clicks').get().n as number
  db.close()
  return n
}

/** Alternates baseline and Hoko runs; returns the medians and the totals answered. */
async function compare(bareUrl: string, hokoUrl: string, path: string, pathsFile?: string) {
  const bare: WrkResult[] = []
  const hoko: WrkResult[] = []
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(wrk(`${bareUrl}${path}`, { seconds: LOAD_SECONDS, pathsFile }))
    hoko.push(wrk(`${hokoUrl}${path}`, { seconds: LOAD_SECONDS, pathsFile }))
  }
  const m = (rs: WrkResult[], k: keyof WrkResult) => median(rs.map((r) => r[k]))
  return {
    bare: { rps: m(bare, 'rps'), p50: m(bare, 'p50'), p99: m(bare, 'p99') },
    hoko: { rps: m(hoko, 'rps'), p50: m(hoko, 'p50'), p99: m(hoko, 'p99') },
    answered: hoko.reduce((a, r) => a + r.requests - r.non3xx, 0),
    failures: hoko.reduce((a, r) => a + r.non3xx + r.errors, 0),
  }
}

function redirectTable(title: string, r: Awaited<ReturnType<typeof compare>>, recorded: number) {
  say(`## ${title}`)
  say()
  say('| server | requests/s | p50 | p99 |')
  say('| --- | ---: | ---: | ---: |')
  say(`| bare \`Bun.serve\` fixed 302 (baseline) | ${fmt(r.bare.rps)} | ${fmt(r.bare.p50, 2)} ms | ${fmt(r.bare.p99, 2)} ms |`)
  say(`| Hoko redirect with click capture | ${fmt(r.hoko.rps)} | ${fmt(r.hoko.p50, 2)} ms | ${fmt(r.hoko.p99, 2)} ms |`)
  say()
  say(`Ratio Hoko / baseline: **${fmt(r.hoko.rps / r.bare.rps, 2)}×**. Redirects answered: ${fmt(r.answered)}; clicks recorded: ${fmt(recorded)} (${recorded >= r.answered ? `none lost; ${fmt(recorded - r.answered)} more were committed for requests wrk cut off at the end of a run` : `**${fmt(r.answered - recorded)} lost**`}). Failed requests: ${fmt(r.failures)}.`)
  say()
}

let peakUnderLoad = 0

if (run('redirect')) {
  const bare = await startBare(freePort())
  const h = await startHoko({ port: freePort() })
  try {
    const links = await linkSet(h, 1, false)
    await fetch(`${h.url}/${links.shortIds[0]}`, { redirect: 'manual' })
    const before = clickCount(h.dbPath)
    const r = await compare(bare.url, h.url, `/${links.shortIds[0]}`)
    await Bun.sleep(200)
    redirectTable('1. Redirect throughput: one link (cache hit)', r, clickCount(h.dbPath) - before)
    peakUnderLoad = Math.max(peakUnderLoad, memoryOf(h.proc.pid).peak)
  } finally {
    await h.stop()
    await bare.stop()
    cleanup(h.dir)
  }

  const n = quick ? 10_000 : 100_000
  const bare2 = await startBare(freePort())
  const h2 = await startHoko({ port: freePort() })
  try {
    const links = await linkSet(h2, n, true)
    const pathsFile = join(h2.dir, 'paths.txt')
    writeFileSync(pathsFile, links.shortIds.map((s) => `/${s}`).join('\n'))
    const before = clickCount(h2.dbPath)
    const r = await compare(bare2.url, h2.url, '/', pathsFile)
    await Bun.sleep(200)
    redirectTable(`2. Redirect throughput: ${fmt(n)} links hit at random (cache of 10,000: mostly misses), iOS/Android/geo targeting on`, r, clickCount(h2.dbPath) - before)
    peakUnderLoad = Math.max(peakUnderLoad, memoryOf(h2.proc.pid).peak)
  } finally {
    await h2.stop()
    await bare2.stop()
    cleanup(h2.dir)
  }
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

if (run('analytics')) {
  const linkCount = quick ? 100_000 : 1_000_000
  const clickLinks = quick ? 10_000 : 100_000
  const total = quick ? 1_000_000 : 10_000_000
  let h = await startHoko({ port: freePort() })
  const dir = h.dir
  try {
    const seeded = await timeIt(() => linkSet(h, linkCount, false))
    const [partner] = await api(h, 'POST', '/api/partners', [{ name: 'bench partner' }])
    const afterLinks = memoryOf(h.proc.pid)
    const { Database } = require('bun:sqlite')
    const meta = new Database(h.dbPath, { readonly: true })
    const workspaceId = meta.query("SELECT id FROM workspaces WHERE slug = 'default'").get().id as string
    meta.close()
    await h.stop()
    const clicked = seeded.value.ids.slice(0, clickLinks)
    const seeding = await timeIt(async () =>
      seedClicks(h.dbPath, workspaceId, clicked, partner.id, total, 90, (n) => {
        if (n % 1_000_000 === 0) process.stderr.write(`  seeded ${fmt(n)} clicks\n`)
      }),
    )
    const key = h.key
    h = await startHoko({ port: freePort(), dir })
    h.key = key
    // A running server rolls clicks up as they come; a freshly seeded one first catches up.
    const catchUp = await timeIt(async () => {
      for (;;) {
        const db = new Database(h.dbPath, { readonly: true })
        const { mark, last } = db.query('SELECT (SELECT click_rowid FROM rollup_state WHERE id = 1) AS mark, (SELECT max(rowid) FROM clicks) AS last').get()
        db.close()
        if (mark === last) return
        await Bun.sleep(200)
      }
    })
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
    say(`Seeding: ${fmt(linkCount)} links through POST /api/links in ${fmt(seeded.ms / 1000, 1)} s; ${fmt(total)} clicks through the click writer in ${fmt(seeding.ms / 1000, 1)} s (${fmt(total / (seeding.ms / 1000))} clicks/s); the rollup thread of the restarted server then counted them in ${fmt(catchUp.ms / 1000, 1)} s. Database: ${fmt(dbSize / 2 ** 20)} MB.`)
    say()
    say('| query | p50 | p99 |')
    say('| --- | ---: | ---: |')
    say(`| GET /api/analytics?linkId=…&take=50 (200 links) | ${fmt(median(oneLink), 1)} ms | ${fmt(percentile(oneLink, 99), 1)} ms |`)
    say(`| GET /api/analytics, one day's range, take=50, paging | ${fmt(median(range), 1)} ms | ${fmt(percentile(range, 99), 1)} ms |`)
    say(`| GET /api/analytics?partnerId=…&take=50 | ${fmt(median(partnerPage), 1)} ms | ${fmt(percentile(partnerPage, 99), 1)} ms |`)
    say(`| GET /api/analytics/summary (workspace totals) | ${fmt(median(totals))} ms | ${fmt(percentile(totals, 99))} ms |`)
    say(`| GET /api/analytics/summary?groupBy=country | ${fmt(median(byCountry))} ms | ${fmt(percentile(byCountry, 99))} ms |`)
    say(`| GET /api/analytics/summary?groupBy=day | ${fmt(median(byDay))} ms | ${fmt(percentile(byDay, 99))} ms |`)
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

const file = join(ROOT, 'bench-results.md')
writeFileSync(file, out.join('\n') + '\n')
console.error(`\nwritten to ${file}${existsSync(file) ? '' : ''}`)
