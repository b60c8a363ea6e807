import { Elysia } from 'elysia'
import { commissionEarner } from '../commissions/earn'
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
  // Inside the idempotent runner's transaction: a replay runs no work, so it earns nothing twice.
  const earn = commissionEarner(ctx.db, ctx.webhooks)
  const answer = (set: { status?: number | string; headers: Record<string, string | number> }, r: ReturnType<typeof idempotent>) => {
    set.status = r.status
    if (r.replayed) set.headers['idempotent-replayed'] = 'true'
    return r.body
  }
  /** The event carries the answer itself; in the conversion's transaction, so a replay emits nothing. */
  const emitted = <T>(type: 'lead.created' | 'sale.created', workspaceId: string, answer: T): T => {
    ctx.webhooks.emit(workspaceId, type, () => [answer])
    return answer
  }
  return new Elysia({ prefix: '/api/track' })
    .use(scoped(ctx))
    .post(
      '/lead',
      ({ auth, body, request, set }) =>
        answer(
          set,
          idempotent(auth.workspaceId, request.headers.get('idempotency-key'), { endpoint: 'lead', body }, 201, () =>
            emitted('lead.created', auth.workspaceId, trackLead(st, auth.workspaceId, body, ctx.baseUrl, (e, now) => earn(auth.workspaceId, e, now))),
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
            emitted('sale.created', auth.workspaceId, trackSale(st, auth.workspaceId, body, ctx.baseUrl, (e, now) => earn(auth.workspaceId, e, now))),
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
