import type { Data } from '../db/data'
import { unstorable } from '../http/text'
import { fromRow, LINK, type Link, type LinkRow } from '../links/row'
import { Lru } from '../lru'

export type CachedLink = Link & {
  deleted: boolean
  /** Destination → its base URL with the link's utm (see baseDestination), for short URLs without a query. */
  bases: Map<string, string>
}

/** A registered custom domain, as the redirect needs it. */
export type HostedDomain = { id: string; workspaceId: string; name: string; rootUrl: string | null; notFoundUrl: string | null }

/**
 * How stale a link or domain may be when another process changed it: the longest a redirect follows
 * the old one. The default of HOKO_COHERENCE_MS.
 */
export const COHERENCE_MS = 250

/** What a write of this server changed, for the other instances (see src/cluster/link-events.ts). */
export type LinkCacheChange = { keys: string[] } | { domains: true }

/**
 * The LRU key of a link: its short id on the base host (domain ''), `domain/shortId` elsewhere. A
 * short id has no '/', so the two never collide, and the base host pays for no concatenation.
 */
export const cacheKey = (domain: string, shortId: string) => (domain === '' ? shortId : `${domain}/${shortId}`)

/**
 * Links by (domain, short id) for the redirect, an LRU in front of one prepared statement, and the
 * registered custom domains by name, all in memory (they are few). This server's own link writes
 * evict their entries before answering (see links/routes.ts), its domain writes reload the domains.
 * Writes by another process on the same file (a second server, the CLI, an operator's sqlite3
 * shell) are noticed within HOKO_COHERENCE_MS: the link cache is dropped and the domains reloaded.
 * With Redis, other instances' writes also arrive at once as published changes (`onChange`, `apply`).
 * Unknown short ids are not cached: they cannot crowd out real links.
 *
 * Noticing them: `PRAGMA data_version` alone changes on every commit by another connection, and the
 * rollup thread (analytics/rollups.ts) commits on a connection of its own every second while clicks
 * arrive, so under traffic the cache would be dropped at nearly every check. The `link_changes` counter
 * (bumped by triggers on every INSERT, UPDATE and DELETE of links and domains, in whatever connection)
 * changes only for those writes, but also for this server's own, which are already handled one by one.
 * So both: data_version, which this connection's own writes (links and the click writer's) never
 * change, says that someone else committed; only then is the counter read, and the caches are dropped
 * only when it moved. Between checks a lookup pays one clock read.
 */
const BY_KEY = `SELECT ${LINK.select()}, deleted_at IS NOT NULL AS deleted FROM links WHERE domain = ? AND short_id = ?`
const ALL_DOMAINS = 'SELECT id, workspace_id AS "workspaceId", name, root_url AS "rootUrl", not_found_url AS "notFoundUrl" FROM domains'

export class LinkCache {
  private lru: Lru<string, CachedLink>
  private hosts = new Map<string, HostedDomain>()
  /** Lookups answered from memory and from the database since start (for /metrics). */
  hits = 0
  misses = 0
  private nextCheck = 0
  /** The check under way, which lookups that triggered it wait for. */
  private checking: Promise<void> | null = null
  private seenVersion = -1
  private seenChanges = -1
  /** Set when instances share Redis: told of every write this server makes. */
  onChange: ((change: LinkCacheChange) => void) | null = null

  constructor(
    private readonly d: Data,
    capacity: number,
    private readonly coherenceMs = COHERENCE_MS,
  ) {
    this.lru = new Lru(capacity)
  }

  /**
   * The custom domain a request's host names, or null for the base host (any host that is no
   * registered domain). `host` is worked out only when there are domains at all. A promise only
   * when a coherence check is due (at most every HOKO_COHERENCE_MS).
   */
  domainFor(host: () => string): HostedDomain | null | Promise<HostedDomain | null> {
    const due = this.check()
    if (due) return due.then(() => this.hostOf(host))
    return this.hostOf(host)
  }

  private hostOf(host: () => string): HostedDomain | null {
    return this.hosts.size === 0 ? null : (this.hosts.get(host()) ?? null)
  }

  /** The link at `shortId` on `domain` ('' for the base host), deleted ones included; from memory when cached. */
  get(domain: string, shortId: string): CachedLink | null | Promise<CachedLink | null> {
    const due = this.check()
    if (due) return due.then(() => this.lookup(domain, shortId))
    return this.lookup(domain, shortId)
  }

  private lookup(domain: string, shortId: string): CachedLink | null | Promise<CachedLink | null> {
    const key = cacheKey(domain, shortId)
    const hit = this.lru.get(key)
    if (hit) {
      this.hits++
      return hit
    }
    this.misses++
    // No link has such a short id, and PostgreSQL could not even be asked (src/http/text.ts).
    if (unstorable(shortId)) return null
    return this.d.get<LinkRow & { deleted: 0 | 1 | boolean }>(BY_KEY, [domain, shortId]).then((row) => {
      if (!row) return null
      // The row becomes the cached link in place (no copy of its twenty-odd fields on every miss).
      const link = fromRow(row) as CachedLink
      link.deleted = row.deleted === 1 || row.deleted === true
      link.bases = new Map()
      if (this.lru.capacity > 0) this.lru.set(key, link)
      return link
    })
  }

  get size(): number {
    return this.lru.size
  }

  evict(links: Iterable<{ domain: string; shortId: string }>): void {
    const keys: string[] = []
    for (const l of links) keys.push(cacheKey(l.domain, l.shortId))
    for (const key of keys) this.lru.delete(key)
    if (this.onChange && keys.length > 0) this.onChange({ keys })
  }

  /** After a domain write: the domains as they are now. */
  async reloadDomains(): Promise<void> {
    await this.loadDomains()
    this.onChange?.({ domains: true })
  }

  /** Another instance's write. */
  async apply(change: LinkCacheChange): Promise<void> {
    if ('domains' in change) await this.loadDomains()
    else for (const key of change.keys) this.lru.delete(key)
  }

  /** Everything, when changes may have been missed (a lost connection to Redis). */
  async clear(): Promise<void> {
    this.lru = new Lru(this.lru.capacity)
    await this.loadDomains()
  }

  private async loadDomains(): Promise<void> {
    this.hosts = new Map((await this.d.all<HostedDomain>(ALL_DOMAINS)).map((d) => [d.name, d]))
  }

  /** A promise when a check is due or under way; null between checks (a lookup then pays one clock read). */
  private check(): Promise<void> | null {
    if (this.checking) return this.checking
    const now = Date.now()
    if (now < this.nextCheck) return null
    this.nextCheck = now + this.coherenceMs
    this.checking = this.dropIfChangedElsewhere().finally(() => (this.checking = null))
    return this.checking
  }

  private async dropIfChangedElsewhere(): Promise<void> {
    // SQLite: version first, then counter; a write landing between the two reads is seen by the
    // counter now and, at worst, costs one more counter read at the next check. PostgreSQL has no
    // data_version: the counter is read at every check, and this server's own writes move it too.
    const sqlite = this.d.sqlite
    if (sqlite) {
      const version = (sqlite.query('PRAGMA data_version').get() as { data_version: number }).data_version
      if (version === this.seenVersion) return
      this.seenVersion = version
    }
    const changes = (await this.d.get<{ n: number }>('SELECT n FROM link_changes WHERE id = 1'))?.n ?? 0
    if (changes === this.seenChanges) return
    this.seenChanges = changes
    await this.clear()
  }
}
