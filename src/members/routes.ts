import { and, asc, desc, eq } from 'drizzle-orm'
import { type AnyElysia, Elysia } from 'elysia'
import { createInvites, deleteInvites, listInvites } from '../accounts/invites'
import type { Role } from '../accounts/roles'
import type { AppContext } from '../context'
import type { Data } from '../db/data'
import { scoped } from '../http/api-guard'
import { HokoError } from '../http/errors'
import { checkBatchSize, duplicate, iso, jsonBody, notFound } from '../http/resource'
import { DeleteInvitesBody, InviteQuery, MEMBER_NOUN, MemberQuery, MemberRolesBody, type MemberViewSchema, NewInvitesBody, RemoveMembersBody } from './model'
import type * as v from 'valibot'

type Member = v.InferOutput<typeof MemberViewSchema>

async function members(d: Data, workspaceId: string, sort: 'asc' | 'desc' = 'asc', lock = false): Promise<Member[]> {
  const order = sort === 'asc' ? asc : desc
  const { memberships, users } = d.t
  const select = d.orm
    .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, createdAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.workspaceId, workspaceId))
    .orderBy(order(memberships.createdAt), order(users.id))
  // PostgreSQL: two batches at once (on two instances, say) must not each leave the other's last owner.
  const rows = await (lock && d.engine === 'pg' ? select.for('update', { of: memberships }) : select)
  return rows.map((m) => ({ ...m, role: m.role as Role, createdAt: iso(m.createdAt)! }))
}

/**
 * Applies a batch of role changes or removals, all or nothing: every user must be a member, once,
 * and the workspace must keep an owner (the first owner the batch would take away is named).
 */
function changeMembers(d: Data, workspaceId: string, changes: { userId: string; role: Role | null }[], root: string, field: string) {
  return d.tx(async (tx) => {
    const current = new Map((await members(tx, workspaceId, 'asc', true)).map((m) => [m.userId, m]))
    const seen = new Map<string, number>()
    changes.forEach((c, i) => {
      const path = `${root}[${i}]${field}`
      if (seen.has(c.userId)) throw duplicate(path, c.userId, `${root}[${seen.get(c.userId)}]${field}`)
      seen.set(c.userId, i)
      if (!current.has(c.userId)) throw notFound(path, MEMBER_NOUN, c.userId)
    })
    const after = new Map([...current].map(([id, m]) => [id, m.role as Role | null]))
    for (const c of changes) after.set(c.userId, c.role)
    if (![...after.values()].includes('owner')) {
      const i = changes.findIndex((c) => current.get(c.userId)!.role === 'owner')
      throw new HokoError('last_owner', { path: `${root}[${i}]${field}`, email: current.get(changes[i].userId)!.email })
    }
    const { memberships } = tx.t
    for (const c of changes) {
      const where = and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, c.userId))
      if (c.role === null) await tx.orm.delete(memberships).where(where)
      else await tx.orm.update(memberships).set({ role: c.role }).where(where)
    }
  })
}

/** /api/members and /api/invites: who may use the workspace, and links that let someone join it. */
export function memberRoutes(ctx: AppContext): AnyElysia {
  const { data } = ctx
  const tags = ['Members']
  return new Elysia({ prefix: '/api' })
    .use(scoped(ctx))
    .get('/members', async ({ auth, query }) => (await members(data, auth.workspaceId, query.sort)).slice(query.skip, query.skip + query.take), {
      scope: 'membersRead',
      query: MemberQuery,
      detail: { summary: 'Get members', tags },
    })
    .put(
      '/members',
      async ({ auth, body }) => {
        checkBatchSize(auth, 'members', body.length)
        await changeMembers(data, auth.workspaceId, body, 'members', '.userId')
        const byId = new Map((await members(data, auth.workspaceId)).map((m) => [m.userId, m]))
        return body.map((c) => byId.get(c.userId)!)
      },
      { scope: 'membersWrite', ...jsonBody(MemberRolesBody), detail: { summary: "Change members' roles", tags } },
    )
    .delete(
      '/members',
      async ({ auth, body }) => {
        checkBatchSize(auth, 'members', body.length)
        await changeMembers(data, auth.workspaceId, body.map((userId) => ({ userId, role: null })), 'members', '')
        return { deletedIds: body }
      },
      { scope: 'membersWrite', ...jsonBody(RemoveMembersBody), detail: { summary: 'Remove members', tags } },
    )
    .get(
      '/invites',
      async ({ auth, query }) => {
        const list = await listInvites(data, auth.workspaceId)
        return (query.sort === 'asc' ? list.reverse() : list).slice(query.skip, query.skip + query.take)
      },
      { scope: 'membersWrite', query: InviteQuery, detail: { summary: 'Get pending invites', tags } },
    )
    .post(
      '/invites',
      ({ auth, body, set }) => {
        checkBatchSize(auth, 'invites', body.length)
        set.status = 201
        return createInvites(data, auth.workspaceId, body, auth.session?.userId ?? null, ctx.baseUrl, ctx.now())
      },
      { scope: 'membersWrite', ...jsonBody(NewInvitesBody), detail: { summary: 'Create one-time invite links (each shown once)', tags } },
    )
    .delete(
      '/invites',
      ({ auth, body }) => {
        checkBatchSize(auth, 'invites', body.length)
        return deleteInvites(data, auth.workspaceId, body)
      },
      { scope: 'membersWrite', ...jsonBody(DeleteInvitesBody), detail: { summary: 'Delete pending invites', tags } },
    )
}
