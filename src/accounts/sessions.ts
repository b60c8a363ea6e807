import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { and, eq, ne } from 'drizzle-orm'
import type { Data } from '../db/data'
import { HokoError } from '../http/errors'
import type { AuthContext } from '../keys/service'
import { effectiveRateLimit, PLANS } from '../workspaces/plans'
import { isRole, ROLE_SCOPES, type Role } from './roles'

export const SESSION_COOKIE = 'hoko_session'
export const IDLE_MS = 14 * 24 * 3600_000
/** last_seen_at is written at most this often per session, not on every request. */
const TOUCH_MS = 60_000

export const sha256 = (s: string) => new Bun.CryptoHasher('sha256').update(s).digest('hex')
/** 256 random bits, URL-safe: session secrets, setup and invite tokens. */
export const newSecret = () => randomBytes(32).toString('base64url')

/** The value of one cookie, or null; only URL-safe values are taken. */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim()
      return /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : null
    }
  }
  return null
}

const secure = (baseUrl: string) => (baseUrl.startsWith('https:') ? '; Secure' : '')

/** A session cookie: no Max-Age, the server ends idle sessions; HttpOnly so no script reads it. */
export const sessionCookie = (secret: string, baseUrl: string) =>
  `${SESSION_COOKIE}=${secret}; Path=/; HttpOnly; SameSite=Lax${secure(baseUrl)}`
export const clearSessionCookie = (baseUrl: string) => `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure(baseUrl)}`

/** Tied to the session: knowing it proves the page was served to this session's holder. */
export const csrfToken = (hokoSecret: string, sessionSecret: string) =>
  createHmac('sha256', hokoSecret).update(`csrf:${sessionSecret}`).digest('base64url')

export function sameToken(given: string | null | undefined, expected: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

export async function createSession(d: Data, userId: string, userAgent: string | null, now: number): Promise<{ id: string; secret: string }> {
  const secret = newSecret()
  const id = Bun.randomUUIDv7()
  await d.orm
    .insert(d.t.sessions)
    .values({ id, tokenHash: sha256(secret), userId, userAgent: userAgent?.slice(0, 500) ?? null, createdAt: new Date(now), lastSeenAt: new Date(now) })
  return { id, secret }
}

/** Ends every session of the user but `exceptId`; returns how many ended. */
export async function endSessions(d: Data, userId: string, exceptId?: string): Promise<number> {
  const sessions = d.t.sessions
  const where = exceptId ? and(eq(sessions.userId, userId), ne(sessions.id, exceptId)) : eq(sessions.userId, userId)
  return (await d.orm.delete(sessions).where(where).returning({ id: sessions.id })).length
}

export const endSession = (d: Data, id: string) => d.run('DELETE FROM sessions WHERE id = ?', [id])

/** A logged-in user, as the pages and the dashboard's routes see them. */
export type Session = { id: string; secret: string; userId: string; email: string; name: string; isAdmin: boolean; language: string; csrfToken: string }

type SessionRow = { id: string; user_id: string; last_seen_at: number; email: string; name: string; is_admin: number; language: string }

/**
 * Looks sessions up by the hash of their cookie, on every request (a logout or a password change
 * holds at once); ends idle ones and refreshes last_seen_at at most once a minute.
 */
export function createSessionStore(d: Data, hokoSecret: string, now: () => number) {
  const BY_HASH = `SELECT s.id, s.user_id, s.last_seen_at, u.email, u.name, u.is_admin, u.language
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`

  return async function find(secret: string | null): Promise<Session | null> {
    if (!secret) return null
    const row = await d.get<SessionRow>(BY_HASH, [sha256(secret)])
    if (!row) return null
    const t = now()
    if (t - row.last_seen_at >= IDLE_MS) {
      await d.run('DELETE FROM sessions WHERE id = ?', [row.id])
      return null
    }
    if (t - row.last_seen_at >= TOUCH_MS) await d.run('UPDATE sessions SET last_seen_at = ? WHERE id = ?', [t, row.id])
    return {
      id: row.id,
      secret,
      userId: row.user_id,
      email: row.email,
      name: row.name,
      isAdmin: row.is_admin === 1,
      language: row.language,
      csrfToken: csrfToken(hokoSecret, secret),
    }
  }
}
export type SessionStore = ReturnType<typeof createSessionStore>

/** The session of a request's cookie, or null: for pages such as /app that send visitors to /login. */
export function sessionFromRequest(ctx: { sessions: SessionStore }, request: Request): Promise<Session | null> {
  return ctx.sessions(readCookie(request.headers.get('cookie'), SESSION_COOKIE))
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * A form or fetch from another site carries the cookie but can neither read the token nor forge
 * the Origin: a state-changing request must come from the base origin (or the origin it was sent
 * to, for a server reached by another name than HOKO_BASE_URL) with the session's token.
 */
export function checkCsrf(request: Request, baseUrl: string, token: string | null | undefined, expected: string) {
  if (SAFE_METHODS.has(request.method)) return
  if (!originAllowed(request, baseUrl) || !sameToken(token, expected)) throw new HokoError('csrf_failed')
}

/** No Origin header (not a browser, or an old one), or this server's own. */
export function originAllowed(request: Request, baseUrl: string): boolean {
  const origin = request.headers.get('origin')
  return origin === null || origin === originOf(baseUrl) || origin === originOf(request.url)
}

const originOf = (url: string) => {
  try {
    return new URL(url).origin
  } catch {
    return ''
  }
}

/** Session auth for /api: the role's scopes in the workspace chosen by X-Hoko-Workspace. */
export type SessionAuth = AuthContext & { session: Session & { role: Role } }

type MembershipRow = { role: string; workspace_id: string; plan: string; rate_limit: number | null }

export function createSessionAuthenticator(d: Data, find: SessionStore, deps: { baseUrl: () => string; defaultRateLimit: number }) {
  const CHOSEN = `SELECT m.role, w.id AS workspace_id, w.plan, w.rate_limit FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
      WHERE m.user_id = ? AND (w.id = ? OR w.slug = ?)`
  const FIRST = `SELECT m.role, w.id AS workspace_id, w.plan, w.rate_limit FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
      WHERE m.user_id = ? ORDER BY m.created_at, w.id LIMIT 1`
  return async function authenticateSession(request: Request, secret: string): Promise<SessionAuth> {
    const session = await find(secret)
    if (!session) throw new HokoError('invalid_session')
    checkCsrf(request, deps.baseUrl(), request.headers.get('x-csrf-token'), session.csrfToken)
    const ref = request.headers.get('x-hoko-workspace')?.trim()
    const m = ref ? await d.get<MembershipRow>(CHOSEN, [session.userId, ref, ref]) : await d.get<MembershipRow>(FIRST, [session.userId])
    if (!m || !isRole(m.role)) throw new HokoError('not_a_member')
    return {
      keyId: null,
      workspaceId: m.workspace_id,
      scopes: ROLE_SCOPES[m.role],
      plan: PLANS[m.plan as keyof typeof PLANS] ?? PLANS.free,
      rateLimit: effectiveRateLimit(m.plan, m.rate_limit, deps.defaultRateLimit),
      session: { ...session, role: m.role },
    }
  }
}
export type AuthenticateSession = ReturnType<typeof createSessionAuthenticator>
