import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { scoped } from '../http/api-guard'
import { AnalyticsQuery, SummaryQuery } from './model'
import { paged } from '../http/resource'
import { listClicks, summarize, totalClicks } from './service'

const tags = ['Analytics']

export const analyticsRoutes = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/analytics' })
    .use(scoped(ctx))
    .get('', ({ auth, query, set }) => paged(set, listClicks(ctx.db, auth.workspaceId, query), totalClicks(ctx.db, auth.workspaceId, query)), {
      scope: 'analyticsRead',
      query: AnalyticsQuery,
      detail: { summary: 'Get analytics: the clicks of your links, bots excluded', tags },
    })
    .get('/summary', ({ auth, query }) => summarize(ctx.db, auth.workspaceId, query), {
      scope: 'analyticsRead',
      query: SummaryQuery,
      detail: { summary: 'Click, lead and sale totals, optionally grouped', tags },
    })
