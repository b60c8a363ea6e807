import { Elysia } from 'elysia'
import { commissionEarner } from '../commissions/earn'
import type { CommissionView } from '../commissions/view'
import type { AppContext } from '../context'
import { scoped } from '../http/api-guard'
import { jsonBody, paged } from '../http/resource'
import { createIdempotentRunner } from './idempotency'
import { listConversions } from './list'
import { ConversionQuery, TrackLeadBody, TrackSaleBody } from './model'
import { conversionStatements, type OnConversion, trackLead, trackSale } from './service'

const tags = ['Conversions']

export const conversionRoutes = (ctx: AppContext) => {
  const st = conversionStatements(ctx.db)
  const idempotent = createIdempotentRunner(ctx.db)
  // Inside the idempotent runner's transaction: a replay runs no work, so it earns nothing twice.
  const commissions = commissionEarner(ctx.db, ctx.webhooks)
  const answer = (set: { status?: number | string; headers: Record<string, string | number> }, r: ReturnType<typeof idempotent>) => {
    set.status = r.status
    if (r.replayed) set.headers['idempotent-replayed'] = 'true'
    return r.body
  }
  /**
   * The conversion, its commission if it earns one, and their webhook events (the conversion's first),
   * all in the idempotent runner's transaction: a replay runs none of it.
   */
  const tracked = <T>(type: 'lead.created' | 'sale.created', workspaceId: string, track: (onConversion: OnConversion) => T): T => {
    let earned: CommissionView | null = null
    const answer = track((e, now) => (earned = commissions.earn(workspaceId, e, now)))
    ctx.webhooks.emit(workspaceId, type, () => [answer])
    if (earned) commissions.announce(workspaceId, earned)
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
            tracked('lead.created', auth.workspaceId, (on) => trackLead(st, auth.workspaceId, body, ctx.baseUrl, on)),
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
            tracked('sale.created', auth.workspaceId, (on) => trackSale(st, auth.workspaceId, body, ctx.baseUrl, on)),
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
