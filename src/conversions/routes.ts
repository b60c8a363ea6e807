import { Elysia } from 'elysia'
import { commissionEarner } from '../commissions/earn'
import type { CommissionView } from '../commissions/view'
import type { AppContext } from '../context'
import type { Data } from '../db/data'
import { scoped } from '../http/api-guard'
import { jsonBody, paged } from '../http/resource'
import { createIdempotentRunner, type Replayable } from './idempotency'
import { listConversions } from './list'
import { ConversionQuery, TrackLeadBody, TrackSaleBody } from './model'
import { type OnConversion, trackLead, trackSale } from './service'

const tags = ['Conversions']

export const conversionRoutes = (ctx: AppContext) => {
  const idempotent = createIdempotentRunner(ctx.data)
  // Inside the idempotent runner's transaction: a replay runs no work, so it earns nothing twice.
  const commissions = commissionEarner(ctx.webhooks)
  const linkView = (d: Data, id: string) => ctx.webhooks.linkView(d, id)
  const answer = (set: { status?: number | string; headers: Record<string, string | number> }, r: Replayable) => {
    set.status = r.status
    if (r.replayed) set.headers['idempotent-replayed'] = 'true'
    return r.body
  }
  /**
   * The conversion, its commission if it earns one, and their webhook events (the conversion's first),
   * all in the idempotent runner's transaction: a replay runs none of it.
   */
  const tracked = async <T>(tx: Data, type: 'lead.created' | 'sale.created', workspaceId: string, track: (onConversion: OnConversion) => Promise<T>) => {
    let earned: CommissionView | null = null
    const answer = await track(async (e, now) => {
      earned = await commissions.earn(tx, workspaceId, e, now)
    })
    await ctx.webhooks.emit(tx, workspaceId, type, () => [answer])
    if (earned) await commissions.announce(tx, workspaceId, earned)
    return answer
  }
  return new Elysia({ prefix: '/api/track' })
    .use(scoped(ctx))
    .post(
      '/lead',
      async ({ auth, body, request, set }) =>
        answer(
          set,
          await idempotent(auth.workspaceId, request.headers.get('idempotency-key'), { endpoint: 'lead', body }, 201, (tx) =>
            tracked(tx, 'lead.created', auth.workspaceId, (on) => trackLead(tx, auth.workspaceId, body, linkView, on)),
          ),
        ),
      { scope: 'conversionsWrite', ...jsonBody(TrackLeadBody), detail: { summary: 'Track a lead event', tags } },
    )
    .post(
      '/sale',
      async ({ auth, body, request, set }) =>
        answer(
          set,
          await idempotent(auth.workspaceId, request.headers.get('idempotency-key'), { endpoint: 'sale', body }, 201, (tx) =>
            tracked(tx, 'sale.created', auth.workspaceId, (on) => trackSale(tx, auth.workspaceId, body, linkView, on)),
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
      async ({ auth, query, set }) => {
        const page = await listConversions(ctx.data, 'leads', auth.workspaceId, query)
        return paged(set, page.items, page.total)
      },
      { scope: 'analyticsRead', query: ConversionQuery, detail: { summary: 'Get leads', tags } },
    )
    .get(
      '/api/sales',
      async ({ auth, query, set }) => {
        const page = await listConversions(ctx.data, 'sales', auth.workspaceId, query)
        return paged(set, page.items, page.total)
      },
      { scope: 'analyticsRead', query: ConversionQuery, detail: { summary: 'Get sales', tags } },
    )
