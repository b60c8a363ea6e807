import { createHash, timingSafeEqual } from 'node:crypto'
import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { socketAddress } from '../http/client-ip'
import { HokoError } from '../http/errors'

const sha256 = (s: string) => createHash('sha256').update(s).digest()

/** A socket address of this machine (127.0.0.0/8, ::1, and 127.x mapped into IPv6). */
const isLoopbackAddress = (ip: string | undefined) => ip !== undefined && (ip === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/i.test(ip))

/** Headers a reverse proxy adds: a request bearing one came from elsewhere, whatever its socket says. */
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip']

/**
 * GET /metrics, Prometheus text format. With HOKO_METRICS_TOKEN: that bearer token, compared in
 * constant time (401 without a token, 403 with a wrong one). Without it: clients on this machine
 * only, by the socket address and never by X-Forwarded-For; and since a reverse proxy on the same
 * machine connects from loopback too, not when the request bears a proxy's headers or HOKO_TRUST_PROXY
 * says that a proxy stands in front.
 */
export function metricsRoutes(ctx: AppContext) {
  const { config, metrics } = ctx
  const expected = config.metricsToken === undefined ? null : sha256(config.metricsToken)

  function allow(request: Request, address: () => string | undefined, set: { headers: Record<string, string | number> }) {
    if (expected) {
      const header = request.headers.get('authorization')
      const token = header && /^Bearer +(\S+) *$/i.exec(header)?.[1]
      if (!token) {
        set.headers['www-authenticate'] = 'Bearer realm="metrics"'
        throw new HokoError('missing_authorization')
      }
      // Both sides hashed: equal lengths, and the comparison says nothing about the token's length.
      if (!timingSafeEqual(sha256(token), expected)) throw new HokoError('metrics_token_invalid')
      return
    }
    const proxied = config.trustProxy > 0 || FORWARDING_HEADERS.some((h) => request.headers.has(h))
    if (proxied || !isLoopbackAddress(address())) throw new HokoError('metrics_local_only')
  }

  return new Elysia({ name: 'hoko-metrics' }).get(
    '/metrics',
    async ({ request, server, set }) => {
      allow(request, socketAddress(server, request), set)
      const body = await metrics.registry.metrics()
      return new Response(body, { headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' } })
    },
    { detail: { hide: true } },
  )
}
