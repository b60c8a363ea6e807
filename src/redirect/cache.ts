import type { Db } from '../db'
import { fromRow, LINK, type Link, type LinkRow } from '../links/row'
import { Lru } from '../lru'

export type CachedLink = Link & {
  deleted: boolean
  /** Destination → its base URL with the link's utm (see baseDestination), for short URLs without a query. */
  bases: Map<string, string>
}

/**
 * Links by short id for the redirect: an LRU in front of one prepared statement. Every link write
 * and delete evicts its entry before answering (see links/routes.ts), so a redirect never follows a
 * stale link. Unknown short ids are not cached: they cannot crowd out real links.
 */
export class LinkCache {
  private readonly lru: Lru<string, CachedLink>
  private readonly byShortId

  constructor(db: Db, capacity: number) {
    this.lru = new Lru(capacity)
    this.byShortId = db.$client.prepare<LinkRow & { deleted: 0 | 1 }, [string]>(
      `SELECT ${LINK.select()}, deleted_at IS NOT NULL AS deleted FROM links WHERE short_id = ?`,
    )
  }

  get(shortId: string): CachedLink | null {
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
}
