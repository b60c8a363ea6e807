import { and, asc, desc, eq } from 'drizzle-orm'
import { type AnyElysia, Elysia } from 'elysia'
import { createInvites, deleteInvites, listInvites } from '../accounts/invites'
import type { Role } from '../accounts/roles'
import type { AppContext } from '../context'
import type { Db } from '../db'
import { memberships, users } from '../db/schema'
import { scoped } from '../http/api-guard'
import { HokoError } from '../http/errors'
import { checkBatchSize, duplicate, iso, jsonBody, notFound } from '../http/resource'
import { DeleteInvitesBody, InviteQuery, MEMBER_NOUN, MemberQuery, MemberRolesBody, type MemberViewSchema, NewInvitesBody, RemoveMembersBody } from './model'
import type * as v from 'valibot'

type Member = v.InferOutput<typeof MemberViewSchema>

function members(db: Db, workspaceId: string, sort: 'asc' | 'desc' = 'asc'): Member[] {
  const order = sort === 'asc' ? asc : desc
  return db
    .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, createdAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.workspaceId, workspaceId))
    .orderBy(order(memberships.createdAt), order(users.id))
    .all()
    .map((m) => ({ ...m, role: m.role as Role, createdAt: iso(m.createdAt)! }))
}

/**
 * Applies a batch of role changes or removals, all or nothing: every user must be a member, once,
 * and the workspace must keep an owner (the first owner the batch would take away is named).
 */
function changeMembers(db: Db, workspaceId: string, changes: { userId: string; role: Role | null }[], root: string, field: string) {
  return db.transaction(
    () => {
      const current = new Map(members(db, workspaceId).map((m) => [m.userId, m]))
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
      for (const c of changes) {
        const where = and(eq(memberships.workspaceId, workspaceId), eq(memberships.userId, c.userId))
        if (c.role === null) db.delete(memberships).where(where).run()
        else db.update(memberships).set({ role: c.role }).where(where).run()
      }
    },
    { behavior: 'immediate' },
  )
}

/** /api/members and /api/invites: who may use the workspace, and links that let someone join it. */
export function memberRoutes(ctx: AppContext): AnyElysia {
  const { db } = ctx
  const tags = ['Members']
  return new Elysia({ prefix: '/api' })
    .use(scoped(ctx))
    .get('/members', ({ auth, query }) => members(db, auth.workspaceId, query.sort).slice(query.skip, query.skip + query.take), {
      scope: 'membersRead',
      query: MemberQuery,
      detail: { summary: 'Get members', tags },
    })
    .put(
      '/members',
      ({ auth, body }) => {
        checkBatchSize(auth, 'members', body.length)
        changeMembers(db, auth.workspaceId, body, 'members', '.userId')
        const byId = new Map(members(db, auth.workspaceId).map((m) => [m.userId, m]))
        return body.map((c) => byId.get(c.userId)!)
      },
      { scope: 'membersWrite', ...jsonBody(MemberRolesBody), detail: { summary: "Change members' roles", tags } },
    )
    .delete(
      '/members',
      ({ auth, body }) => {
        checkBatchSize(auth, 'members', body.length)
        changeMembers(db, auth.workspaceId, body.map((userId) => ({ userId, role: null })), 'members', '')
        return { deletedIds: body }
      },
      { scope: 'membersWrite', ...jsonBody(RemoveMembersBody), detail: { summary: 'Remove members', tags } },
    )
    .get(
      '/invites',
      ({ auth, query }) => {
        const list = listInvites(db, auth.workspaceId)
        return (query.sort === 'asc' ? list.reverse() : list).slice(query.skip, query.skip + query.take)
      },
      { scope: 'membersWrite', query: InviteQuery, detail: { summary: 'Get pending invites', tags } },
    )
    .post(
      '/invites',
      ({ auth, body, set }) => {
        checkBatchSize(auth, 'invites', body.length)
        set.status = 201
        return createInvites(db, auth.workspaceId, body, auth.session?.userId ?? null, ctx.baseUrl, ctx.now())
      },
      { scope: 'membersWrite', ...jsonBody(NewInvitesBody), detail: { summary: 'Create one-time invite links (each shown once)', tags } },
    )
    .delete(
      '/invites',
      ({ auth, body }) => {
        checkBatchSize(auth, 'invites', body.length)
        return deleteInvites(db, auth.workspaceId, body)
      },
      { scope: 'membersWrite', ...jsonBody(DeleteInvitesBody), detail: { summary: 'Delete pending invites', tags } },
    )
}
