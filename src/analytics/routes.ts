import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { baseHostOf } from '../domains/hosts'
import { scoped } from '../http/api-guard'
import { paged } from '../http/resource'
import { exportClicks } from './export'
import { AnalyticsQuery, ExportQuery, SummaryQuery } from './model'
import { listClicks, summarize, totalClicks } from './service'

const tags = ['Analytics']

export const analyticsRoutes = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/analytics' })
    .use(scoped(ctx))
    .get('', async ({ auth, query, set }) => {
      const baseHost = baseHostOf(ctx.baseUrl)
      const [page, total] = await Promise.all([listClicks(ctx.data, auth.workspaceId, query, baseHost), totalClicks(ctx.data, auth.workspaceId, query, baseHost)])
      return paged(set, page, total)
    }, {
      scope: 'analyticsRead',
      query: AnalyticsQuery,
      detail: { summary: 'Get analytics: the clicks of your links, bots excluded', tags },
    })
    .get('/summary', ({ auth, query }) => summarize(ctx.data, auth.workspaceId, query, baseHostOf(ctx.baseUrl)), {
      scope: 'analyticsRead',
      query: SummaryQuery,
      detail: { summary: 'Click, lead and sale totals, optionally grouped', tags },
    })
    .get(
      '/export',
      ({ auth, query }) =>
        new Response(exportClicks(ctx.data, auth.workspaceId, query, baseHostOf(ctx.baseUrl)).pipeThrough(new TextEncoderStream()), {
          headers:
            query.format === 'csv'
              ? { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="hoko-clicks.csv"' }
              : { 'content-type': 'application/x-ndjson; charset=utf-8', 'content-disposition': 'attachment; filename="hoko-clicks.ndjson"' },
        }),
      {
        scope: 'analyticsRead',
        query: ExportQuery,
        detail: { summary: 'Export clicks as CSV or NDJSON (streamed; the same filters, bots excluded, oldest first)', tags },
      },
    )
