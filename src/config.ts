import * as v from 'valibot'

const intFromEnv = (name: string, fallback: number, min: number, max: number) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.transform((s) => (s.trim() === '' ? String(fallback) : s.trim())),
    v.regex(/^\d+$/, `${name} must be a whole number`),
    v.transform(Number),
    v.minValue(min, `${name} must be at least ${min}`),
    v.maxValue(max, `${name} must be at most ${max}`),
  )

/** Unset or empty: null (the feature's "off"); else a whole number from min to max. */
const optionalIntFromEnv = (name: string, min: number, max: number) =>
  v.pipe(
    v.optional(v.string(), ''),
    v.transform((s) => s.trim()),
    v.check((s) => s === '' || /^\d+$/.test(s), `${name} must be a whole number`),
    v.transform((s) => (s === '' ? null : Number(s))),
    v.check((n) => n === null || n >= min, `${name} must be at least ${min}`),
    v.check((n) => n === null || n <= max, `${name} must be at most ${max}`),
  )

const optionalString = v.pipe(
  v.optional(v.string()),
  v.transform((s) => (s === undefined || s.trim() === '' ? undefined : s.trim())),
)

const flag = (name: string, fallback: '0' | '1') =>
  v.pipe(
    v.optional(v.string(), fallback),
    v.transform((s) => (s.trim() === '' ? fallback : s.trim().toLowerCase())),
    v.picklist(['0', '1', 'true', 'false'], `${name} must be 1 or 0`),
    v.transform((s) => s === '1' || s === 'true'),
  )

/** Immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 10 h: about 3 days and 2 hours in all. */
const DEFAULT_RETRY_SCHEDULE = ['0', '5', '300', '1800', '7200', '18000', '36000', '36000', '36000']

// The one place that reads the environment; everything else receives a Config.
const EnvSchema = v.object({
  PORT: intFromEnv('PORT', 3000, 0, 65535),
  HOST: v.optional(v.pipe(v.string(), v.nonEmpty('HOST must not be empty')), '0.0.0.0'),
  HOKO_DB: v.optional(v.pipe(v.string(), v.nonEmpty('HOKO_DB must not be empty')), './data/hoko.db'),
  HOKO_BASE_URL: v.pipe(
    optionalString,
    v.check(
      (s) => s === undefined || /^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(s),
      'HOKO_BASE_URL must be an http or https URL without query or fragment',
    ),
    v.transform((s) => s?.replace(/\/+$/, '')),
  ),
  HOKO_SECRET: v.pipe(
    optionalString,
    v.check((s) => s === undefined || s.length >= 16, 'HOKO_SECRET must be at least 16 characters'),
  ),
  // How many reverse proxies stand in front of Hoko. `true`/`false` are the older spellings of 1 and 0.
  HOKO_TRUST_PROXY: v.pipe(
    v.optional(v.string(), '0'),
    v.transform((s) => {
      const t = s.trim().toLowerCase()
      return t === '' || t === 'false' ? '0' : t === 'true' ? '1' : t
    }),
    v.regex(/^(?:[0-9]|10)$/, 'HOKO_TRUST_PROXY must be the number of reverse proxies in front of Hoko, 0 (off) to 10'),
    v.transform(Number),
  ),
  HOKO_RATE_LIMIT: intFromEnv('HOKO_RATE_LIMIT', 1000, 1, 100_000_000),
  HOKO_MAX_BODY_BYTES: intFromEnv('HOKO_MAX_BODY_BYTES', 32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  HOKO_KEYLESS_RATE_LIMIT: intFromEnv('HOKO_KEYLESS_RATE_LIMIT', 60, 0, 100_000_000),
  HOKO_LINK_CACHE_SIZE: intFromEnv('HOKO_LINK_CACHE_SIZE', 10_000, 0, 10_000_000),
  HOKO_GEOIP_DB: optionalString,
  // Unset: raw clicks are kept forever. 36,500 days is a century: anything longer is "forever" too.
  HOKO_CLICK_RETENTION_DAYS: optionalIntFromEnv('HOKO_CLICK_RETENTION_DAYS', 1, 36_500),
  HOKO_IDLE_TIMEOUT: intFromEnv('HOKO_IDLE_TIMEOUT', 10, 1, 255),
  HOKO_WEBHOOK_ALLOW_PRIVATE: flag('HOKO_WEBHOOK_ALLOW_PRIVATE', '0'),
  HOKO_WEBHOOK_DELIVERY: flag('HOKO_WEBHOOK_DELIVERY', '1'),
  // A testing knob: the seconds before each attempt of a delivery, the first included.
  HOKO_WEBHOOK_RETRY_SCHEDULE: v.pipe(
    v.optional(v.string(), ''),
    v.transform((s) => (s.trim() === '' ? DEFAULT_RETRY_SCHEDULE : s.split(',').map((x) => x.trim()))),
    v.check(
      (list) => list.length <= 50 && list.every((x) => /^\d+(\.\d+)?$/.test(x)),
      'HOKO_WEBHOOK_RETRY_SCHEDULE must be a comma-separated list of at most 50 numbers of seconds',
    ),
    v.transform((list) => list.map((x) => Number(x) * 1000)),
  ),
  // Bearer token of GET /metrics; without it, /metrics answers loopback clients only.
  HOKO_METRICS_TOKEN: v.pipe(
    optionalString,
    v.check((s) => s === undefined || /^[\x21-\x7e]{16,}$/.test(s), 'HOKO_METRICS_TOKEN must be at least 16 printable characters without spaces'),
  ),
  // Shared state of several instances (rate limits, brakes, capture tokens, link cache changes): see src/cluster.
  HOKO_REDIS_URL: v.pipe(
    optionalString,
    v.check(
      (s) => s === undefined || /^(?:redis|rediss|redis\+tls|redis\+unix|redis\+tls\+unix):\/\/\S+$/.test(s),
      'HOKO_REDIS_URL must be a redis://, rediss:// or redis+unix:// URL',
    ),
  ),
  HOKO_DATABASE_URL: v.pipe(
    optionalString,
    v.check((s) => s === undefined || /^postgres(?:ql)?:\/\/\S+$/.test(s), 'HOKO_DATABASE_URL must be a postgres:// or postgresql:// URL'),
  ),
  HOKO_COHERENCE_MS: intFromEnv('HOKO_COHERENCE_MS', 250, 10, 3_600_000),
  HOKO_LOG: v.optional(v.picklist(['error', 'warn', 'info', 'debug'], 'HOKO_LOG must be one of: error, warn, info, debug'), 'info'),
})

export type Config = {
  port: number
  host: string
  dbPath: string
  /** null until the server knows its port (PORT=0 picks a free one). */
  baseUrl: string | null
  secret: string | undefined
  /** Reverse proxies in front of Hoko whose X-Forwarded-For entries are believed; 0 = none. */
  trustProxy: number
  rateLimit: number
  maxBodyBytes: number
  /** Requests per minute per client address on each endpoint that needs no key; 0 = no limit. */
  keylessRateLimit: number
  /** Links kept in the redirect's LRU cache. */
  linkCacheSize: number
  /** A MaxMind-format City database; the bundled country database when unset. */
  geoipDb: string | undefined
  /** Days raw clicks are kept before the background thread deletes them (see src/clicks/retention.ts); null: forever. */
  clickRetentionDays: number | null
  /** Seconds a connection may stay silent (a stalled or slow client) before it is closed. */
  idleTimeout: number
  logLevel: 'error' | 'warn' | 'info' | 'debug'
  /** Webhooks may target loopback, private and link-local addresses, and plain http (local development, tests). */
  webhookAllowPrivate: boolean
  /** Whether this server sends webhook deliveries; off, events still wait in the outbox. */
  webhookDelivery: boolean
  /** Milliseconds before each attempt of a delivery, the first included (then jittered). */
  webhookRetrySchedule: number[]
  /** Bearer token required by GET /metrics; unset: loopback clients only. */
  metricsToken: string | undefined
  /** PostgreSQL instead of the SQLite file at dbPath; unset: SQLite. */
  databaseUrl: string | undefined
  /** Redis shared by every instance; unset: one instance, all state in its memory. */
  redisUrl: string | undefined
  /** How often the link cache checks the database for other processes' link and domain writes (ms). */
  coherenceMs: number
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = Bun.env): Config {
  const parsed = v.safeParse(EnvSchema, env)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    const key = issue.path?.[0]?.key
    const detail = issue.message.includes(String(key)) ? issue.message : `${String(key)}: ${issue.message}`
    throw new ConfigError(`invalid configuration: ${detail}`)
  }
  const e = parsed.output
  return {
    port: e.PORT,
    host: e.HOST,
    dbPath: e.HOKO_DB,
    baseUrl: e.HOKO_BASE_URL ?? null,
    secret: e.HOKO_SECRET,
    trustProxy: e.HOKO_TRUST_PROXY,
    rateLimit: e.HOKO_RATE_LIMIT,
    maxBodyBytes: e.HOKO_MAX_BODY_BYTES,
    keylessRateLimit: e.HOKO_KEYLESS_RATE_LIMIT,
    linkCacheSize: e.HOKO_LINK_CACHE_SIZE,
    geoipDb: e.HOKO_GEOIP_DB,
    clickRetentionDays: e.HOKO_CLICK_RETENTION_DAYS,
    idleTimeout: e.HOKO_IDLE_TIMEOUT,
    logLevel: e.HOKO_LOG,
    webhookAllowPrivate: e.HOKO_WEBHOOK_ALLOW_PRIVATE,
    webhookDelivery: e.HOKO_WEBHOOK_DELIVERY,
    webhookRetrySchedule: e.HOKO_WEBHOOK_RETRY_SCHEDULE,
    metricsToken: e.HOKO_METRICS_TOKEN,
    databaseUrl: e.HOKO_DATABASE_URL,
    redisUrl: e.HOKO_REDIS_URL,
    coherenceMs: e.HOKO_COHERENCE_MS,
  }
}
