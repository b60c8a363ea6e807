import { openapi } from '@elysiajs/openapi'
import { toJsonSchema } from '@valibot/to-json-schema'
import { Elysia } from 'elysia'
import type { Config } from './config'
import type { Db } from './db'
import { analyticsRoutes } from './analytics/routes'
import { Clicks } from './clicks/capture'
import { collectionRoutes } from './collections/routes'
import { conversionRoutes } from './conversions/routes'
import { customerRoutes } from './customers/routes'
import { healthRoutes } from './health/routes'
import { apiGuard } from './http/api-guard'
import { errorHandler } from './http/error-handler'
import { SlidingWindowLimiter } from './http/rate-limit'
import { requestLog } from './http/request-log'
import { createAuthenticator } from './keys/service'
import { linkRoutes } from './links/routes'
import { partnerRoutes } from './partners/routes'
import { qrcodeRoutes } from './qrcode/routes'
import { LinkCache } from './redirect/cache'
import { redirectRoutes } from './redirect/routes'
import { tagRoutes } from './tags/routes'
import { trackingRoutes } from './tracking/routes'

export type AppContext = { db: Db; config: Config; baseUrl: string; secret: string }

/** The whole HTTP surface: global plugins first, then one `.use()` per feature. */
export function createApp(ctx: AppContext) {
  const linkCache = new LinkCache(ctx.db, ctx.config.linkCacheSize)
  const clicks = new Clicks(ctx.db, ctx.config)
  // Bun's own router (Elysia's systemRouter, on by default) serves the hot /:shortId route fastest.
  return new Elysia({ serve: { maxRequestBodySize: ctx.config.maxBodyBytes + 1024 * 1024, idleTimeout: ctx.config.idleTimeout } })
    .use(errorHandler)
    .use(requestLog(ctx.config.trustProxy))
    .use(
      openapi({
        path: '/docs',
        specPath: '/openapi.json',
        // A page built per request: a static Response would go to Bun's static routes, where /:shortId shadows it.
        embedSpec: true,
        documentation: {
          info: { title: 'Hoko API', version: '0.1.0', description: 'Self-hosted link attribution.' },
          components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
          security: [{ apiKey: [] }],
        },
        mapJsonSchema: { valibot: (s: any) => toJsonSchema(s, { errorMode: 'ignore', typeMode: 'input' }) },
      }),
    )
    .use(
      apiGuard({
        authenticate: createAuthenticator(ctx.db, ctx.config.rateLimit),
        limiter: new SlidingWindowLimiter(),
        maxBodyBytes: ctx.config.maxBodyBytes,
      }),
    )
    .use(healthRoutes(ctx.db))
    .use(linkRoutes(ctx, linkCache))
    .use(collectionRoutes(ctx))
    .use(tagRoutes(ctx))
    .use(partnerRoutes(ctx))
    .use(customerRoutes(ctx))
    .use(analyticsRoutes(ctx))
    .use(conversionRoutes(ctx))
    .use(qrcodeRoutes())
    .use(trackingRoutes(ctx, linkCache, clicks))
    // Last: /:shortId takes whatever no other route does.
    .use(redirectRoutes(ctx, linkCache, clicks))
}

