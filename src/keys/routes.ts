import { and, asc, desc, eq, inArray } from 'drizzle-orm'
import { type AnyElysia, Elysia } from 'elysia'
import type { AppContext } from '../context'
import { scoped } from '../http/api-guard'
import { HokoError } from '../http/errors'
import { checkBatchSize, jsonBody, notFound } from '../http/resource'
import { FUTURE, KEY_NOUN, KeyQuery, NewKeysBody, RevokeKeysBody } from './model'
import { SCOPES, type Scope } from './scopes'
import { createKey, keyView } from './service'

/** /api/keys: the dashboard's Settings > API Keys, open to keys too (keysRead, keysWrite). */
export function keyRoutes(ctx: AppContext): AnyElysia {
  const { data } = ctx
  const { apiKeys } = data.t
  const tags = ['API keys']
  return new Elysia({ prefix: '/api/keys' })
    .use(scoped(ctx))
    .get(
      '',
      async ({ auth, query }) => {
        const order = query.sort === 'asc' ? asc : desc
        const rows = await data.orm
          .select()
          .from(apiKeys)
          .where(eq(apiKeys.workspaceId, auth.workspaceId))
          .orderBy(order(apiKeys.createdAt), order(apiKeys.id))
          .limit(query.take)
          .offset(query.skip)
        return rows.map(keyView)
      },
      { scope: 'keysRead', query: KeyQuery, detail: { summary: 'Get API keys (revoked ones included)', tags } },
    )
    .post(
      '',
      async ({ auth, body, set }) => {
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
        const created = await data.tx(async (tx) => {
          const keys = []
          for (const item of items) keys.push(await createKey(tx, { workspaceId: auth.workspaceId, ...item }, new Date(now)))
          const rows = await tx.orm.select().from(tx.t.apiKeys).where(inArray(tx.t.apiKeys.id, keys.map((k) => k.id)))
          const byId = new Map(rows.map((r) => [r.id, r]))
          return keys.map(({ id, key }) => ({ ...keyView(byId.get(id)!), key }))
        })
        set.status = 201
        return created
      },
      { scope: 'keysWrite', ...jsonBody(NewKeysBody), detail: { summary: 'Create API keys (each key is shown once)', tags } },
    )
    .delete(
      '',
      ({ auth, body }) => {
        checkBatchSize(auth, 'keys', body.length)
        return data.tx(async (tx) => {
          const keys = tx.t.apiKeys
          const mine = and(eq(keys.workspaceId, auth.workspaceId), inArray(keys.id, body))
          const select = tx.orm.select().from(keys).where(mine)
          // Locked until the commit on PostgreSQL: a key revoked meanwhile is reported as such, not revoked twice.
          const rows = new Map((await (tx.engine === 'pg' ? select.for('update') : select)).map((k) => [k.id, k]))
          const seen = new Set<string>()
          body.forEach((id, i) => {
            const row = rows.get(id)
            if (!row || seen.has(id)) throw notFound(`keys[${i}]`, KEY_NOUN, id)
            if (row.revokedAt) throw new HokoError('key_already_revoked', { path: `keys[${i}]`, id })
            seen.add(id)
          })
          await tx.orm.update(keys).set({ revokedAt: new Date(ctx.now()) }).where(mine)
          return { deletedIds: body }
        })
      },
      { scope: 'keysWrite', ...jsonBody(RevokeKeysBody), detail: { summary: 'Revoke API keys', tags } },
    )
}
