import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { scoped } from '../http/api-guard'
import { checkBatchSize, jsonBody, paged } from '../http/resource'
import { exportCommissionsCsv } from './export'
import { CommissionQuery, ExportQuery, SummaryQuery, UpdateCommissionsBody } from './model'
import { listCommissions, summarizeCommissions, updateCommissions } from './service'

const tags = ['Commissions']

/** What partners earned: listed, summed per currency, exported for payment, and moved through their statuses. */
export const commissionRoutes = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/commissions' })
    .use(scoped(ctx))
    .get(
      '',
      async ({ auth, query, set }) => {
        const page = await listCommissions(ctx.data, auth.workspaceId, query)
        return paged(set, page.items, page.total)
      },
      { scope: 'commissionsRead', query: CommissionQuery, detail: { summary: 'Get commissions', tags } },
    )
    .put(
      '',
      ({ auth, body }) => {
        checkBatchSize(auth, 'commissions', body.length)
        return updateCommissions(ctx.data, ctx.webhooks, auth.workspaceId, body)
      },
      { scope: 'commissionsWrite', ...jsonBody(UpdateCommissionsBody), detail: { summary: 'Change the status of commissions', tags } },
    )
    .get('/summary', ({ auth, query }) => summarizeCommissions(ctx.data, auth.workspaceId, query), {
      scope: 'commissionsRead',
      query: SummaryQuery,
      detail: { summary: 'Commission totals per group and currency', tags },
    })
    .get(
      '/export',
      ({ auth, query }) =>
        new Response(exportCommissionsCsv(ctx.data, auth.workspaceId, query).pipeThrough(new TextEncoderStream()), {
          headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="hoko-commissions.csv"' },
        }),
      { scope: 'commissionsRead', query: ExportQuery, detail: { summary: 'Export commissions as CSV', tags } },
    )
