import { Elysia } from 'elysia'
import { clientIp, truncateIp } from '../clicks/ip'
import { log, logs } from '../log'
import { isApiPath, workspaceOf } from './api-guard'
import { socketAddress } from './client-ip'

/**
 * One log line per request: API requests at `info`, short-link visits at `debug` (a busy server
 * answers thousands a second). Method, path without its query, status, duration, workspace and the
 * truncated client address; never headers, bodies or query strings, so never a key or a password.
 */
export function requestLog(trustProxy: number) {
  const started = new WeakMap<Request, { at: number; ip: string | null }>()
  return new Elysia({ name: 'hoko-request-log' })
    .onRequest(({ request, server }) => {
      if (logs(isApiPath(request.url) ? 'info' : 'debug'))
        // The socket address is gone once the response is sent: take it now.
        started.set(request, { at: performance.now(), ip: truncateIp(clientIp(request, socketAddress(server, request), trustProxy)) })
    })
    .onAfterResponse({ as: 'global' }, (ctx) => {
      const { request, set } = ctx
      const start = started.get(request)
      if (start === undefined) return
      const url = request.url
      const from = url.indexOf('/', url.indexOf('//') + 2)
      const q = url.indexOf('?', from)
      const response = (ctx as { response?: unknown }).response
      log(isApiPath(url) ? 'info' : 'debug', 'request', {
        method: request.method,
        path: url.slice(from, q < 0 ? undefined : q),
        status: response instanceof Response ? response.status : Number(set.status ?? 200),
        ms: Math.round((performance.now() - start.at) * 100) / 100,
        workspace: workspaceOf(request),
        ip: start.ip,
      })
    })
}
