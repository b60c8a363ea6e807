import type { Data } from '../db/data'
import { likeAscii, likeContains } from '../http/resource'
import type { LinkQuery } from './model'
import { fromRow, LINK, type LinkRow } from './row'
import { type LinkWithTags, tagIdsOf } from './statements'

/**
 * GET /api/links: a workspace's live links, newest first unless asked, and how many the filters
 * select in all. The id filters widen each other (OR); `search` and `domain` (the base host's name
 * or a domain's) narrow what they select (AND).
 */
export async function listLinks(d: Data, workspaceId: string, q: LinkQuery, baseHost: string): Promise<{ items: LinkWithTags[]; total: number }> {
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
    where += ` AND (${likeAscii(d, 'short_id')} OR ${likeAscii(d, 'url')} OR ${likeAscii(d, 'title')})`
    const pattern = likeContains(q.search)
    params.push(pattern, pattern, pattern)
  }
  const dir = q.sort === 'asc' ? 'ASC' : 'DESC'
  const rows = (await d.all<LinkRow>(`SELECT ${LINK.select()} FROM links WHERE ${where} ORDER BY created_at ${dir}, id ${dir} LIMIT ? OFFSET ?`, [...params, q.take, q.skip])).map(fromRow)
  const { total } = (await d.get<{ total: number }>(`SELECT count(*) AS total FROM links WHERE ${where}`, params))!
  const tagIds = await tagIdsOf(d, rows.map((l) => l.id))
  return { items: rows.map((link) => ({ link, tagIds: tagIds.get(link.id)! })), total }
}
