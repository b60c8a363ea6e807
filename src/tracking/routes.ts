import { Elysia } from 'elysia'
import * as v from 'valibot'
import type { AppContext } from '../context'
import { requestHost, shortOrigin } from '../domains/hosts'
import { socketAddress } from '../http/client-ip'
import { HokoError } from '../http/errors'
import { keylessLimit } from '../http/keyless-limit'
import { HttpUrl } from '../links/model'
import { clickUtm, shortQuery } from '../redirect/destination'
import { ANALYTICS_JS, embedScript, NOOP_SCRIPT } from './scripts'
import { onDestination, pageUrl } from './origin'
import { CaptureTokens } from './token'

const JS = 'text/javascript; charset=utf-8'

/** An Origin header as browsers send it: exactly the serialised origin of a page we accept, else null. */
const originOf = (header: string | null) => {
  const page = pageUrl(header)
  return page && page.origin === header ? page : null
}

const CaptureBody = v.strictObject({
  token: v.pipe(v.string(), v.maxLength(1024)),
  url: HttpUrl,
  sessionId: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  referrer: v.optional(v.pipe(v.string(), v.maxLength(2048))),
})

const invalidCapture = () => new HokoError('capture_invalid')

/** GET /analytics.js, and embedded click tracking on /:shortId/analytics.js. */
export function trackingRoutes(ctx: AppContext) {
  const { links, clicks } = ctx
  const tokens = new CaptureTokens(ctx.secret, ctx.captureNonces)

  /**
   * The link and its parsed destination, when the link can be tracked at all: not a deleted, expired or
   * password-protected one, whose visitors never reach the destination without the redirect (and a
   * token would confirm guesses about a protected link's destination host).
   */
  async function trackable(request: Request, shortId: string) {
    const domain = await links.domainFor(() => requestHost(request, ctx.config.trustProxy))
    const link = await links.get(domain === null ? '' : domain.name, shortId)
    if (!link || link.deleted || link.password !== null) return null
    if (link.expiresAt !== null && link.expiresAt <= ctx.now()) return null
    return { link, destination: new URL(link.url) }
  }

  const cors = (origin: string) => ({ 'access-control-allow-origin': origin, vary: 'Origin' })

  return new Elysia({ name: 'hoko-tracking' })
    .use(keylessLimit(ctx))
    .get(
      '/analytics.js',
      () => new Response(ANALYTICS_JS, { headers: { 'content-type': JS, 'cache-control': 'public, max-age=3600' } }),
      { detail: { summary: 'Browser attribution script: keeps hoko_id in a first-party cookie', tags: ['Tracking'], security: [] } },
    )
    .get(
      '/:shortId/analytics.js',
      async ({ params, request }) => {
        const headers = { 'content-type': JS, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }
        const target = await trackable(request, params.shortId)
        const origin = request.headers.get('origin')
        const page = origin !== null ? originOf(origin) : pageUrl(request.headers.get('referer'))
        if (!target || !page || !onDestination(page, target.destination)) return new Response(NOOP_SCRIPT, { headers })
        const url = new URL(request.url)
        // The link answers on its own domain only.
        const captureUrl = `${shortOrigin(ctx.baseUrl, target.link.domain)}/${encodeURIComponent(params.shortId)}/analytics.js${url.search}`
        return new Response(embedScript(tokens.issue(target.link.id, page.origin), captureUrl), { headers })
      },
      { detail: { summary: 'Embedded click tracking script for pages on the link destination host', tags: ['Tracking'], security: [] } },
    )
    .options('/:shortId/analytics.js', async ({ params, request }) => {
      const target = await trackable(request, params.shortId)
      const origin = request.headers.get('origin')
      const page = originOf(origin)
      if (!target || !origin || !page || !onDestination(page, target.destination)) return new Response(null, { status: 204 })
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
      const target = await trackable(request, params.shortId)
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
      const issuedTo = await tokens.redeem(body.token, target.link.id)
      const page = pageUrl(body.url)
      const origin = request.headers.get('origin')
      // The token's origin was checked when it was issued; the page and the requesting origin must be that origin.
      if (!issuedTo || !page || page.origin !== issuedTo || !onDestination(page, target.destination) || (origin !== null && origin !== issuedTo))
        throw invalidCapture()

      const clickId = clicks.newId()
      const committed = await clicks.record({
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
      return new Response(JSON.stringify({ clickId: committed }), {
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...(origin ? cors(origin) : {}) },
      })
    }, { keyless: 'capture' })
}
