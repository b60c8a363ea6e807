import { Elysia } from 'elysia'
import { isApiPath } from '../http/api-guard'
import type { Metrics } from './registry'

/**
 * Counts API requests by method, matched route pattern and status, with their latency. Registered
 * before the API guard, so that requests it refuses early (414) count too. Short-link visits pay one
 * path test here and one failed WeakMap lookup after the response; they are counted in the redirect.
 */
export function apiRequestMetrics(metrics: Metrics) {
  const started = new WeakMap<Request, number>()
  return new Elysia({ name: 'hoko-api-metrics' })
    .onRequest(({ request }) => {
      if (isApiPath(request.url)) started.set(request, performance.now())
    })
    .onAfterResponse({ as: 'global' }, (ctx) => {
      const at = started.get(ctx.request)
      if (at === undefined) return
      const response = (ctx as { response?: unknown }).response
      const status = response instanceof Response ? response.status : Number(ctx.set.status ?? 200)
      // No route matched (a URL refused before routing): one label value, never the raw path.
      metrics.apiAnswered(ctx.request.method, ctx.route || 'unmatched', status, performance.now() - at)
    })
}
