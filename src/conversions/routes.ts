import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { scoped } from '../http/api-guard'
import { jsonBody, paged } from '../http/resource'
import { createIdempotentRunner } from './idempotency'
import { listConversions } from './list'
import { ConversionQuery, TrackLeadBody, TrackSaleBody } from './model'
import { conversionStatements, trackLead, trackSale } from './service'

const tags = ['Conversions']

export const conversionRoutes = (ctx: AppContext) => {
  const st = conversionStatements(ctx.db)
  const idempotent = createIdempotentRunner(ctx.db)
  const answer = (set: { status?: number | string; headers: Record<string, string | number> }, r: ReturnType<typeof idempotent>) => {
    set.status = r.status
    if (r.replayed) set.headers['idempotent-replayed'] = 'true'
    return r.body
  }
  return new Elysia({ prefix: '/api/track' })
    .use(scoped(ctx))
    .post(
      '/lead',
      ({ auth, body, request, set }) =>
        answer(
          set,
          idempotent(auth.workspaceId, request.headers.get('idempotency-key'), { endpoint: 'lead', body }, 201, () =>
            trackLead(st, auth.workspaceId, body, ctx.baseUrl),
          ),
        ),
      { scope: 'conversionsWrite', ...jsonBody(TrackLeadBody), detail: { summary: 'Track a lead event', tags } },
    )
    .post(
      '/sale',
      ({ auth, body, request, set }) =>
        answer(
          set,
          idempotent(auth.workspaceId, request.headers.get('idempotency-key'), { endpoint: 'sale', body }, 201, () =>
            trackSale(st, auth.workspaceId, body, ctx.baseUrl),
          ),
        ),
      { scope: 'conversionsWrite', ...jsonBody(TrackSaleBody), detail: { summary: 'Track a sale event', tags } },
    )
}

/** GET /api/leads and /api/sales: the tracked events, each with the click, link and customer it belongs to. */
export const conversionListRoutes = (ctx: AppContext) =>
  new Elysia()
    .use(scoped(ctx))
    .get(
      '/api/leads',
      ({ auth, query, set }) => {
        const page = listConversions(ctx.db, 'leads', auth.workspaceId, query)
        return paged(set, page.items, page.total)
      },
      { scope: 'analyticsRead', query: ConversionQuery, detail: { summary: 'Get leads', tags } },
    )
    .get(
      '/api/sales',
      ({ auth, query, set }) => {
        const page = listConversions(ctx.db, 'sales', auth.workspaceId, query)
        return paged(set, page.items, page.total)
      },
      { scope: 'analyticsRead', query: ConversionQuery, detail: { summary: 'Get sales', tags } },
    )
