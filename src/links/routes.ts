import { Elysia } from 'elysia'
import type { AppContext } from '../app'
import { scoped } from '../http/api-guard'
import { checkBatchSize, IdList, jsonBody } from '../http/resource'
import type { AuthContext } from '../keys/service'
import { CreateLinksBody, LinkQuery, type LinkUpsert, UpsertLinksBody } from './model'
import { checkFeatures, deleteLinks, linkStatements, linkView, listLinks, upsertLinks } from './service'

const tags = ['Links']

export const linkRoutes = (ctx: AppContext) => {
  const { db } = ctx
  const st = linkStatements(db)
  const write = (auth: AuthContext, items: LinkUpsert[]) => {
    checkBatchSize(auth, 'links', items.length)
    checkFeatures(auth, items)
    return upsertLinks(db, st, auth.workspaceId, items).map((r) => linkView(r.link, r.tagIds, ctx.baseUrl))
  }
  return new Elysia({ prefix: '/api/links' })
    .use(scoped)
    .get(
      '',
      ({ auth, query }) => listLinks(db, st, auth.workspaceId, query).map((r) => linkView(r.link, r.tagIds, ctx.baseUrl)),
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
        return deleteLinks(db, auth.workspaceId, body)
      },
      { scope: 'linksWrite', ...jsonBody(IdList), detail: { summary: 'Delete links (soft)', tags } },
    )
}
