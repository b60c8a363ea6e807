import type { Config } from './config'
import type { Db } from './db'
import { Clicks } from './clicks/capture'
import { SlidingWindowLimiter } from './http/rate-limit'
import { type Authenticate, createAuthenticator } from './keys/service'
import { LinkCache } from './redirect/cache'
import { LoginBrake } from './accounts/brake'
import { type AuthenticateSession, createSessionAuthenticator, createSessionStore, type SessionStore } from './accounts/sessions'

/**
 * What every feature receives: built once per server (or per in-process test app), so every
 * feature is mounted the same way, `featureRoutes(ctx)`.
 */
export type AppContext = {
  db: Db
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
  brake: LoginBrake
  /** Per-workspace API rate limit. */
  limiter: SlidingWindowLimiter
  /** Per-address limit of the endpoints that need no key (see http/keyless-limit.ts). */
  keylessLimiter: SlidingWindowLimiter
  /** Milliseconds since the epoch; one clock for decisions that tests may want to pin. */
  now: () => number
}

export function createContext(opts: { db: Db; config: Config; baseUrl: string; secret: string; now?: () => number }): AppContext {
  const now = opts.now ?? Date.now
  const sessions = createSessionStore(opts.db, opts.secret, now)
  const ctx: AppContext = {
    db: opts.db,
    config: opts.config,
    baseUrl: opts.baseUrl,
    secret: opts.secret,
    links: new LinkCache(opts.db, opts.config.linkCacheSize),
    clicks: new Clicks(opts.db, opts.config),
    authenticate: createAuthenticator(opts.db, opts.config.rateLimit),
    sessions,
    authenticateSession: createSessionAuthenticator(opts.db, sessions, { baseUrl: () => ctx.baseUrl, defaultRateLimit: opts.config.rateLimit }),
    brake: new LoginBrake(),
    limiter: new SlidingWindowLimiter(),
    // About 1 KB a window: at most ~20 MB however many addresses send requests.
    keylessLimiter: new SlidingWindowLimiter(Date.now, 20_000),
    now,
  }
  return ctx
}
