import type { Db } from '../db'
import { deleteByIds } from '../http/resource'
import { LINK_NOUN } from './model'
import type { LinkStatements } from './statements'

/**
 * DELETE /api/links (soft): also returns the (domain, shortId) pairs, for the redirect cache to
 * forget. `before` runs in the transaction, the links still live (webhook events).
 */
export function deleteLinks(db: Db, st: LinkStatements, workspaceId: string, ids: string[], before?: (ids: string[]) => void) {
  const { deletedIds } = deleteByIds(db, 'links', workspaceId, ids, LINK_NOUN, before)
  return { deletedIds, keys: st.keysOf.all(JSON.stringify(deletedIds)) }
}
