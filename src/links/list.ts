import type { Db } from '../db'
import { likeContains } from '../http/resource'
import type { LinkQuery } from './model'
import { fromRow, LINK, type LinkRow } from './row'
import { type LinkStatements, type LinkWithTags, tagIdsOf } from './statements'

/**
 * GET /api/links: a workspace's live links, newest first unless asked, and how many the filters
 * select in all. The id filters widen each other (OR); `search` and `domain` (the base host's name
 * or a domain's) narrow what they select (AND).
 */
export function listLinks(
  db: Db,
  st: LinkStatements,
  workspaceId: string,
  q: LinkQuery,
  baseHost: string,
): { items: LinkWithTags[]; total: number } {
  const ids: string[] = []
  const params: (string | number)[] = [workspaceId]
  let where = 'workspace_id = ? AND deleted_at IS NULL'
  if (q.domain !== undefined) {
    where += ' AND domain = ?'
    params.push(q.domain === baseHost ? '' : q.domain)
  }
  const add = (sql: string, value: string | undefined) => {
    if (value === undefined) return
    ids.push(sql)
    params.push(value)
  }
  add('id = ?', q.id)
  add('external_id = ?', q.externalId)
  add('tenant_id = ?', q.tenantId)
  add('partner_id = ?', q.partnerId)
  add('collection_id = ?', q.collectionId)
  add('id IN (SELECT link_id FROM link_tags WHERE tag_id = ?)', q.tagId)
  if (ids.length) where += ` AND (${ids.join(' OR ')})`
  if (q.search) {
    // LIKE ignores case for A–Z only: SQLite has no Unicode case folding without ICU.
    where += " AND (short_id LIKE ? ESCAPE '\\' OR url LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\')"
    const pattern = likeContains(q.search)
    params.push(pattern, pattern, pattern)
  }
  const dir = q.sort === 'asc' ? 'ASC' : 'DESC'
  const rows = db.$client
    .query<LinkRow, (string | number)[]>(`SELECT ${LINK.select()} FROM links WHERE ${where} ORDER BY created_at ${dir}, id ${dir} LIMIT ? OFFSET ?`)
    .all(...params, q.take, q.skip)
    .map(fromRow)
  const { total } = db.$client.query<{ total: number }, (string | number)[]>(`SELECT count(*) AS total FROM links WHERE ${where}`).get(...params)!
  const tagIds = tagIdsOf(st, rows.map((l) => l.id))
  return { items: rows.map((link) => ({ link, tagIds: tagIds.get(link.id)! })), total }
}
