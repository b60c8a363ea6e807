import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { baseHostOf } from '../domains/hosts'
import { scoped } from '../http/api-guard'
import { checkBatchSize, IdList, jsonBody } from '../http/resource'
import type { AuthContext } from '../keys/service'
import { CreateLinksBody, LinkQuery, type LinkUpsert, UpsertLinksBody } from './model'
import { deleteLinks } from './delete'
import { checkFeatures } from './features'
import { listLinks } from './list'
import { linkStatements } from './statements'
import { upsertLinks } from './upsert'
import { linkView } from './view'

const tags = ['Links']

export const linkRoutes = (ctx: AppContext) => {
  const { db, links: cache } = ctx
  const st = linkStatements(db)
  const write = (auth: AuthContext, items: LinkUpsert[]) => {
    checkBatchSize(auth, 'links', items.length)
    checkFeatures(auth, items)
    const written = upsertLinks(db, st, auth.workspaceId, items, baseHostOf(ctx.baseUrl))
    // Before answering: a redirect right after this response must see the new values, on both
    // domains of a link that moved.
    cache.evict(written.flatMap(({ link, movedFrom }) => (movedFrom === undefined ? [link] : [link, { domain: movedFrom, shortId: link.shortId }])))
    return written.map((r) => linkView(r.link, r.tagIds, ctx.baseUrl))
  }
  return new Elysia({ prefix: '/api/links' })
    .use(scoped(ctx))
    .get(
      '',
      ({ auth, query }) => listLinks(db, st, auth.workspaceId, query, baseHostOf(ctx.baseUrl)).map((r) => linkView(r.link, r.tagIds, ctx.baseUrl)),
      { scope: 'linksRead', query: LinkQuery, detail: { summary: 'Get links', tags } },
    )
    .post(
      '',
      ({ auth, body, set }) => {
        const out = write(auth, body)
        set.status = 201
        return out
      },
      { scope: 'linksWrite', ...jsonBody(CreateLinksBody), detail: { summary: 'Create links', tags } },
    )
    .put('', ({ auth, body }) => write(auth, body), {
      scope: 'linksWrite',
      ...jsonBody(UpsertLinksBody),
      detail: { summary: 'Update or create links', tags },
    })
    .delete(
      '',
      ({ auth, body }) => {
        checkBatchSize(auth, 'links', body.length)
        const deleted = deleteLinks(db, st, auth.workspaceId, body)
        cache.evict(deleted.keys)
        return { deletedIds: deleted.deletedIds }
      },
      { scope: 'linksWrite', ...jsonBody(IdList), detail: { summary: 'Delete links (soft)', tags } },
    )
}
