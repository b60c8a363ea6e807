import type { Data } from '../db/data'
import { deleteByIds } from '../http/resource'
import { LINK_NOUN } from './model'
import { fromRow } from './row'
import { linksByIds, type LinkWithTags, lockLinkWrites, tagIdsOf } from './statements'

/**
 * DELETE /api/links (soft): also returns the links as they were, in the order of `ids`, for the
 * redirect cache to forget. `before` runs in the transaction with them (webhook events).
 */
export function deleteLinks(d: Data, workspaceId: string, ids: string[], before?: (tx: Data, links: LinkWithTags[]) => Promise<void>) {
  return d.tx(async (tx) => {
    // Not between another transaction's check of these links and its write of them.
    await lockLinkWrites(tx)
    let links: LinkWithTags[] = []
    const { deletedIds } = await deleteByIds(tx, 'links', workspaceId, ids, LINK_NOUN, async (tx, ids) => {
      const rows = new Map((await linksByIds(tx, workspaceId, ids)).map((r) => [r.id, fromRow(r)]))
      const tagIds = await tagIdsOf(tx, ids)
      links = ids.map((id) => ({ link: rows.get(id)!, tagIds: tagIds.get(id)! }))
      await before?.(tx, links)
    })
    return { deletedIds, links }
  })
}
