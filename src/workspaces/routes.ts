import { eq } from 'drizzle-orm'
import { type AnyElysia, Elysia } from 'elysia'
import { hashPassword } from '../accounts/passwords'
import { findUserByEmail, insertUser, listUsers, setMembership } from '../accounts/users'
import { NewUsersBody } from '../accounts/model'
import type { AppContext } from '../context'
import { isUniqueViolation } from '../db/unique'
import { checkDefaultDomain } from '../domains/service'
import { scoped } from '../http/api-guard'
import { HokoError } from '../http/errors'
import { jsonBody, NoQuery, notFound } from '../http/resource'
import { NewWorkspacesBody, UpdateWorkspaceBody } from './model'
import { findWorkspace, slugify, toView } from './service'

const WORKSPACE_NOUN = { en: 'workspace', ar: 'مساحة عمل' }
const PLAN_CHANGE = { en: 'change a workspace’s plan or rateLimit', ar: 'تغيير خطة مساحة العمل أو rateLimit' }

/** A unique slug or email taken by a request that committed meanwhile (another instance, say) gets the documented 409. */
async function unique<T>(work: Promise<T>, error: () => HokoError): Promise<T> {
  try {
    return await work
  } catch (e) {
    if (isUniqueViolation(e)) throw error()
    throw e
  }
}

/** /api/workspace (the caller's) and /api/admin/* (an instance admin's session only). */
export function workspaceRoutes(ctx: AppContext): AnyElysia {
  const { data } = ctx
  const rate = ctx.config.rateLimit
  const tags = ['Workspace']
  const adminTags = ['Instance admin']
  return new Elysia({ prefix: '/api' })
    .use(scoped(ctx))
    .get('/workspace', async ({ auth }) => toView((await findWorkspace(data, auth.workspaceId))!, rate), {
      scope: 'workspaceRead',
      query: NoQuery,
      detail: { summary: 'Get the workspace', tags },
    })
    .put(
      '/workspace',
      ({ auth, body }) => {
        if ((body.plan !== undefined || body.rateLimit !== undefined) && !auth.session?.isAdmin)
          throw new HokoError('admin_required', { what: PLAN_CHANGE })
        const work = data.tx(async (tx) => {
          if (body.slug !== undefined) {
            const other = await findWorkspace(tx, body.slug)
            if (other && other.id !== auth.workspaceId) throw new HokoError('slug_taken', { path: 'slug', slug: body.slug })
          }
          if (body.defaultDomainId !== undefined) await checkDefaultDomain(tx, auth.workspaceId, body.defaultDomainId)
          const set = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined))
          if (Object.keys(set).length) await tx.orm.update(tx.t.workspaces).set(set).where(eq(tx.t.workspaces.id, auth.workspaceId))
          return toView((await findWorkspace(tx, auth.workspaceId))!, rate)
        })
        return unique(work, () => new HokoError('slug_taken', { path: 'slug', slug: body.slug ?? '' }))
      },
      { scope: 'workspaceWrite', ...jsonBody(UpdateWorkspaceBody), detail: { summary: 'Update the workspace (plan and rateLimit: instance admins only)', tags } },
    )
    .post(
      '/admin/workspaces',
      async ({ auth, body, set }) => {
        const slugOf = (i: number) => body[i].slug ?? slugify(body[i].name)
        const work = data.tx(async (tx) => {
          const slugs = new Set<string>()
          const created = []
          for (const [i, item] of body.entries()) {
            const slug = slugOf(i)
            if (slugs.has(slug) || (await findWorkspace(tx, slug))) throw new HokoError('slug_taken', { path: `workspaces[${i}].slug`, slug })
            slugs.add(slug)
            const row = { id: Bun.randomUUIDv7(), slug, name: item.name, plan: item.plan ?? 'unlimited', rateLimit: null, defaultDomainId: null, createdAt: new Date(ctx.now()) }
            await tx.orm.insert(tx.t.workspaces).values(row)
            await setMembership(tx, auth.session!.userId, row.id, 'owner', new Date(ctx.now()))
            created.push(toView(row, rate))
          }
          return created
        })
        // Which slug lost the race is not known here: the first one is named.
        const created = await unique(work, () => new HokoError('slug_taken', { path: 'workspaces[0].slug', slug: slugOf(0) }))
        set.status = 201
        return created
      },
      { access: 'admin', ...jsonBody(NewWorkspacesBody), detail: { summary: 'Create workspaces (you become their owner)', tags: adminTags } },
    )
    .get('/admin/users', () => listUsers(data), { access: 'admin', query: NoQuery, detail: { summary: 'Get every user', tags: adminTags } })
    .post(
      '/admin/users',
      async ({ body, set }) => {
        for (const [i, item] of body.entries()) {
          if (!(await findWorkspace(data, item.workspaceId))) throw notFound(`users[${i}].workspaceId`, WORKSPACE_NOUN, item.workspaceId)
          if (await findUserByEmail(data, item.email)) throw new HokoError('email_taken', { path: `users[${i}].email`, email: item.email })
          const first = body.findIndex((other) => other.email === item.email)
          if (first < i) throw new HokoError('duplicate_value', { path: `users[${i}].email`, value: item.email, firstPath: `users[${first}].email` })
        }
        // Hashed before the transaction: nothing but the database is awaited inside one.
        const hashes = await Promise.all(body.map((item) => hashPassword(item.password)))
        const work = data.tx(async (tx) => {
          const created = []
          for (const [i, item] of body.entries()) {
            if (await findUserByEmail(tx, item.email)) throw new HokoError('email_taken', { path: `users[${i}].email`, email: item.email })
            const u = await insertUser(tx, { email: item.email, name: item.name, passwordHash: hashes[i], isAdmin: item.isAdmin }, new Date(ctx.now()))
            await setMembership(tx, u.id, item.workspaceId, item.role, new Date(ctx.now()))
            created.push({ id: u.id, email: u.email, name: u.name, isAdmin: u.isAdmin, workspaceId: item.workspaceId, role: item.role })
          }
          return created
        })
        const created = await unique(work, () => new HokoError('email_taken', { path: 'users[0].email', email: body[0].email }))
        set.status = 201
        return created
      },
      { access: 'admin', ...jsonBody(NewUsersBody), detail: { summary: 'Create users', tags: adminTags } },
    )
}
