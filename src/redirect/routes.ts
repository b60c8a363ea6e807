import { log } from '../log'
import { createHash, timingSafeEqual } from 'node:crypto'
import { Elysia } from 'elysia'
import * as v from 'valibot'
import type { AppContext } from '../context'
import type { Visitor } from '../clicks/capture'
import { HokoError } from '../http/errors'
import { keylessLimit } from '../http/keyless-limit'
import { RESERVED_SHORT_IDS } from '../links/model'
import type { CachedLink } from './cache'
import { baseDestination, clickUtm, withClickId } from './destination'
import { PasswordGuard } from './password-guard'
import { cloakPage, gonePage, notFoundPage, passwordPage, tooManyAttemptsPage, unavailablePage } from '../http/pages'

const VISITOR_COOKIE = 'hoko_vid'
const SESSION_COOKIE = 'hoko_sid'
const VISITOR_MAX_AGE = 90 * 24 * 3600
/** A visit session ends after 30 minutes without a click. */
const SESSION_MAX_AGE = 30 * 60

const PasswordForm = v.object({ password: v.optional(v.pipe(v.string(), v.maxLength(1024)), '') })

/** 22 URL-safe characters, 74 random bits after the time: native and cheaper than nanoid here. */
const newVisitorId = () => Bun.randomUUIDv7('base64url')

const digest = (s: string) => createHash('sha256').update(s).digest()
const samePassword = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected))

function cookie(header: string | null, name: string): string | null {
  if (!header) return null
  const at = header.indexOf(`${name}=`)
  if (at < 0 || (at > 0 && header[at - 1] !== ' ' && header[at - 1] !== ';')) return null
  const end = header.indexOf(';', at)
  const value = header.slice(at + name.length + 1, end < 0 ? undefined : end)
  return /^[A-Za-z0-9_-]{1,64}$/.test(value) ? value : null
}

/** GET, HEAD and POST (password form) on /:shortId — the path every visitor takes. */
export function redirectRoutes(ctx: AppContext) {
  const { links, clicks } = ctx
  const guard = new PasswordGuard()
  const secure = () => (ctx.baseUrl.startsWith('https:') ? '; Secure' : '')

  function target(link: CachedLink, { agent, location }: Visitor): string {
    if (agent.platform === 'ios' && link.ios) return link.ios
    if (agent.platform === 'android' && link.android) return link.android
    if (location.countryCode && link.geo?.[location.countryCode]) return link.geo[location.countryCode]
    return link.url
  }

  async function visit(request: Request, shortId: string, socketIp: () => string | undefined, password?: string): Promise<Response> {
    if (RESERVED_SHORT_IDS.has(shortId.toLowerCase())) {
      if (shortId === 'api') throw new HokoError('not_found', { method: request.method, path: '/api' })
      return notFoundPage()
    }
    const link = links.get(shortId)
    if (!link || link.deleted) return notFoundPage()
    const expired = link.expiresAt !== null && link.expiresAt <= Date.now()
    if (expired && !link.expiredUrl) return gonePage()

    const url = request.url
    const q = url.indexOf('?')
    const query = q >= 0 && q < url.length - 1 ? new URLSearchParams(url.slice(q + 1)) : null
    const visitor = clicks.describe(request, socketIp)
    const ip = visitor.ip

    let destination: string
    if (expired) destination = link.expiredUrl!
    else {
      if (link.password !== null) {
        if (password === undefined) return passwordPage({ title: link.title })
        const wait = guard.blockedFor(ip, link.id)
        if (wait > 0) return tooManyAttemptsPage(wait)
        if (!samePassword(password, link.password)) {
          guard.fail(ip, link.id)
          return passwordPage({ title: link.title, wrong: true, status: 401 })
        }
        guard.succeed(ip, link.id)
      }
      destination = target(link, visitor)
    }

    let base = query ? null : link.bases.get(destination)
    if (!base) {
      base = baseDestination(destination, link.utm, query)
      // At most the link's few destinations (url, ios, android, geo, expiredUrl) are kept.
      if (!query) link.bases.set(destination, base)
    }
    // HEAD answers where the link goes and records nothing.
    if (request.method === 'HEAD') return new Response(null, { status: 302, headers: { location: base, 'cache-control': 'private, no-store' } })

    const clickId = Bun.randomUUIDv7()
    const finalUrl = withClickId(base, clickId)
    const cookies = request.headers.get('cookie')
    const visitorId = cookie(cookies, VISITOR_COOKIE) ?? newVisitorId()
    const sessionId = cookie(cookies, SESSION_COOKIE) ?? newVisitorId()
    try {
      await clicks.record({
        id: clickId,
        link,
        visitor,
        destination: finalUrl,
        referrer: request.headers.get('referer'),
        utm: clickUtm(link.utm, query),
        qr: query?.get('qr') === '1',
        visitorId,
        sessionId,
      })
    } catch (e) {
      log('error', 'click not recorded', { shortId: link.shortId, error: String(e) })
      return unavailablePage()
    }

    const headers: [string, string][] = [
      ['cache-control', 'private, no-store'],
      ['set-cookie', `${VISITOR_COOKIE}=${visitorId}; Max-Age=${VISITOR_MAX_AGE}; Path=/; HttpOnly; SameSite=Lax${secure()}`],
      ['set-cookie', `${SESSION_COOKIE}=${sessionId}; Max-Age=${SESSION_MAX_AGE}; Path=/; HttpOnly; SameSite=Lax${secure()}`],
    ]
    if (link.cloaked) return cloakPage(finalUrl, link.title, new Headers(headers))
    headers.push(['location', finalUrl])
    // After a password form, 303 turns the POST into a GET of the destination.
    return new Response(null, { status: password === undefined ? 302 : 303, headers })
  }

  return new Elysia({ name: 'hoko-redirect' })
    .use(keylessLimit(ctx))
    .get('/:shortId', ({ request, params, server }) => visit(request, params.shortId, () => server?.requestIP(request)?.address), {
      detail: { hide: true },
    })
    .head('/:shortId', ({ request, params, server }) => visit(request, params.shortId, () => server?.requestIP(request)?.address), {
      detail: { hide: true },
    })
    .post(
      '/:shortId',
      ({ request, params, server, body }) => visit(request, params.shortId, () => server?.requestIP(request)?.address, body.password),
      { body: PasswordForm, keyless: 'password', detail: { hide: true } },
    )
}
