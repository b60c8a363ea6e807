import type { Db } from '../db'
import { fromRow, LINK, type Link, type LinkRow } from '../links/row'
import { Lru } from '../lru'

export type CachedLink = Link & {
  deleted: boolean
  /** Destination → its base URL with the link's utm (see baseDestination), for short URLs without a query. */
  bases: Map<string, string>
}

/** How stale a link may be when another process changed it: the longest a redirect follows the old one. */
export const COHERENCE_MS = 250

/**
 * Links by short id for the redirect: an LRU in front of one prepared statement. This server's own
 * link writes evict their entries before answering (see links/routes.ts). Writes by another process
 * on the same file (a second server, an operator's sqlite3 shell) are noticed within COHERENCE_MS,
 * and drop the whole cache. Unknown short ids are not cached: they cannot crowd out real links.
 *
 * Noticing them: `PRAGMA data_version` alone changes on every commit by another connection, and the
 * rollup thread (analytics/rollups.ts) commits on a connection of its own every second while clicks
 * arrive, so under traffic the cache would be dropped at nearly every check. The `link_changes` counter
 * (bumped by triggers on every INSERT, UPDATE and DELETE of links, in whatever connection) changes only
 * for link writes, but also for this server's own, which are already evicted one by one. So both:
 * data_version, which this connection's own writes (links and the click writer's) never change, says
 * that someone else committed; only then is the counter read, and the cache is dropped only when it moved.
 * Between checks a redirect pays one clock read.
 */
export class LinkCache {
  private lru: Lru<string, CachedLink>
  private readonly byShortId
  private readonly dataVersion
  private readonly linkChanges
  private nextCheck = 0
  private seenVersion: number
  private seenChanges: number

  constructor(db: Db, capacity: number) {
    this.lru = new Lru(capacity)
    const c = db.$client
    this.byShortId = c.prepare<LinkRow & { deleted: 0 | 1 }, [string]>(
      `SELECT ${LINK.select()}, deleted_at IS NOT NULL AS deleted FROM links WHERE short_id = ?`,
    )
    this.dataVersion = c.prepare<{ data_version: number }, []>('PRAGMA data_version')
    this.linkChanges = c.prepare<{ n: number }, []>('SELECT n FROM link_changes WHERE id = 1')
    this.seenVersion = this.dataVersion.get()!.data_version
    this.seenChanges = this.linkChanges.get()?.n ?? 0
  }

  get(shortId: string): CachedLink | null {
    if (this.lru.size > 0) {
      const now = Date.now()
      if (now >= this.nextCheck) this.dropIfChangedElsewhere(now)
    }
    const hit = this.lru.get(shortId)
    if (hit) return hit
    const row = this.byShortId.get(shortId)
    if (!row) return null
    const link = { ...fromRow(row), deleted: row.deleted === 1, bases: new Map<string, string>() }
    if (this.lru.capacity > 0) this.lru.set(shortId, link)
    return link
  }

  evict(shortIds: Iterable<string>): void {
    for (const id of shortIds) this.lru.delete(id)
  }

  private dropIfChangedElsewhere(now: number): void {
    this.nextCheck = now + COHERENCE_MS
    // Version first, then counter: a write landing between the two reads is seen by the counter now
    // and, at worst, costs one more counter read at the next check.
    const version = this.dataVersion.get()!.data_version
    if (version === this.seenVersion) return
    this.seenVersion = version
    const changes = this.linkChanges.get()?.n ?? 0
    if (changes === this.seenChanges) return
    this.seenChanges = changes
    this.lru = new Lru(this.lru.capacity)
  }
}
