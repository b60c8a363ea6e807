import type { Config } from './config'
import type { Data } from './db/data'
import { Clicks } from './clicks/capture'
import { type RateLimiter, SlidingWindowLimiter } from './http/rate-limit'
import { type Authenticate, createAuthenticator } from './keys/service'
import { Metrics } from './metrics/registry'
import { LinkCache } from './redirect/cache'
import { LoginBrake, type LoginBrakeStore } from './accounts/brake'
import { PasswordGuard, type PasswordBrake } from './redirect/password-guard'
import { MemoryNonces, type UsedNonces } from './tracking/token'
import type { Redis } from './cluster/redis'
import { RedisWindowLimiter } from './cluster/rate-limit'
import { RedisLoginBrake, RedisPasswordBrake } from './cluster/brakes'
import { RedisNonces } from './cluster/capture-nonces'
import { type AuthenticateSession, createSessionAuthenticator, createSessionStore, type SessionStore } from './accounts/sessions'
import { Outbox } from './webhooks/outbox'

/**
 * What every feature receives: built once per server (or per in-process test app), so every
 * feature is mounted the same way, `featureRoutes(ctx)`.
 */
export type AppContext = {
  /** The database on either engine (src/db/data.ts). */
  data: Data
  config: Config
  /** Public origin of short links; set after listening when PORT=0 picks the port. */
  baseUrl: string
  secret: string
  /** Links by short id for the redirect and tracking; every link write evicts its entries. */
  links: LinkCache
  /** The click pipeline (visitor description, group-committed writer). */
  clicks: Clicks
  /** API key → workspace, scopes, plan (cached lookups of hashed keys). */
  authenticate: Authenticate
  /** Dashboard sessions by cookie secret (null when none or ended). */
  sessions: SessionStore
  /** A session cookie → workspace, role scopes, plan, after the CSRF check. */
  authenticateSession: AuthenticateSession
  /** Failed logins per address and per account. */
  brake: LoginBrakeStore
  /** Wrong passwords of protected links per address and link. */
  passwordBrake: PasswordBrake
  /** Nonces of embedded-tracking capture tokens already used. */
  captureNonces: UsedNonces
  /** Per-workspace API rate limit. */
  limiter: RateLimiter
  /** Per-address limit of the endpoints that need no key (see http/keyless-limit.ts). */
  keylessLimiter: SlidingWindowLimiter
  /** The webhook outbox: services emit events into it inside their transactions (src/webhooks). */
  webhooks: Outbox
  /** The Prometheus registry served at /metrics (see src/metrics). */
  metrics: Metrics
  /** Milliseconds since the epoch; one clock for decisions that tests may want to pin. */
  now: () => number
}

/**
 * With `redis` (HOKO_REDIS_URL), what instances must agree on lives there: the API rate limit, both
 * brakes and the used capture tokens (sessions are in the database already). The keyless per-address
 * limit stays in each instance's memory: it protects that instance's own work.
 */
export function createContext(opts: { data: Data; config: Config; baseUrl: string; secret: string; now?: () => number; redis?: Redis | null }): AppContext {
  const shared = opts.redis?.client
  const now = opts.now ?? Date.now
  const data = opts.data
  const sessions = createSessionStore(data, opts.secret, now)
  const webhooks = new Outbox(data, () => ctx.baseUrl)
  const ctx: AppContext = {
    data,
    config: opts.config,
    baseUrl: opts.baseUrl,
    secret: opts.secret,
    links: new LinkCache(data, opts.config.linkCacheSize, opts.config.coherenceMs),
    // Clicks of workspaces subscribed to link.clicked add their events in the click writer's commit.
    clicks: new Clicks(data, opts.config, { sqlite: (rows) => webhooks.clickedOnSqlite(rows), pg: (tx, rows) => webhooks.clicked(tx, rows) }),
    authenticate: createAuthenticator(data, opts.config.rateLimit),
    sessions,
    authenticateSession: createSessionAuthenticator(data, sessions, { baseUrl: () => ctx.baseUrl, defaultRateLimit: opts.config.rateLimit }),
    brake: shared ? new RedisLoginBrake(shared) : new LoginBrake(),
    passwordBrake: shared ? new RedisPasswordBrake(shared) : new PasswordGuard(),
    captureNonces: shared ? new RedisNonces(shared) : new MemoryNonces(),
    limiter: shared ? new RedisWindowLimiter(shared, 'api') : new SlidingWindowLimiter(),
    // About 1 KB a window: at most ~20 MB however many addresses send requests.
    keylessLimiter: new SlidingWindowLimiter(Date.now, 20_000),
    now,
    webhooks,
    metrics: new Metrics(),
  }
  void webhooks.refreshClickSubscribers()
  ctx.metrics.watch(ctx)
  return ctx
}
