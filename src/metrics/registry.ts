import { statSync } from 'node:fs'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import pkg from '../../package.json'
import type { ClickSink } from '../clicks/writer'
import type { Data } from '../db/data'
import type { RateLimiter, SlidingWindowLimiter } from '../http/rate-limit'
import type { LinkCache } from '../redirect/cache'
import type { Decision } from '../redirect/decide'

/** The parts of the app (see src/context.ts) that keep counts of their own, read when scraped. */
export type MetricSources = {
  data: Data
  config: { dbPath: string }
  links: LinkCache
  limiter: RateLimiter
  keylessLimiter: SlidingWindowLimiter
  clicks: { writer: ClickSink }
}

type Labels = Record<string, string>
/** A scrape-time reading: one value, or one per label set. */
type Reading = number | [Labels, number][]

const API_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

/**
 * The Prometheus registry of one app (prom-client). The redirect's counts are plain numbers on
 * plain objects, incremented for nothing measurable and turned into labelled counters only when
 * scraped; the same holds for counts other parts already keep (the link cache's hits, the limiters'
 * refusals, the click writer's rows). Histograms observe once per click batch and per API request.
 */
export class Metrics {
  readonly registry = new Registry()
  /** One increment per visit of /:shortId, by decision kind: `metrics.redirects[decision.kind]++`. */
  readonly redirects: Record<Decision<never>['kind'], number> = {
    redirect: 0,
    notFound: 0,
    gone: 0,
    needPassword: 0,
    wrongPassword: 0,
    tooManyAttempts: 0,
  }
  private readonly clickBatch = new Histogram({
    name: 'hoko_click_batch_size',
    help: 'Clicks committed per click-writer transaction.',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
    registers: [this.registry],
  })
  private readonly clickCommit = new Histogram({
    name: 'hoko_click_commit_seconds',
    help: 'Duration of one click-writer transaction.',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  })
  private readonly apiRequests = new Counter({
    name: 'hoko_api_requests_total',
    help: 'API requests answered, by method, matched route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  })
  private readonly apiDuration = new Histogram({
    name: 'hoko_api_request_duration_seconds',
    help: 'Time from receiving an API request to sending its response, by method and matched route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  })

  constructor() {
    const startedAt = Date.now() - process.uptime() * 1000
    this.registerGauge('process_resident_memory_bytes', 'Resident memory size in bytes.', [], () => process.memoryUsage.rss())
    this.registerGauge('hoko_heap_used_bytes', 'JavaScript heap in use, in bytes.', [], () => process.memoryUsage().heapUsed)
    this.registerGauge('process_start_time_seconds', 'Start time of the process since the Unix epoch in seconds.', [], () => Math.floor(startedAt / 1000))
    this.registerGauge('hoko_uptime_seconds', 'Seconds since the process started.', [], () => process.uptime())
    new Gauge({
      name: 'hoko_build_info',
      help: 'Always 1; the labels say which build is running.',
      labelNames: ['version', 'bun'] as const,
      registers: [this.registry],
    }).set({ version: pkg.version, bun: Bun.version }, 1)
  }

  /** Reads the app's own counts when scraped, and hears of every click commit; once per app. */
  watch(sources: MetricSources): void {
    const { links, limiter, keylessLimiter } = sources
    const dbPath = sources.config.dbPath
    sources.clicks.writer.committed = (rows, ms) => {
      this.clickBatch.observe(rows)
      this.clickCommit.observe(ms / 1000)
    }
    const r = this.redirects
    this.counterFrom('hoko_redirects_total', 'Visits of a short link, by outcome.', ['outcome'], () => [
      [{ outcome: 'redirect' }, r.redirect],
      [{ outcome: 'not_found' }, r.notFound],
      [{ outcome: 'gone' }, r.gone],
      [{ outcome: 'password' }, r.needPassword],
      [{ outcome: 'password_wrong' }, r.wrongPassword],
      [{ outcome: 'password_locked' }, r.tooManyAttempts],
    ])
    this.counterFrom('hoko_clicks_written_total', 'Clicks committed to the database.', [], () => sources.clicks.writer.written)
    this.counterFrom('hoko_link_cache_lookups_total', 'Link cache lookups by the redirect and tracking, by result.', ['result'], () => [
      [{ result: 'hit' }, links.hits],
      [{ result: 'miss' }, links.misses],
    ])
    this.registerGauge('hoko_link_cache_entries', 'Links held in the link cache.', [], () => links.size)
    this.counterFrom('hoko_rate_limited_total', 'Requests refused by a rate limit (429), by limiter.', ['limiter'], () => [
      [{ limiter: 'api' }, limiter.refused],
      [{ limiter: 'keyless' }, keylessLimiter.refused],
    ])

    this.registerGauge('hoko_rollup_lag_clicks', 'Clicks not yet counted in the analytics rollups.', [], async () => {
      const row = await sources.data.get<{ lag: number }>(
        'SELECT count(*) AS lag FROM click_rows WHERE rid > coalesce((SELECT click_rowid FROM rollup_state WHERE id = 1), 0)',
      )
      return Math.max(0, row?.lag ?? 0)
    })
    // PostgreSQL keeps its files to itself: its size is the server's business (pg_database_size), not a file here.
    if (!sources.data.sqlite) return
    const size = (path: string) => {
      try {
        return statSync(path).size
      } catch {
        return 0
      }
    }
    this.registerGauge(
      'hoko_database_size_bytes',
      'Size of the SQLite database file, by file (main and write-ahead log); not reported on PostgreSQL.',
      ['file'],
      () => [
        [{ file: 'main' }, size(dbPath)],
        [{ file: 'wal' }, size(`${dbPath}-wal`)],
      ],
    )
  }

  /** After each API response; `route` is the matched pattern (bounded), never the raw path. */
  apiAnswered(method: string, route: string, status: number, ms: number): void {
    const m = API_METHODS.has(method) ? method : 'OTHER'
    this.apiRequests.inc({ method: m, route, status: String(status) })
    this.apiDuration.observe({ method: m, route }, ms / 1000)
  }

  /**
   * A gauge read when scraped, for a feature that keeps its own state (the webhooks outbox
   * backlog, say): `read` returns (or promises) one value, or one value per label set of `labelNames`.
   */
  registerGauge(name: string, help: string, labelNames: readonly string[], read: () => Reading | Promise<Reading>): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        const value = await read()
        if (typeof value === 'number') return this.set(value)
        for (const [labels, n] of value) this.set(labels, n)
      },
    })
  }

  /**
   * A counter in this registry, for a feature's events off the redirect's path (webhook deliveries
   * by result, say). Bind each label set once with `.labels(...)` where it is hot.
   */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] })
  }

  /** A counter whose total is kept elsewhere as a plain number and read when scraped. */
  private counterFrom(name: string, help: string, labelNames: readonly string[], read: () => Reading): void {
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset()
        const value = read()
        if (typeof value === 'number') return this.inc(value)
        for (const [labels, n] of value) this.inc(labels, n)
      },
    })
  }
}
