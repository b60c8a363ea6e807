import { Elysia } from 'elysia'
import * as v from 'valibot'
import type { AppContext } from '../context'
import { hostOf } from '../clicks/capture'
import { socketAddress } from '../http/client-ip'
import { HokoError } from '../http/errors'
import { HttpUrl } from '../links/model'
import { clickUtm, shortQuery } from '../redirect/destination'
import { ANALYTICS_JS, embedScript, NOOP_SCRIPT } from './scripts'
import { CaptureTokens } from './token'

const JS = 'text/javascript; charset=utf-8'

/** The page is on the destination's host, or on its www. twin. */
const sameSite = (page: string, destination: string) =>
  page === destination || page === `www.${destination}` || `www.${page}` === destination

const CaptureBody = v.strictObject({
  token: v.pipe(v.string(), v.maxLength(1024)),
  url: HttpUrl,
  sessionId: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  referrer: v.optional(v.pipe(v.string(), v.maxLength(2048))),
})

const invalidCapture = () =>
  HokoError.validation(
    'capture: the token is invalid, expired or already used, or the page is not on the link\'s host',
    'capture: الرمز غير صالح أو منتهي الصلاحية أو مستخدم من قبل، أو أن الصفحة ليست على نطاق الرابط',
  )

/** GET /analytics.js, and embedded click tracking on /:shortId/analytics.js. */
export function trackingRoutes(ctx: AppContext) {
  const { links, clicks } = ctx
  const tokens = new CaptureTokens(ctx.secret)

  /** The link and its destination host, when the link can be tracked at all. */
  function trackable(shortId: string) {
    const link = links.get(shortId)
    if (!link || link.deleted) return null
    const host = hostOf(link.url)
    return host ? { link, host } : null
  }

  const cors = (origin: string) => ({ 'access-control-allow-origin': origin, vary: 'Origin' })

  return new Elysia({ name: 'hoko-tracking' })
    .get(
      '/analytics.js',
      () => new Response(ANALYTICS_JS, { headers: { 'content-type': JS, 'cache-control': 'public, max-age=3600' } }),
      { detail: { summary: 'Browser attribution script: keeps hoko_id in a first-party cookie', tags: ['Tracking'], security: [] } },
    )
    .get(
      '/:shortId/analytics.js',
      ({ params, request }) => {
        const headers = { 'content-type': JS, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }
        const target = trackable(params.shortId)
        const page = hostOf(request.headers.get('origin')) ?? hostOf(request.headers.get('referer'))
        if (!target || !page || !sameSite(page, target.host)) return new Response(NOOP_SCRIPT, { headers })
        const url = new URL(request.url)
        const captureUrl = `${ctx.baseUrl}/${encodeURIComponent(params.shortId)}/analytics.js${url.search}`
        return new Response(embedScript(tokens.issue(target.link.id, page), captureUrl), { headers })
      },
      { detail: { summary: 'Embedded click tracking script for pages on the link destination host', tags: ['Tracking'], security: [] } },
    )
    .options('/:shortId/analytics.js', ({ params, request }) => {
      const target = trackable(params.shortId)
      const origin = request.headers.get('origin')
      const page = hostOf(origin)
      if (!target || !origin || !page || !sameSite(page, target.host)) return new Response(null, { status: 204 })
      return new Response(null, {
        status: 204,
        headers: {
          ...cors(origin),
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type',
          'access-control-max-age': '600',
        },
      })
    })
    .post('/:shortId/analytics.js', async ({ params, request, server, body: raw }) => {
      const target = trackable(params.shortId)
      // Sent as text/plain so that the browser needs no CORS preflight.
      let json: unknown = raw
      if (typeof raw === 'string')
        try {
          json = JSON.parse(raw)
        } catch {
          throw invalidCapture()
        }
      const parsed = v.safeParse(CaptureBody, json)
      if (!parsed.success) throw invalidCapture()
      const body = parsed.output
      if (!target) throw invalidCapture()
      const host = tokens.redeem(body.token, target.link.id)
      const page = hostOf(body.url)
      const origin = request.headers.get('origin')
      // The token's host was checked when it was issued; the page and the requesting origin must be that host.
      if (!host || page !== host || !sameSite(page, target.host) || (origin !== null && hostOf(origin) !== host))
        throw invalidCapture()

      const clickId = Bun.randomUUIDv7()
      await clicks.record({
        id: clickId,
        link: target.link,
        visitor: clicks.describe(request, socketAddress(server, request)),
        destination: body.url,
        referrer: body.referrer || null,
        utm: clickUtm(target.link.utm, shortQuery(request.url)),
        qr: false,
        visitorId: body.sessionId,
        sessionId: body.sessionId,
      })
      return new Response(JSON.stringify({ clickId }), {
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...(origin ? cors(origin) : {}) },
      })
    })
}
