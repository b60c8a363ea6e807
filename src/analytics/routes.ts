import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { scoped } from '../http/api-guard'
import { AnalyticsQuery, SummaryQuery } from './model'
import { listClicks, summarize } from './service'

const tags = ['Analytics']

export const analyticsRoutes = ({ db }: AppContext) =>
  new Elysia({ prefix: '/api/analytics' })
    .use(scoped)
    .get('', ({ auth, query }) => listClicks(db, auth.workspaceId, query), {
      scope: 'analyticsRead',
      query: AnalyticsQuery,
      detail: { summary: 'Get analytics: the clicks of your links, bots excluded', tags },
    })
    .get('/summary', ({ auth, query }) => summarize(db, auth.workspaceId, query), {
      scope: 'analyticsRead',
      query: SummaryQuery,
      detail: { summary: 'Click, lead and sale totals, optionally grouped', tags },
    })
