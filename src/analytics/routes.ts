import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { baseHostOf } from '../domains/hosts'
import { scoped } from '../http/api-guard'
import { AnalyticsQuery, SummaryQuery } from './model'
import { listClicks, summarize } from './service'

const tags = ['Analytics']

export const analyticsRoutes = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/analytics' })
    .use(scoped(ctx))
    .get('', ({ auth, query }) => listClicks(ctx.db, auth.workspaceId, query, baseHostOf(ctx.baseUrl)), {
      scope: 'analyticsRead',
      query: AnalyticsQuery,
      detail: { summary: 'Get analytics: the clicks of your links, bots excluded', tags },
    })
    .get('/summary', ({ auth, query }) => summarize(ctx.db, auth.workspaceId, query, baseHostOf(ctx.baseUrl)), {
      scope: 'analyticsRead',
      query: SummaryQuery,
      detail: { summary: 'Click, lead and sale totals, optionally grouped', tags },
    })
