import { type AnyElysia, Elysia } from 'elysia'
import type { AppContext } from './context'
import { accountPageRoutes } from './accounts/page-routes'
import { accountRoutes } from './accounts/routes'
import { sessionFromRequest } from './accounts/sessions'
import { analyticsRoutes } from './analytics/routes'
import { collectionRoutes } from './collections/routes'
import { conversionListRoutes, conversionRoutes } from './conversions/routes'
import { customerRoutes } from './customers/routes'
import { dashboardRoutes } from './dashboard/routes'
import { openapiRoute } from './docs/openapi'
import { docsRoutes } from './docs/routes'
import { domainGuard } from './domains/guard'
import { domainRoutes } from './domains/routes'
import { healthRoutes } from './health/routes'
import { apiGuard } from './http/api-guard'
import { errorHandler } from './http/error-handler'
import { requestLog } from './http/request-log'
import { keyRoutes } from './keys/routes'
import { linkRoutes } from './links/routes'
import { memberRoutes } from './members/routes'
import { metricsRoutes } from './metrics/routes'
import { partnerRoutes } from './partners/routes'
import { commissionRoutes } from './commissions/routes'
import { qrcodeRoutes } from './qrcode/routes'
import { redirectRoutes } from './redirect/routes'
import { tagRoutes } from './tags/routes'
import { trackingRoutes } from './tracking/routes'
import { workspaceRoutes } from './workspaces/routes'
import { webhookRoutes } from './webhooks/routes'

/** The whole HTTP surface: global plugins first, then one `.use()` per feature. */
export function createApp(ctx: AppContext) {
  const redirect = redirectRoutes(ctx)
  // Bun's own router (Elysia's systemRouter, on by default) serves the hot /:shortId route fastest,
  // and its GET and HEAD skip Elysia's lifecycle (see redirectRoutes); Elysia answers what they hand back.
  const app: AnyElysia = new Elysia({
    serve: {
      maxRequestBodySize: ctx.config.maxBodyBytes + 1024 * 1024,
      idleTimeout: ctx.config.idleTimeout,
      routes: redirect.serveRoutes((request) => app.fetch(request)),
    },
  })
    .use(errorHandler)
    .use(requestLog(ctx.config.trustProxy, ctx.metrics))
    .use(openapiRoute(() => app))
    .use(
apiGuard(ctx)
    )
    // Before any route: on a custom domain, the root and the base host's own pages are answered here.
    .use(domainGuard(ctx))
    .use(docsRoutes())
    .use(healthRoutes(ctx))
    .use(metricsRoutes(ctx))
    .use(linkRoutes(ctx))
    .use(collectionRoutes(ctx))
    .use(tagRoutes(ctx))
    .use(partnerRoutes(ctx))
    .use(commissionRoutes(ctx))
    .use(customerRoutes(ctx))
    .use(domainRoutes(ctx))
    .use(analyticsRoutes(ctx))
    .use(conversionRoutes(ctx))
    .use(conversionListRoutes(ctx))
    .use(qrcodeRoutes(ctx))
    .use(trackingRoutes(ctx))
    .use(accountRoutes(ctx))
    .use(keyRoutes(ctx))
    .use(memberRoutes(ctx))
    .use(workspaceRoutes(ctx))
    .use(accountPageRoutes(ctx))
    .use(webhookRoutes(ctx))
    .use(dashboardRoutes(ctx, { signedIn: async (request) => (await sessionFromRequest(ctx, request)) !== null }))
    // Last: /:shortId takes whatever no other route does.
    .use(redirect.routes)
  return app
}

