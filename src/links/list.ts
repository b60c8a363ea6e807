import type { Db } from '../db'
import type { LinkQuery } from './model'
import { fromRow, LINK, type LinkRow } from './row'
import { type LinkStatements, type LinkWithTags, tagIdsOf } from './statements'

/**
 * GET /api/links: a workspace's live links, newest first unless asked; the id filters are or-ed, and
 * `domain` (the base host's name or a domain's) narrows the result.
 */
export function listLinks(db: Db, st: LinkStatements, workspaceId: string, q: LinkQuery, baseHost: string): LinkWithTags[] {
  const filters: string[] = []
  const params: (string | number)[] = [workspaceId]
  let onDomain = ''
  if (q.domain !== undefined) {
    onDomain = 'AND domain = ?'
    params.push(q.domain === baseHost ? '' : q.domain)
  }
  const add = (sql: string, value: string | undefined) => {
    if (value === undefined) return
    filters.push(sql)
    params.push(value)
  }
  add('id = ?', q.id)
  add('external_id = ?', q.externalId)
  add('tenant_id = ?', q.tenantId)
  add('partner_id = ?', q.partnerId)
  add('id IN (SELECT link_id FROM link_tags WHERE tag_id = ?)', q.tagId)
  const dir = q.sort === 'asc' ? 'ASC' : 'DESC'
  const rows = db.$client
    .query<LinkRow, (string | number)[]>(
      `SELECT ${LINK.select()} FROM links WHERE workspace_id = ? AND deleted_at IS NULL ${onDomain}
       ${filters.length ? `AND (${filters.join(' OR ')})` : ''}
       ORDER BY created_at ${dir}, id ${dir} LIMIT ? OFFSET ?`,
    )
    .all(...params, q.take, q.skip)
    .map(fromRow)
  const tagIds = tagIdsOf(st, rows.map((l) => l.id))
  return rows.map((link) => ({ link, tagIds: tagIds.get(link.id)! }))
}
