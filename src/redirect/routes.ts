import type { BunRequest, Server } from 'bun'
import { Elysia } from 'elysia'
import * as v from 'valibot'
import type { Visitor } from '../clicks/capture'
import type { AppContext } from '../context'
import { socketAddress } from '../http/client-ip'
import { keylessLimit } from '../http/keyless-limit'
import { MAX_REQUEST_URL_LENGTH, pathStart, routerPathStart } from '../http/api-guard'
import { errorResponse } from '../http/error-handler'
import { cloakPage, gonePage, notFoundPage, passwordPage, redirectTo, tooManyAttemptsPage, unavailablePage } from '../http/pages'
import { requestHost } from '../domains/hosts'
import { RESERVED_SHORT_IDS } from '../links/model'
import { log, logs } from '../log'
import type { CachedLink } from './cache'
import { asksBrake, decide, type RequestMode } from './decide'
import { baseDestination, clickUtm, shortQuery, withClickId } from './destination'

const VISITOR_COOKIE = 'hoko_vid'
const SESSION_COOKIE = 'hoko_sid'
const VISITOR_MAX_AGE = 90 * 24 * 3600
/** A visit session ends after 30 minutes without a click. */
const SESSION_MAX_AGE = 30 * 60

const PasswordForm = v.object({ password: v.optional(v.pipe(v.string(), v.maxLength(1024)), '') })

/** 22 URL-safe characters, 74 random bits after the time: native and cheaper than nanoid here. */
const newVisitorId = () => Bun.randomUUIDv7('base64url')

function cookie(header: string | null, name: string): string | null {
  if (!header) return null
  const at = header.indexOf(`${name}=`)
  if (at < 0 || (at > 0 && header[at - 1] !== ' ' && header[at - 1] !== ';')) return null
  const end = header.indexOf(';', at)
  const value = header.slice(at + name.length + 1, end < 0 ? undefined : end)
  return /^[A-Za-z0-9_-]{1,64}$/.test(value) ? value : null
}

type Answer = Response | Promise<Response>
/** A handler of Bun.serve's own `routes`: the request carries the route's params. */
type BunRoute = (request: BunRequest, server: Server<unknown>) => Answer

/**
 * GET, HEAD and POST (password form) on /:shortId — the path every visitor takes. `routes` is the
 * Elysia feature; `serveRoutes` answers GET and HEAD from Bun.serve's router directly (see there).
 */
export function redirectRoutes(ctx: AppContext) {
  const { links, clicks } = ctx
  const { trustProxy } = ctx.config
  const guard = ctx.passwordBrake
  // What follows a cookie's value, built once: baseUrl (https or not) is known only once the server listens.
  let tails = { baseUrl: '', visitor: '', session: '' }
  const cookieTails = () => {
    if (tails.baseUrl !== ctx.baseUrl) {
      const attributes = `; Path=/; HttpOnly; SameSite=Lax${ctx.baseUrl.startsWith('https:') ? '; Secure' : ''}`
      tails = { baseUrl: ctx.baseUrl, visitor: `; Max-Age=${VISITOR_MAX_AGE}${attributes}`, session: `; Max-Age=${SESSION_MAX_AGE}${attributes}` }
    }
    return tails
  }

  /** The decision (see decide.ts), then what follows it: the brake, the click, the cookies, the response. */
  async function visit(request: Request, shortId: string, socketIp: () => string | undefined, mode: RequestMode, password?: string): Promise<Response> {
    // `/api` itself never gets here: the API guard's own route answers it.
    if (RESERVED_SHORT_IDS.has(shortId.toLowerCase())) return notFoundPage()
    const hosted = links.domainFor(() => requestHost(request, trustProxy))
    const domain = hosted instanceof Promise ? await hosted : hosted
    let visitor: Visitor | undefined
    const describe = () => (visitor ??= clicks.describe(request, socketIp))
    const now = ctx.now()
    const cached = links.get(domain === null ? '' : domain.name, shortId)
    const found = cached instanceof Promise ? await cached : cached
    // decide() does no I/O, and the brake may be in Redis: it is asked first, exactly where decide()
    // would ask it, and a visit never waits for it.
    let blocked = 0
    if (asksBrake(found, mode, now)) {
      const answer = guard.blockedFor(describe().ip, found.id, now)
      blocked = typeof answer === 'number' ? answer : await answer
    }
    const decision = decide<CachedLink>({ link: found, now, mode, password, visitor: describe, brake: { blockedFor: () => blocked } })
    ctx.metrics.redirects[decision.kind]++
    switch (decision.kind) {
      case 'notFound':
        return domain?.notFoundUrl ? redirectTo(domain.notFoundUrl) : notFoundPage()
      case 'gone':
        return gonePage()
      case 'needPassword':
        return passwordPage({ title: decision.title })
      case 'tooManyAttempts':
        return tooManyAttemptsPage(decision.retryAfter)
      case 'wrongPassword':
        await guard.fail(describe().ip, decision.link.id, now)
        return passwordPage({ title: decision.title, wrong: true, status: 401 })
    }

    const { link, url: destination } = decision
    if (decision.unlocked) await guard.succeed(describe().ip, link.id)
    const query = shortQuery(request.url)
    let base = query ? null : link.bases.get(destination)
    if (!base) {
      base = baseDestination(destination, link.utm, query)
      // At most the link's few destinations (url, ios, android, geo, expiredUrl) are kept.
      if (!query) link.bases.set(destination, base)
    }
    if (!decision.record) return new Response(null, { status: decision.status, headers: { location: base, 'cache-control': 'private, no-store' } })

    const clickId = clicks.newId()
    let finalUrl = withClickId(base, clickId.id)
    const cookies = request.headers.get('cookie')
    const knownVisitor = cookie(cookies, VISITOR_COOKIE)
    const knownSession = cookie(cookies, SESSION_COOKIE)
    const visitorId = knownVisitor ?? newVisitorId()
    const sessionId = knownSession ?? newVisitorId()
    try {
      const committed = await clicks.record({
        id: clickId,
        link,
        visitor: describe(),
        destination: finalUrl,
        referrer: request.headers.get('referer'),
        utm: clickUtm(link.utm, query),
        qr: query?.get('qr') === '1',
        visitorId,
        sessionId,
      })
      if (committed !== clickId.id) finalUrl = withClickId(base, committed)
    } catch (e) {
      log('error', 'click not recorded', { shortId: link.shortId, error: String(e) })
      return unavailablePage()
    }

    // The session cookie is sent on every click: its 30 minutes count from the last click, so each
    // click moves its expiry. The visitor cookie only when it is new or a session starts (no session
    // cookie came): its 90 days then count from the start of the latest session rather than from the
    // latest click, a difference of one session's length, and a returning visitor's clicks within a
    // session carry one cookie fewer.
    const tail = cookieTails()
    const headers: [string, string][] = [['cache-control', 'private, no-store']]
    if (!knownVisitor || !knownSession) headers.push(['set-cookie', `${VISITOR_COOKIE}=${visitorId}${tail.visitor}`])
    headers.push(['set-cookie', `${SESSION_COOKIE}=${sessionId}${tail.session}`])
    if (link.cloaked) return cloakPage(finalUrl, link.title, new Headers(headers))
    headers.push(['location', finalUrl])
    return new Response(null, { status: decision.status, headers })
  }

  const routes = new Elysia({ name: 'hoko-redirect' })
    .use(keylessLimit(ctx))
    .get('/:shortId', ({ request, params, server }) => visit(request, params.shortId, socketAddress(server, request), 'get'), { detail: { hide: true } })
    .head('/:shortId', ({ request, params, server }) => visit(request, params.shortId, socketAddress(server, request), 'head'), { detail: { hide: true } })
    .post('/:shortId', ({ request, params, server, body }) => visit(request, params.shortId, socketAddress(server, request), 'form', body.password), {
      body: PasswordForm,
      keyless: 'password',
      detail: { hide: true },
    })

  /**
   * GET and HEAD of /:shortId for Bun.serve's `routes`, in place of Elysia's handlers of the same
   * route: Elysia's per-request work (its context, the global hooks of the request log, the API and
   * domain guards, its response mapping) cost about as much as the visit itself. Those hooks have
   * nothing to do on a visit of a short id, except in the rare cases tested first, which `elysia` (the
   * app's own fetch, through Elysia's router and every hook) answers exactly as before: a URL the API
   * guard refuses, a reserved id (the domain guard's base-host-only pages are all reserved ids), and
   * the request log's debug lines. POST (the password form) stays with Elysia, for its body parser
   * and the keyless limit.
   */
  const serveRoutes = (elysia: (request: Request) => Answer) => {
    const handler =
      (mode: RequestMode): BunRoute =>
      (request, server) => {
        const url = request.url
        const shortId = request.params.shortId as string
        if (url.length > MAX_REQUEST_URL_LENGTH || routerPathStart(url) !== pathStart(url) || RESERVED_SHORT_IDS.has(shortId.toLowerCase()) || logs('debug'))
          return elysia(request)
        return visit(request, shortId, socketAddress(server, request), mode).catch((e) => errorResponse(e, request))
      }
    return { '/:shortId': { GET: handler('get'), HEAD: handler('head') } }
  }

  return { routes, serveRoutes }
}
