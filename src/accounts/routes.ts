import { and, desc, eq, inArray } from 'drizzle-orm'
import { type AnyElysia, Elysia } from 'elysia'
import type { AppContext } from '../context'
import { scoped } from '../http/api-guard'
import { HokoError } from '../http/errors'
import { iso, jsonBody, NoQuery, notFound } from '../http/resource'
import type { AuthContext } from '../keys/service'
import { SCOPES } from '../keys/scopes'
import { findWorkspace } from '../workspaces/service'
import type * as v from 'valibot'
import { baseHostOf } from '../domains/hosts'
import { sameShape } from '../http/same-shape'
import { ChangePasswordBody, DeleteSessionsBody, type MeSchema, UpdateMeBody } from './model'
import { hashPassword, verifyPassword } from './passwords'
import { endSessions, IDLE_MS } from './sessions'
import { findUser, membershipsOf, userView } from './users'

const SESSION_NOUN = { en: 'session of yours', ar: 'جلسة لك' }

/** What the dashboard needs to know about its caller; a key answers it as well. */
export async function me(ctx: AppContext, auth: AuthContext) {
  const ws = (await findWorkspace(ctx.data, auth.workspaceId))!
  const scopes = SCOPES.filter((s) => auth.scopes.has(s))
  const workspace = { id: ws.id, slug: ws.slug, name: ws.name }
  // The host links without another domain answer on (the domain selector's first choice).
  const baseHost = baseHostOf(ctx.baseUrl)
  if (!auth.session) return { user: null, workspace: { ...workspace, role: null }, workspaces: [{ ...workspace, role: null }], scopes, csrfToken: null, baseHost }
  const { session } = auth as AuthContext & { session: { csrfToken: string } }
  const user = (await findUser(ctx.data, session.userId))!
  return {
    user: userView(user),
    workspace: { ...workspace, role: auth.session.role },
    workspaces: await membershipsOf(ctx.data, user.id),
    scopes,
    csrfToken: session.csrfToken,
    baseHost,
  }
}

/** /api/me and /api/sessions: the logged-in user's own account. */
export function accountRoutes(ctx: AppContext): AnyElysia {
  const { data } = ctx
  const tags = ['Account']
  return new Elysia({ prefix: '/api' })
    .use(scoped(ctx))
    .get('/me', ({ auth }) => me(ctx, auth), {
      access: 'any',
      query: NoQuery,
      detail: { summary: 'Get the current user, workspace and scopes', tags },
    })
    .put(
      '/me',
      async ({ auth, body }) => {
        const set = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined))
        await data.orm.update(data.t.users).set({ ...set, updatedAt: new Date(ctx.now()) }).where(eq(data.t.users.id, auth.session!.userId))
        return me(ctx, auth)
      },
      { access: 'session', ...jsonBody(UpdateMeBody), detail: { summary: 'Update your name or language', tags } },
    )
    .post(
      '/me/password',
      async ({ auth, body }) => {
        const user = (await findUser(data, auth.session!.userId))!
        if (!(await verifyPassword(body.currentPassword, user.passwordHash))) throw new HokoError('wrong_password')
        const passwordHash = await hashPassword(body.newPassword)
        const endedSessions = await data.tx(async (tx) => {
          await tx.orm.update(tx.t.users).set({ passwordHash, updatedAt: new Date(ctx.now()) }).where(eq(tx.t.users.id, user.id))
          return endSessions(tx, user.id, auth.session!.id)
        })
        return { endedSessions }
      },
      { access: 'session', ...jsonBody(ChangePasswordBody), detail: { summary: 'Change your password; ends your other sessions', tags } },
    )
    .get(
      '/sessions',
      async ({ auth }) => {
        const idleSince = ctx.now() - IDLE_MS
        const sessions = data.t.sessions
        const rows = await data.orm
          .select()
          .from(sessions)
          .where(eq(sessions.userId, auth.session!.userId))
          .orderBy(desc(sessions.lastSeenAt), desc(sessions.id))
        return rows
          .filter((s) => s.lastSeenAt.getTime() > idleSince)
          .map((s) => ({ id: s.id, createdAt: iso(s.createdAt), lastSeenAt: iso(s.lastSeenAt), userAgent: s.userAgent, current: s.id === auth.session!.id }))
      },
      { access: 'session', query: NoQuery, detail: { summary: 'Get your sessions', tags } },
    )
    .delete(
      '/sessions',
      ({ auth, body }) =>
        data.tx(async (tx) => {
          const sessions = tx.t.sessions
          const userId = auth.session!.userId
          const yours = and(eq(sessions.userId, userId), inArray(sessions.id, body))
          const mine = new Set((await tx.orm.select({ id: sessions.id }).from(sessions).where(yours)).map((r) => r.id))
          const seen = new Set<string>()
          body.forEach((id, i) => {
            if (!mine.has(id) || seen.has(id)) throw notFound(`sessions[${i}]`, SESSION_NOUN, id)
            seen.add(id)
          })
          await tx.orm.delete(sessions).where(yours)
          return { deletedIds: body }
        }),
      { access: 'session', ...jsonBody(DeleteSessionsBody), detail: { summary: 'End sessions of yours (log out elsewhere)', tags } },
    )
}

// The answer and its documented schema (./model) cannot drift apart.
sameShape<Awaited<ReturnType<typeof me>>, v.InferOutput<typeof MeSchema>>()
