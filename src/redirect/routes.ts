import { createHash, timingSafeEqual } from 'node:crypto'
import { Elysia } from 'elysia'
import { nanoid } from 'nanoid'
import * as v from 'valibot'
import type { AppContext } from '../app'
import { Geo } from '../clicks/geo'
import { clientIp, truncateIp } from '../clicks/ip'
import { AgentParser, type Agent } from '../clicks/ua'
import { ClickWriter, type ClickRow } from '../clicks/writer'
import { HokoError } from '../http/errors'
import { RESERVED_SHORT_IDS } from '../links/model'
import type { CachedLink, LinkCache } from './cache'
import { buildDestination, clickUtm } from './destination'
import { PasswordGuard } from './password-guard'
import { cloakPage, gonePage, notFoundPage, passwordPage, tooManyAttemptsPage, unavailablePage } from './pages'

const VISITOR_COOKIE = 'hoko_vid'
const SESSION_COOKIE = 'hoko_sid'
const VISITOR_MAX_AGE = 90 * 24 * 3600
/** A visit session ends after 30 minutes without a click. */
const SESSION_MAX_AGE = 30 * 60

const PasswordForm = v.object({ password: v.optional(v.pipe(v.string(), v.maxLength(1024)), '') })

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

function hostOf(url: string | null): string | null {
  if (!url) return null
  try {
    return new URL(url).hostname || null
  } catch {
    return null
  }
}

/** GET, HEAD and POST (password form) on /:shortId — the path every visitor takes. */
export function redirectRoutes(ctx: AppContext, links: LinkCache) {
  const { config } = ctx
  const writer = new ClickWriter(ctx.db.$client)
  const geo = new Geo(config.geoipDb)
  const agents = new AgentParser()
  const guard = new PasswordGuard()
  const secure = () => (ctx.baseUrl.startsWith('https:') ? '; Secure' : '')

  function target(link: CachedLink, agent: Agent, countryCode: string | null): string {
    if (agent.platform === 'ios' && link.ios) return link.ios
    if (agent.platform === 'android' && link.android) return link.android
    if (countryCode && link.geo?.[countryCode]) return link.geo[countryCode]
    return link.url
  }

  async function visit(request: Request, shortId: string, socketIp: string | undefined, password?: string): Promise<Response> {
    if (RESERVED_SHORT_IDS.has(shortId.toLowerCase())) {
      if (shortId === 'api') throw new HokoError('not_found', { method: request.method, path: '/api' })
      return notFoundPage()
    }
    const link = links.get(shortId)
    if (!link || link.deleted) return notFoundPage()

    const url = request.url
    const q = url.indexOf('?')
    const query = q >= 0 && q < url.length - 1 ? new URLSearchParams(url.slice(q + 1)) : null
    const ip = clientIp(request, socketIp, config.trustProxy)
    const ua = request.headers.get('user-agent')
    const agent = agents.parse(ua)
    const location = geo.lookup(ip)

    let destination: string
    if (link.expiresAt !== null && link.expiresAt <= Date.now()) {
      if (!link.expiredUrl) return gonePage()
      destination = link.expiredUrl
    } else {
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
      destination = target(link, agent, location.countryCode)
    }

    // HEAD answers where the link goes and records nothing.
    if (request.method === 'HEAD')
      return new Response(null, { status: 302, headers: { location: buildDestination(destination, link.utm, query, null), 'cache-control': 'private, no-store' } })

    const clickId = Bun.randomUUIDv7()
    const finalUrl = buildDestination(destination, link.utm, query, clickId)
    const cookies = request.headers.get('cookie')
    const visitorId = cookie(cookies, VISITOR_COOKIE) ?? nanoid(21)
    const sessionId = cookie(cookies, SESSION_COOKIE) ?? nanoid(21)
    const referrer = request.headers.get('referer')
    const utm = clickUtm(link.utm, query)
    const language = request.headers.get('accept-language')?.split(',')[0]?.split(';')[0]?.trim().slice(0, 35) || null
    const row: ClickRow = [
      clickId,
      link.workspaceId,
      link.id,
      link.shortId,
      link.partnerId,
      link.externalId,
      link.tenantId,
      Date.now(),
      finalUrl,
      referrer ? referrer.slice(0, 2048) : null,
      hostOf(referrer),
      utm ? JSON.stringify(utm) : null,
      visitorId,
      sessionId,
      agent.browserName,
      agent.browserVersion,
      agent.osName,
      agent.osVersion,
      agent.deviceType,
      language,
      location.country,
      location.countryCode,
      location.city,
      query?.get('qr') === '1' ? 1 : 0,
      agent.bot ? 1 : 0,
      truncateIp(ip),
    ]
    try {
      await writer.write(row)
    } catch (e) {
      console.error(JSON.stringify({ level: 'error', msg: 'click not recorded', error: String(e) }))
      return unavailablePage()
    }

    const headers = new Headers({ 'cache-control': 'private, no-store' })
    headers.append('set-cookie', `${VISITOR_COOKIE}=${visitorId}; Max-Age=${VISITOR_MAX_AGE}; Path=/; HttpOnly; SameSite=Lax${secure()}`)
    headers.append('set-cookie', `${SESSION_COOKIE}=${sessionId}; Max-Age=${SESSION_MAX_AGE}; Path=/; HttpOnly; SameSite=Lax${secure()}`)
    if (link.cloaked) return cloakPage(finalUrl, link.title, headers)
    headers.set('location', finalUrl)
    // After a password form, 303 turns the POST into a GET of the destination.
    return new Response(null, { status: password === undefined ? 302 : 303, headers })
  }

  return new Elysia({ name: 'hoko-redirect' })
    .get('/:shortId', ({ request, params, server }) => visit(request, params.shortId, server?.requestIP(request)?.address), {
      detail: { hide: true },
    })
    .head('/:shortId', ({ request, params, server }) => visit(request, params.shortId, server?.requestIP(request)?.address), {
      detail: { hide: true },
    })
    .post(
      '/:shortId',
      ({ request, params, server, body }) => visit(request, params.shortId, server?.requestIP(request)?.address, body.password),
      { body: PasswordForm, detail: { hide: true } },
    )
}
