import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { addressBlock, clientIp } from '../clicks/ip'
import { socketAddress } from './client-ip'
import { MAX_JSON_DEPTH, tooDeep } from './api-guard'
import { HokoError } from './errors'
import { firstUnstorable } from './text'
import { tooManyRequestsPage } from './pages'

/**
 * Largest body of a keyless POST. The password form's largest valid body is a 1,024-character
 * password percent-encoded (9 bytes a character at worst, ~9.2 KB); capture's is ~7.3 KB (token 1,024,
 * page URL 4,096, referrer 2,048, session id 64). The API's 32 MiB would let anyone make the server
 * read and parse megabytes without a key.
 */
export const KEYLESS_MAX_BODY_BYTES = 16 * 1024

/**
 * The endpoints anyone may call, each with its own window per address. `page`: a browser shows the
 * 429 (an HTML page); otherwise a bilingual JSON error. `body`: how the body is read (form fields or
 * JSON), always within KEYLESS_MAX_BODY_BYTES and, for JSON, MAX_JSON_DEPTH.
 */
const ENDPOINTS = {
  qrcode: {},
  password: { page: true, body: 'form' },
  capture: { body: 'json' },
  // Login, setup, invite and logout forms: each login or sign-up costs an argon2id hash.
  account: { page: true, body: 'form' },
  tlsAsk: {},
} as const satisfies Record<string, { page?: boolean; body?: 'form' | 'json' }>

export type KeylessEndpoint = keyof typeof ENDPOINTS

const utf8 = new TextDecoder('utf-8', { fatal: true })
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i

/**
 * A route opts in with `{ keyless: 'qrcode' }`: at most `HOKO_KEYLESS_RATE_LIMIT` requests a minute
 * from one client address (an IPv6 /64 counts as one), in the API's sliding window, then 429 with
 * Retry-After; and a small body. The body is read in `parse` (the limit holds for chunked bodies
 * too, which announce no length); its errors are thrown in `transform`, before validation, as the
 * API guard does, because Elysia turns an error thrown in `parse` into its own.
 */
export const keylessLimit = (ctx: AppContext) =>
  new Elysia({ name: 'hoko-keyless-limit' }).macro({
    keyless: (endpoint: KeylessEndpoint) => {
      const rules: { page?: boolean; body?: 'form' | 'json' } = ENDPOINTS[endpoint]
      const kind = rules.body
      return {
        ...(kind && { parse: ({ request }: { request: Request }) => readBody(request, kind) }),
        transform({ body }) {
          if (body instanceof HokoError) throw body
        },
        beforeHandle({ request, server, set }) {
          const limit = ctx.config.keylessRateLimit
          if (limit === 0) return
          const ip = clientIp(request, socketAddress(server, request), ctx.config.trustProxy)
          const rl = ctx.keylessLimiter.hit(`${endpoint}|${addressBlock(ip)}`, limit)
          if (rl.allowed) return
          if (rules.page) return tooManyRequestsPage(rl.retryAfter)
          set.headers['retry-after'] = String(rl.retryAfter)
          throw new HokoError('rate_limited', undefined, { retryAfter: rl.retryAfter })
        },
      }
    },
  })

/** The body, or the HokoError to answer with: 413 past the limit, 400 for bad UTF-8, nesting, JSON or unstorable text. */
async function readBody(request: Request, kind: 'form' | 'json'): Promise<unknown> {
  const value = await parseBody(request, kind)
  if (value instanceof HokoError) return value
  const bad = firstUnstorable(value)
  return bad === null ? value : new HokoError('unstorable_text', { path: bad })
}

async function parseBody(request: Request, kind: 'form' | 'json'): Promise<unknown> {
  const bytes = await readCapped(request, KEYLESS_MAX_BODY_BYTES)
  if (!bytes) return new HokoError('payload_too_large', { limit: KEYLESS_MAX_BODY_BYTES })
  const type = request.headers.get('content-type') ?? ''
  if (kind === 'form' && /^multipart\/form-data/i.test(type)) {
    const form = await new Response(bytes, { headers: { 'content-type': type } }).formData().catch(() => null)
    if (!form) return new HokoError('invalid_request')
    return Object.fromEntries([...form].filter(([, value]) => typeof value === 'string'))
  }
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return new HokoError('invalid_utf8')
  }
  // Capture is sent as text/plain (no CORS preflight), so its body is JSON whatever the type says.
  if (kind === 'json' || JSON_TYPE.test(type)) {
    if (tooDeep(text, MAX_JSON_DEPTH)) return new HokoError('too_deep', { max: MAX_JSON_DEPTH })
    try {
      return JSON.parse(text)
    } catch {
      return new HokoError('malformed_json')
    }
  }
  if (/^application\/x-www-form-urlencoded/i.test(type)) return Object.fromEntries(new URLSearchParams(text))
  return text
}

/** The body's bytes, or null once it is larger than `max`; reading stops there. */
async function readCapped(request: Request, max: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const length = request.headers.get('content-length')
  if (length !== null && Number(length) > max) return null
  if (!request.body) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let total = 0
  const reader = request.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > max) {
      await reader.cancel().catch(() => {})
      return null
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(total)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  return bytes
}
