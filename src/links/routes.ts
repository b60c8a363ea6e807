import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { baseHostOf } from '../domains/hosts'
import { scoped } from '../http/api-guard'
import { checkBatchSize, IdList, jsonBody, paged, textParams } from '../http/resource'
import type { AuthContext } from '../keys/service'
import { CreateLinksBody, ExportLinksQuery, ImportQuery, LinkQuery, type LinkUpsert, UpsertLinksBody } from './model'
import { deleteLinks } from './delete'
import { exportLinksCsv } from './export'
import { checkFeatures } from './features'
import { importLinks } from './import'
import { listLinks } from './list'
import { upsertLinks } from './upsert'
import { linkView } from './view'

const tags = ['Links']

export const linkRoutes = (ctx: AppContext) => {
  const { data, links: cache, webhooks: outbox } = ctx
  const write = async (auth: AuthContext, items: LinkUpsert[]) => {
    checkBatchSize(auth, 'links', items.length)
    checkFeatures(auth, items)
    const written = await upsertLinks(data, auth.workspaceId, items, baseHostOf(ctx.baseUrl), async (tx, out) => {
      const views = (created: boolean) => () =>
        out.filter((_, i) => !items[i].id === created).map((r) => linkView(r.link, r.tagIds, ctx.baseUrl))
      await outbox.emit(tx, auth.workspaceId, 'link.created', views(true))
      await outbox.emit(tx, auth.workspaceId, 'link.updated', views(false))
    })
    // Before answering: a redirect right after this response must see the new values, on both
    // domains of a link that moved.
    cache.evict(written.flatMap(({ link, movedFrom }) => (movedFrom === undefined ? [link] : [link, { domain: movedFrom, shortId: link.shortId }])))
    return written.map((r) => linkView(r.link, r.tagIds, ctx.baseUrl))
  }
  return new Elysia({ prefix: '/api/links' })
    .use(scoped(ctx))
    .get(
      '',
      async ({ auth, query, set }) => {
        const page = await listLinks(data, auth.workspaceId, query, baseHostOf(ctx.baseUrl))
        return paged(set, page.items.map((r) => linkView(r.link, r.tagIds, ctx.baseUrl)), page.total)
      },
      {
        scope: 'linksRead',
        query: LinkQuery,
        ...textParams('search', 'externalId', 'tenantId'),
        detail: { summary: 'Get links', tags },
      },
    )
    .post(
      '',
      async ({ auth, body, set }) => {
        const out = await write(auth, body)
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
    .post(
      '/import',
      async ({ auth, body, query }) => {
        // The API guard read the body as bytes (a CSV route) and refused other content types.
        const written: { domain: string; shortId: string }[] = []
        const report = await importLinks(data, body as Uint8Array, {
          workspaceId: auth.workspaceId,
          baseHost: baseHostOf(ctx.baseUrl),
          plan: auth.plan,
          collectionId: query.collectionId,
          format: query.format,
          onConflict: query.onConflict,
          // Ten of the plan's batches: 100,000 rows on the larger plans.
          maxRows: auth.plan.maxBatch * 10,
          onWritten: async (tx, out) => {
            written.push(...out.map((r) => r.link))
            await outbox.emit(tx, auth.workspaceId, 'link.created', () => out.map((r) => linkView(r.link, r.tagIds, ctx.baseUrl)))
          },
        })
        cache.evict(written)
        return report
      },
      {
        scope: 'linksWrite',
        query: ImportQuery,
        detail: {
          summary: 'Import links from a CSV file (Hoko, Dub, Bitly or Shlink export)',
          tags,
          requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } },
        },
      },
    )
    .get(
      '/export',
      ({ auth }) =>
        new Response(exportLinksCsv(data, auth.workspaceId).pipeThrough(new TextEncoderStream()), {
          headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="hoko-links.csv"' },
        }),
      { scope: 'linksRead', query: ExportLinksQuery, detail: { summary: 'Export links as CSV (the columns the import reads back)', tags } },
    )
    .delete(
      '',
      async ({ auth, body }) => {
        checkBatchSize(auth, 'links', body.length)
        const deleted = await deleteLinks(data, auth.workspaceId, body, async (tx, links) => {
          await outbox.emit(tx, auth.workspaceId, 'link.deleted', () => links.map((r) => linkView(r.link, r.tagIds, ctx.baseUrl)))
        })
        cache.evict(deleted.links.map((r) => r.link))
        return { deletedIds: deleted.deletedIds }
      },
      { scope: 'linksWrite', ...jsonBody(IdList), detail: { summary: 'Delete links (soft)', tags } },
    )
}
