import { eq } from 'drizzle-orm'
import { type AnyElysia, Elysia } from 'elysia'
import { hashPassword } from '../accounts/passwords'
import { findUserByEmail, insertUser, listUsers, setMembership } from '../accounts/users'
import { NewUsersBody } from '../accounts/model'
import type { AppContext } from '../context'
import { workspaces } from '../db/schema'
import { scoped } from '../http/api-guard'
import { HokoError } from '../http/errors'
import { jsonBody, NoQuery, notFound } from '../http/resource'
import { NewWorkspacesBody, UpdateWorkspaceBody } from './model'
import { setDefaultDomain } from '../domains/service'
import { findWorkspace, slugify, toView } from './service'

const WORKSPACE_NOUN = { en: 'workspace', ar: 'مساحة عمل' }
const PLAN_CHANGE = { en: 'change a workspace’s plan or rateLimit', ar: 'تغيير خطة مساحة العمل أو rateLimit' }

/** /api/workspace (the caller's) and /api/admin/* (an instance admin's session only). */
export function workspaceRoutes(ctx: AppContext): AnyElysia {
  const { db } = ctx
  const rate = ctx.config.rateLimit
  const tags = ['Workspace']
  const adminTags = ['Instance admin']
  return new Elysia({ prefix: '/api' })
    .use(scoped(ctx))
    .get('/workspace', ({ auth }) => toView(findWorkspace(db, auth.workspaceId)!, rate), {
      scope: 'workspaceRead',
      query: NoQuery,
      detail: { summary: 'Get the workspace', tags },
    })
    .put(
      '/workspace',
      ({ auth, body }) => {
        if ((body.plan !== undefined || body.rateLimit !== undefined) && !auth.session?.isAdmin)
          throw new HokoError('admin_required', { what: PLAN_CHANGE })
        return db.transaction(
          () => {
            if (body.slug !== undefined) {
              const other = findWorkspace(db, body.slug)
              if (other && other.id !== auth.workspaceId) throw new HokoError('slug_taken', { path: 'slug', slug: body.slug })
            }
            const { defaultDomainId, ...rest } = body
            if (defaultDomainId !== undefined) setDefaultDomain(db, auth.workspaceId, defaultDomainId)
            const set = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined))
            if (Object.keys(set).length) db.update(workspaces).set(set).where(eq(workspaces.id, auth.workspaceId)).run()
            return toView(findWorkspace(db, auth.workspaceId)!, rate)
          },
          { behavior: 'immediate' },
        )
      },
      { scope: 'workspaceWrite', ...jsonBody(UpdateWorkspaceBody), detail: { summary: 'Update the workspace (plan and rateLimit: instance admins only)', tags } },
    )
    .post(
      '/admin/workspaces',
      ({ auth, body, set }) => {
        const created = db.transaction(
          () => {
            const slugs = new Set<string>()
            return body.map((item, i) => {
              const slug = item.slug ?? slugify(item.name)
              if (slugs.has(slug) || findWorkspace(db, slug)) throw new HokoError('slug_taken', { path: `workspaces[${i}].slug`, slug })
              slugs.add(slug)
              const row = { id: Bun.randomUUIDv7(), slug, name: item.name, plan: item.plan ?? 'unlimited', rateLimit: null, defaultDomainId: null, createdAt: new Date(ctx.now()) }
              db.insert(workspaces).values(row).run()
              setMembership(db, auth.session!.userId, row.id, 'owner', new Date(ctx.now()))
              return toView(row, rate)
            })
          },
          { behavior: 'immediate' },
        )
        set.status = 201
        return created
      },
      { access: 'admin', ...jsonBody(NewWorkspacesBody), detail: { summary: 'Create workspaces (you become their owner)', tags: adminTags } },
    )
    .get('/admin/users', () => listUsers(db), { access: 'admin', query: NoQuery, detail: { summary: 'Get every user', tags: adminTags } })
    .post(
      '/admin/users',
      async ({ body, set }) => {
        body.forEach((item, i) => {
          if (!findWorkspace(db, item.workspaceId)) throw notFound(`users[${i}].workspaceId`, WORKSPACE_NOUN, item.workspaceId)
          if (findUserByEmail(db, item.email)) throw new HokoError('email_taken', { path: `users[${i}].email`, email: item.email })
          const first = body.findIndex((other) => other.email === item.email)
          if (first < i) throw new HokoError('duplicate_value', { path: `users[${i}].email`, value: item.email, firstPath: `users[${first}].email` })
        })
        const hashes = await Promise.all(body.map((item) => hashPassword(item.password)))
        const created = db.transaction(
          () =>
            body.map((item, i) => {
              if (findUserByEmail(db, item.email)) throw new HokoError('email_taken', { path: `users[${i}].email`, email: item.email })
              const u = insertUser(db, { email: item.email, name: item.name, passwordHash: hashes[i], isAdmin: item.isAdmin }, new Date(ctx.now()))
              setMembership(db, u.id, item.workspaceId, item.role, new Date(ctx.now()))
              return { id: u.id, email: u.email, name: u.name, isAdmin: u.isAdmin, workspaceId: item.workspaceId, role: item.role }
            }),
          { behavior: 'immediate' },
        )
        set.status = 201
        return created
      },
      { access: 'admin', ...jsonBody(NewUsersBody), detail: { summary: 'Create users', tags: adminTags } },
    )
}

