import { and, asc, desc, eq, inArray } from 'drizzle-orm'
import { type AnyElysia, Elysia } from 'elysia'
import type { AppContext } from '../context'
import { apiKeys } from '../db/schema'
import { scoped } from '../http/api-guard'
import { HokoError } from '../http/errors'
import { checkBatchSize, iso, jsonBody, notFound } from '../http/resource'
import { FUTURE, KEY_NOUN, KeyQuery, NewKeysBody, RevokeKeysBody } from './model'
import { SCOPES, type Scope } from './scopes'
import { createKey, type KeyView } from './service'

const view = (k: typeof apiKeys.$inferSelect): KeyView => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes.split(','),
  createdAt: iso(k.createdAt)!,
  lastUsedAt: iso(k.lastUsedAt),
  expiresAt: iso(k.expiresAt),
  revoked: k.revokedAt !== null,
  revokedAt: iso(k.revokedAt),
})

/** /api/keys: the dashboard's Settings > API Keys, open to keys too (keysRead, keysWrite). */
export function keyRoutes(ctx: AppContext): AnyElysia {
  const { db } = ctx
  const tags = ['API keys']
  return new Elysia({ prefix: '/api/keys' })
    .use(scoped(ctx))
    .get(
      '',
      ({ auth, query }) => {
        const order = query.sort === 'asc' ? asc : desc
        return db
          .select()
          .from(apiKeys)
          .where(eq(apiKeys.workspaceId, auth.workspaceId))
          .orderBy(order(apiKeys.createdAt), order(apiKeys.id))
          .limit(query.take)
          .offset(query.skip)
          .all()
          .map(view)
      },
      { scope: 'keysRead', query: KeyQuery, detail: { summary: 'Get API keys (revoked ones included)', tags } },
    )
    .post(
      '',
      ({ auth, body, set }) => {
        checkBatchSize(auth, 'keys', body.length)
        const now = ctx.now()
        // No escalation: a key (or a role) can hand out only scopes it has itself.
        const items = body.map((item, i) => {
          const wanted: Scope[] = item.scopes === undefined ? SCOPES.filter((s) => auth.scopes.has(s)) : item.scopes.includes('all') ? [...SCOPES] : SCOPES.filter((s) => item.scopes!.includes(s))
          const lacking = wanted.filter((s) => !auth.scopes.has(s))
          if (lacking.length) throw new HokoError('scope_escalation', { path: `keys[${i}].scopes`, scopes: lacking })
          const expiresAt = item.expiresAt ? new Date(item.expiresAt) : null
          if (expiresAt && expiresAt.getTime() <= now) throw HokoError.validation(`keys[${i}].expiresAt: ${FUTURE}`, `keys[${i}].expiresAt: يجب أن يكون في المستقبل`)
          return { name: item.name, scopes: wanted, expiresAt }
        })
        const created = db.transaction(() =>
          items.map((item) => {
            const { id, key } = createKey(db, { workspaceId: auth.workspaceId, ...item }, new Date(now))
            return { ...view(db.select().from(apiKeys).where(eq(apiKeys.id, id)).get()!), key }
          }),
        )
        set.status = 201
        return created
      },
      { scope: 'keysWrite', ...jsonBody(NewKeysBody), detail: { summary: 'Create API keys (each key is shown once)', tags } },
    )
    .delete(
      '',
      ({ auth, body }) => {
        checkBatchSize(auth, 'keys', body.length)
        return db.transaction(
          () => {
            const rows = new Map(
              db.select().from(apiKeys).where(and(eq(apiKeys.workspaceId, auth.workspaceId), inArray(apiKeys.id, body))).all().map((k) => [k.id, k]),
            )
            const seen = new Set<string>()
            body.forEach((id, i) => {
              const row = rows.get(id)
              if (!row || seen.has(id)) throw notFound(`keys[${i}]`, KEY_NOUN, id)
              if (row.revokedAt) throw new HokoError('key_already_revoked', { path: `keys[${i}]`, id })
              seen.add(id)
            })
            db.update(apiKeys).set({ revokedAt: new Date(ctx.now()) }).where(and(eq(apiKeys.workspaceId, auth.workspaceId), inArray(apiKeys.id, body))).run()
            return { deletedIds: body }
          },
          { behavior: 'immediate' },
        )
      },
      { scope: 'keysWrite', ...jsonBody(RevokeKeysBody), detail: { summary: 'Revoke API keys', tags } },
    )
}
