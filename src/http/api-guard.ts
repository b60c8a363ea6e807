import { Elysia } from 'elysia'
import type { AuthContext, Authenticate } from '../keys/service'
import type { Scope } from '../keys/scopes'
import { HokoError } from './errors'
import type { SlidingWindowLimiter } from './rate-limit'

const authByRequest = new WeakMap<Request, AuthContext>()

/** The workspace a request was authenticated for, if any (for logs). */
export const workspaceOf = (request: Request): string | undefined => authByRequest.get(request)?.workspaceId

export const MAX_URL_LENGTH = 8192

/** True for `/api` and everything below it. */
export function isApiPath(url: string): boolean {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start < 0 || !url.startsWith('/api', start)) return false
  const next = url.charCodeAt(start + 4)
  return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i
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

type GuardDeps = { authenticate: Authenticate; limiter: SlidingWindowLimiter; maxBodyBytes: number }

/**
 * Everything under /api passes here in the spec's order: body size (413), key (401), workspace rate
 * limit (429), then — per route, before the body is validated — scope (403) and a readable JSON
 * body (400). Elysia validates before `resolve`/`beforeHandle`, so these run in `onRequest`, a
 * lenient parser and the `scope` macro's `transform`.
 */
export function apiGuard(deps: GuardDeps) {
  return new Elysia({ name: 'hoko-api-guard' })
    .onRequest(({ request, set }) => {
      // Bun itself answers 431 to oversized headers; a long URL that fits them still stops here.
      if (request.url.length > MAX_URL_LENGTH) throw new HokoError('uri_too_long', { max: MAX_URL_LENGTH })
      if (!isApiPath(request.url)) return
      const length = request.headers.get('content-length')
      if (length !== null && Number(length) > deps.maxBodyBytes)
        throw new HokoError('payload_too_large', { limit: deps.maxBodyBytes })

      const auth = deps.authenticate(request.headers.get('authorization'))
      const rl = deps.limiter.hit(auth.workspaceId, auth.rateLimit)
      set.headers['x-ratelimit-limit'] = String(rl.limit)
      set.headers['x-ratelimit-remaining'] = String(rl.remaining)
      set.headers['x-ratelimit-reset'] = String(rl.reset)
      if (!rl.allowed) {
        set.headers['retry-after'] = String(rl.retryAfter)
        throw new HokoError('rate_limited', undefined, { retryAfter: rl.retryAfter })
      }
      authByRequest.set(request, auth)
    })
    .onParse({ as: 'global' }, async ({ request, contentType }) => {
      if (!isApiPath(request.url)) return
      // Errors are returned, not thrown: they surface after the scope check, in `transform`.
      const bytes = await request.arrayBuffer()
      if (bytes.byteLength === 0) return new HokoError('body_required')
      if (bytes.byteLength > deps.maxBodyBytes) return new HokoError('payload_too_large', { limit: deps.maxBodyBytes })
      if (!JSON_TYPE.test(contentType ?? '')) return new HokoError('unsupported_content_type')
      let text: string
      try {
        text = utf8.decode(bytes)
      } catch {
        return new HokoError('invalid_utf8')
      }
      if (tooDeep(text, MAX_JSON_DEPTH)) return new HokoError('too_deep', { max: MAX_JSON_DEPTH })
      try {
        return JSON.parse(text)
      } catch {
        return new HokoError('malformed_json')
      }
    })
}

/** `{ scope: 'linksRead' }` on a route: requires that scope and gives the handler `auth`. */
export const scoped = new Elysia({ name: 'hoko-scope' }).macro({
  scope: (scope: Scope) => ({
    transform({ request, body }) {
      const auth = authByRequest.get(request)
      if (!auth) throw new Error(`route with scope ${scope} is outside /api`)
      if (!auth.scopes.has(scope)) throw new HokoError('missing_scopes', undefined, { missingScopes: [scope] })
      if (body instanceof HokoError) throw body
    },
    resolve({ request }) {
      return { auth: authByRequest.get(request) as AuthContext }
    },
  }),
})
