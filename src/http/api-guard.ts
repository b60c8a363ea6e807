import { Elysia } from 'elysia'
import type { AuthContext, Authenticate } from '../keys/service'
import { type AuthenticateSession, readCookie, SESSION_COOKIE } from '../accounts/sessions'
import type { Scope } from '../keys/scopes'
import { HokoError } from './errors'
import { firstUnstorable, unstorableParam } from './text'
import type { RateLimiter, RateLimitResult } from './rate-limit'

const authByRequest = new WeakMap<Request, AuthContext>()
const ADMIN_WHAT = { en: 'do this', ar: 'القيام بهذا' }

/** The workspace a request was authenticated for, if any (for logs). */
export const workspaceOf = (request: Request): string | undefined => authByRequest.get(request)?.workspaceId

/** The whole request URL, path and query, of any request; longer ones get 414. (A link's destination has its own limit, MAX_DESTINATION_LENGTH.) */
export const MAX_REQUEST_URL_LENGTH = 8192

/** A route pattern under /api (`/api/links`, `/api/*`). */
const isApiRoute = (route: string) => route === '/api' || route.startsWith('/api/')

/** True for `/api` and everything below it. */
export function isApiPath(url: string): boolean {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start < 0 || !url.startsWith('/api', start)) return false
  const next = url.charCodeAt(start + 4)
  return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i
const CSV_TYPE = /^text\/csv\s*(?:;|$)/i
/** Routes whose body is a CSV file, handed over as bytes: the importer reports bad bytes per line. */
const CSV_ROUTES = new Set(['/api/links/import'])
/** No documented body nests deeper than 4; hostile nesting costs seconds of validation. */
export const MAX_JSON_DEPTH = 32

/** Whether JSON text nests arrays and objects deeper than `max` (strings are skipped). */
export function tooDeep(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92 /* \ */) i++
      else if (c === 34 /* " */) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--
  }
  return false
}
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** What the guard needs of the app: built once per app (see src/context.ts). */
export type GuardDeps = {
  authenticate: Authenticate
  authenticateSession: AuthenticateSession
  limiter: RateLimiter
  config: { maxBodyBytes: number }
}

/** Where Elysia's dynamic router thinks the path starts: it skips the first 11 characters (`https://x.y`). */
export const routerPathStart = (url: string) => url.indexOf('/', 11)
/** Where the path really starts: after the scheme's `//` and the host. */
export const pathStart = (url: string) => url.indexOf('/', url.indexOf('//') + 2)

/**
 * Key or session (401; a session's CSRF check and membership, 403), then the workspace's rate limit
 * (429), once per request. Called by the route that matched (the `scope` and `access` macros) and
 * by the /api not-found route, never from a second parse of the URL. A request with an
 * Authorization header is a key's, whatever cookies it carries: the two are never mixed.
 */
async function admit(deps: GuardDeps, request: Request, set: SetHeaders): Promise<AuthContext> {
  const known = authByRequest.get(request)
  if (known) return known
  const authorization = request.headers.get('authorization')
  const session = authorization === null ? readCookie(request.headers.get('cookie'), SESSION_COOKIE) : null
  const auth = session ? await deps.authenticateSession(request, session) : await deps.authenticate(authorization)
  // In memory the answer is at hand; from Redis it is one round trip away.
  const rl = deps.limiter.hit(auth.workspaceId, auth.rateLimit)
  return rl instanceof Promise ? rl.then((r) => limited(request, set, auth, r)) : limited(request, set, auth, rl)
}

type SetHeaders = { headers: Record<string, string | number> }

function limited(request: Request, set: SetHeaders, auth: AuthContext, rl: RateLimitResult): AuthContext {
  set.headers['x-ratelimit-limit'] = String(rl.limit)
  set.headers['x-ratelimit-remaining'] = String(rl.remaining)
  set.headers['x-ratelimit-reset'] = String(rl.reset)
  if (!rl.allowed) {
    set.headers['retry-after'] = String(rl.retryAfter)
    throw new HokoError('rate_limited', undefined, { retryAfter: rl.retryAfter })
  }
  authByRequest.set(request, auth)
  return auth
}

/**
 * The body of an API request, read leniently: errors are returned, not thrown, so that they surface
 * in the spec's order, in `transform`: 413 first, other body errors after the key and scope checks.
 * A declared oversized body is not read at all.
 */
async function readJson(deps: GuardDeps, request: Request, contentType: string | undefined, csv = false): Promise<unknown> {
  const max = deps.config.maxBodyBytes
  const length = request.headers.get('content-length')
  if (length !== null && Number(length) > max) return new HokoError('payload_too_large', { limit: max })
  const bytes = await request.arrayBuffer()
  if (bytes.byteLength === 0) return new HokoError('body_required')
  if (bytes.byteLength > max) return new HokoError('payload_too_large', { limit: max })
  if (csv) return CSV_TYPE.test(contentType ?? '') ? new Uint8Array(bytes) : new HokoError('csv_content_type')
  if (!JSON_TYPE.test(contentType ?? '')) return new HokoError('unsupported_content_type')
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return new HokoError('invalid_utf8')
  }
  if (tooDeep(text, MAX_JSON_DEPTH)) return new HokoError('too_deep', { max: MAX_JSON_DEPTH })
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return new HokoError('malformed_json')
  }
  const bad = firstUnstorable(value)
  return bad === null ? value : new HokoError('unstorable_text', { path: bad })
}

/**
 * Global part of the guard: the URL length (414) for every request, and a 404 for any URL whose
 * path Elysia's router would read differently from the URL itself (a Host of 3 characters or
 * fewer shifts it), so that no handler is ever reached under a path the guard did not see. Then
 * `/api` and `/api/*` paths that match no route: key and rate limit first, then 404.
 */
export function apiGuard(deps: GuardDeps) {
  const notFound = async ({ request, set }: { request: Request; set: SetHeaders }) => {
    await admit(deps, request, set)
    const url = request.url
    const from = pathStart(url)
    const q = url.indexOf('?', from)
    throw new HokoError('not_found', { method: request.method, path: url.slice(from, q < 0 ? undefined : q) })
  }
  return new Elysia({ name: 'hoko-api-guard' })
    .onRequest(({ request }) => {
      const url = request.url
      // Bun itself answers 431 to oversized headers; a long URL that fits them still stops here.
      if (url.length > MAX_REQUEST_URL_LENGTH) throw new HokoError('uri_too_long', { max: MAX_REQUEST_URL_LENGTH })
      if (routerPathStart(url) !== pathStart(url)) {
        const from = pathStart(url)
        throw new HokoError('not_found', { method: request.method, path: from < 0 ? '/' : url.slice(from).split('?')[0] })
      }
    })
    // The matched route decides, not the URL: every route under /api reads its body this way.
    .onParse({ as: 'global' }, ({ request, contentType, route }) =>
      isApiRoute(route) ? readJson(deps, request, contentType, CSV_ROUTES.has(route)) : undefined,
    )
    .all('/api', notFound, { detail: { hide: true } })
    .all('/api/*', notFound, { detail: { hide: true } })
}

function checkQueryText(url: string): void {
  const name = unstorableParam(url)
  if (name !== null) throw new HokoError('unstorable_text', { path: `query parameter ${name}` })
}

/**
 * `{ scope: 'linksRead' }` on a route: the matched route itself checks, in the spec's order, the
 * key (401), the workspace rate limit (429), the scope (403) and then a readable JSON body (400),
 * all before Elysia validates the body (read by the guard's parser); the handler gets `auth`.
 */
export const scoped = (deps: GuardDeps) =>
  new Elysia().macro({
    /**
     * Routes without a scope: `any` authenticated caller, a dashboard `session` only (403 for keys),
     * or an instance `admin`'s session only. Checked in the same place and order as `scope`.
     */
    access: (kind: 'any' | 'session' | 'admin') => ({
      async transform({ request, body, set }) {
        if (body instanceof HokoError && body.code === 'payload_too_large') throw body
        const auth = await admit(deps, request, set)
        if (kind === 'admin' && !auth.session?.isAdmin) throw new HokoError('admin_required', { what: ADMIN_WHAT })
        if (kind === 'session' && !auth.session) throw new HokoError('session_required')
        if (body instanceof HokoError) throw body
        checkQueryText(request.url)
      },
      resolve({ request }) {
        return { auth: authByRequest.get(request) as AuthContext }
      },
    }),
    scope: (scope: Scope) => ({
      async transform({ request, body, set }) {
        if (body instanceof HokoError && body.code === 'payload_too_large') throw body
        const auth = await admit(deps, request, set)
        if (!auth.scopes.has(scope)) throw new HokoError('missing_scopes', undefined, { missingScopes: [scope] })
        if (body instanceof HokoError) throw body
        checkQueryText(request.url)
      },
      resolve({ request }) {
        return { auth: authByRequest.get(request) as AuthContext }
      },
    }),
  })
