import { Elysia } from 'elysia'
import { clientIp, truncateIp } from '../clicks/ip'
import { log, logs } from '../log'
import { isApiPath, workspaceOf } from './api-guard'
import { socketAddress } from './client-ip'

/** Where API answers are counted (src/metrics): method, matched route pattern, status, milliseconds. */
export type ApiAnswers = { apiAnswered(method: string, route: string, status: number, ms: number): void }

/**
 * What every request leaves behind once answered, from one pair of global hooks (each global hook
 * costs every redirect): the /metrics count of API answers, and one log line per request — API
 * requests at `info`, short-link visits at `debug` (a busy server answers thousands a second). A line
 * holds method, path without its query, status, duration, workspace and the truncated client address;
 * never headers, bodies or query strings, so never a key or a password. Registered before the API
 * guard, so that requests it refuses early (414) are counted and logged too.
 */
export function requestLog(trustProxy: number, answers: ApiAnswers) {
  const started = new WeakMap<Request, { at: number; api: boolean; ip: string | null }>()
  return new Elysia({ name: 'hoko-request-log' })
    .onRequest(({ request, server }) => {
      const api = isApiPath(request.url)
      const logged = logs(api ? 'info' : 'debug')
      if (api || logged)
        // The socket address is gone once the response is sent: take it now.
        started.set(request, { at: performance.now(), api, ip: logged ? truncateIp(clientIp(request, socketAddress(server, request), trustProxy)) : null })
    })
    .onAfterResponse({ as: 'global' }, (ctx) => {
      const { request, set } = ctx
      const start = started.get(request)
      if (start === undefined) return
      const response = (ctx as { response?: unknown }).response
      const status = response instanceof Response ? response.status : Number(set.status ?? 200)
      const ms = performance.now() - start.at
      // No route matched (a URL refused before routing): one label value, never the raw path.
      if (start.api) answers.apiAnswered(request.method, ctx.route || 'unmatched', status, ms)
      if (!logs(start.api ? 'info' : 'debug')) return
      const url = request.url
      const from = url.indexOf('/', url.indexOf('//') + 2)
      const q = url.indexOf('?', from)
      log(start.api ? 'info' : 'debug', 'request', {
        method: request.method,
        path: url.slice(from, q < 0 ? undefined : q),
        status,
        ms: Math.round(ms * 100) / 100,
        workspace: workspaceOf(request),
        ip: start.ip,
      })
    })
}
