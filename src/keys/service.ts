import { and, asc, eq, isNull } from 'drizzle-orm'
import { nanoid } from 'nanoid'
import type { Data } from '../db/data'
import type { apiKeys } from '../db/schema'
import { HokoError } from '../http/errors'
import { effectiveRateLimit, PLANS, type Plan } from '../workspaces/plans'
import { isScope, SCOPES, type Scope } from './scopes'

export class KeyError extends Error {}

const KEY_PREFIX = 'hk_'
/** `hk_` and 40 characters of nanoid's URL-safe alphabet: 240 random bits. */
const KEY_SHAPE = /^hk_[A-Za-z0-9_-]{32,128}$/
const DISPLAY_LENGTH = KEY_PREFIX.length + 8

export const hashKey = (key: string): string => new Bun.CryptoHasher('sha256').update(key).digest('hex')

export function parseScopes(list: string): Scope[] {
  if (list.trim() === 'all') return [...SCOPES]
  const names = list.split(',').map((s) => s.trim()).filter(Boolean)
  if (names.length === 0) throw new KeyError(`--scopes needs at least one of: all, ${SCOPES.join(', ')}`)
  for (const n of names) if (!isScope(n)) throw new KeyError(`unknown scope "${n}"; known scopes: all, ${SCOPES.join(', ')}`)
  return SCOPES.filter((s) => names.includes(s))
}

export type CreatedKey = { id: string; key: string; name: string; scopes: Scope[]; expiresAt: string | null }

type NewKey = { workspaceId: string; name: string; scopes: Scope[]; expiresAt?: Date | null }

/** The row of a new key and what its creator is shown once. */
function newKey(input: NewKey, now: Date): { row: typeof apiKeys.$inferInsert; created: CreatedKey } {
  const name = input.name.trim()
  if (!name || name.length > 255) throw new KeyError('--name must be 1 to 255 characters')
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) throw new KeyError('--expires must be in the future')
  const key = KEY_PREFIX + nanoid(40)
  const id = Bun.randomUUIDv7()
  const row = {
    id,
    workspaceId: input.workspaceId,
    name,
    hash: hashKey(key),
    prefix: key.slice(0, DISPLAY_LENGTH),
    scopes: input.scopes.join(','),
    createdAt: now,
    expiresAt: input.expiresAt ?? null,
  }
  return { row, created: { id, key, name, scopes: input.scopes, expiresAt: input.expiresAt?.toISOString() ?? null } }
}

export async function createKey(d: Data, input: NewKey, now = new Date()): Promise<CreatedKey> {
  const { row, created } = newKey(input, now)
  await d.orm.insert(d.t.apiKeys).values(row)
  return created
}

export type KeyView = {
  id: string
  name: string
  prefix: string
  scopes: string[]
  createdAt: string
  lastUsedAt: string | null
  expiresAt: string | null
  revoked: boolean
  revokedAt: string | null
}

export const keyView = (k: typeof apiKeys.$inferSelect): KeyView => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes.split(','),
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  expiresAt: k.expiresAt?.toISOString() ?? null,
  revoked: k.revokedAt !== null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
})

export async function listKeys(d: Data, workspaceId: string): Promise<KeyView[]> {
  const k = d.t.apiKeys
  return (await d.orm.select().from(k).where(eq(k.workspaceId, workspaceId)).orderBy(asc(k.createdAt), asc(k.id))).map(keyView)
}

export async function revokeKey(d: Data, id: string, now = new Date()): Promise<{ id: string; revokedAt: string }> {
  const k = d.t.apiKeys
  // The update is the check: of two revocations at once, one changes the row.
  const revoked = await d.orm.update(k).set({ revokedAt: now }).where(and(eq(k.id, id), isNull(k.revokedAt))).returning({ id: k.id })
  if (revoked.length === 0) {
    const row = (await d.orm.select({ revokedAt: k.revokedAt }).from(k).where(eq(k.id, id)))[0]
    if (!row) throw new KeyError(`no API key with id "${id}"`)
    throw new KeyError(`API key "${id}" was already revoked at ${row.revokedAt?.toISOString()}`)
  }
  return { id, revokedAt: now.toISOString() }
}

export type AuthContext = {
  /** null for a dashboard session. */
  keyId: string | null
  workspaceId: string
  scopes: ReadonlySet<Scope>
  plan: Plan
  rateLimit: number
  /** Set when a dashboard session (src/accounts/sessions.ts), not a key, made the request. */
  session?: { id: string; userId: string; isAdmin: boolean; role: 'owner' | 'member' | 'viewer' }
}

type KeyRow = {
  id: string
  workspace_id: string
  scopes: string
  expires_at: number | null
  revoked_at: number | null
  plan: string
  rate_limit: number | null
}

/**
 * Resolves an Authorization header to its key and workspace, on every API request: one prepared
 * statement by hash and no cache, so that a revocation made by the CLI (another process) holds at
 * once.
 */
export function createAuthenticator(d: Data, defaultRateLimit: number) {
  const BY_HASH = `SELECT k.id, k.workspace_id, k.scopes, k.expires_at, k.revoked_at, w.plan, w.rate_limit
       FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id WHERE k.hash = ?`
  // last_used_at is written at most once a minute per key, not on every request.
  const lastTouched = new Map<string, number>()
  const scopeSets = new Map<string, ReadonlySet<Scope>>()

  return async function authenticate(header: string | null, now = Date.now()): Promise<AuthContext> {
    const value = header?.trim()
    if (!value) throw new HokoError('missing_authorization')
    const token = /^bearer(\s|$)/i.test(value) ? value.slice(6).trim() : value
    if (!KEY_SHAPE.test(token)) throw new HokoError('invalid_api_key_format')
    const row = await d.get<KeyRow>(BY_HASH, [hashKey(token)])
    if (!row || row.revoked_at !== null) throw new HokoError('invalid_api_key')
    if (row.expires_at !== null && row.expires_at <= now) throw new HokoError('expired_api_key')

    if (now - (lastTouched.get(row.id) ?? 0) >= 60_000) {
      lastTouched.set(row.id, now)
      await d.run('UPDATE api_keys SET last_used_at = ? WHERE id = ?', [now, row.id])
    }
    let scopes = scopeSets.get(row.scopes)
    if (!scopes) {
      scopes = new Set(row.scopes.split(',') as Scope[])
      scopeSets.set(row.scopes, scopes)
    }
    return {
      keyId: row.id,
      workspaceId: row.workspace_id,
      scopes,
      plan: PLANS[row.plan as keyof typeof PLANS] ?? PLANS.free,
      rateLimit: effectiveRateLimit(row.plan, row.rate_limit, defaultRateLimit),
    }
  }
}
export type Authenticate = ReturnType<typeof createAuthenticator>
