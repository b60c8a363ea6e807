import { and, asc, count, eq } from 'drizzle-orm'
import * as v from 'valibot'
import type { Data } from '../db/data'
import type { users } from '../db/schema'
import { msg } from '../http/validation'
import type { Role } from './roles'

/** Mistakes of the CLI's `user` commands: exit 2 with the message. */
export class AccountError extends Error {}

export const Email = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.maxLength(254),
  v.email(msg('must be a valid email address', 'يجب أن يكون عنوان بريد إلكتروني صالحًا')),
)
export const UserName = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200))
export const Language = v.picklist(['en', 'ar'])

export type User = typeof users.$inferSelect
export type UserView = { id: string; email: string; name: string; isAdmin: boolean; language: string }
export const userView = (u: User): UserView => ({ id: u.id, email: u.email, name: u.name, isAdmin: u.isAdmin, language: u.language })

export const normalizeEmail = (email: string) => email.trim().toLowerCase()

export async function findUserByEmail(d: Data, email: string): Promise<User | undefined> {
  return (await d.orm.select().from(d.t.users).where(eq(d.t.users.email, normalizeEmail(email))))[0]
}

export async function findUser(d: Data, id: string): Promise<User | undefined> {
  return (await d.orm.select().from(d.t.users).where(eq(d.t.users.id, id)))[0]
}

export const countUsers = async (d: Data) => (await d.orm.select({ n: count() }).from(d.t.users))[0]?.n ?? 0

/**
 * A new user. Unique emails: a user created meanwhile by another request (or instance) makes the
 * insert fail, which callers that checked first inside their transaction do not see.
 */
export async function insertUser(
  d: Data,
  input: { email: string; name: string; passwordHash: string; isAdmin?: boolean; language?: 'en' | 'ar' },
  now = new Date(),
): Promise<User> {
  const row: User = {
    id: Bun.randomUUIDv7(),
    email: normalizeEmail(input.email),
    name: input.name.trim(),
    passwordHash: input.passwordHash,
    isAdmin: input.isAdmin ?? false,
    language: input.language ?? 'en',
    createdAt: now,
    updatedAt: now,
  }
  await d.orm.insert(d.t.users).values(row)
  return row
}

/** Adds the user to the workspace with this role, or changes the role they have there. */
export async function setMembership(d: Data, userId: string, workspaceId: string, role: Role, now = new Date()) {
  const m = d.t.memberships
  await d.orm
    .insert(m)
    .values({ userId, workspaceId, role, createdAt: now })
    .onConflictDoUpdate({ target: [m.userId, m.workspaceId], set: { role } })
}

export type MembershipView = { id: string; slug: string; name: string; role: Role }

const membershipColumns = (d: Data) => ({ userId: d.t.memberships.userId, id: d.t.workspaces.id, slug: d.t.workspaces.slug, name: d.t.workspaces.name, role: d.t.memberships.role })

/** The user's workspaces (every user's without `userId`), oldest membership first (the default workspace of a session). */
async function memberships(d: Data, userId?: string) {
  const { memberships: m, workspaces: w } = d.t
  return d.orm
    .select(membershipColumns(d))
    .from(m)
    .innerJoin(w, eq(w.id, m.workspaceId))
    .where(userId === undefined ? undefined : eq(m.userId, userId))
    .orderBy(asc(m.createdAt), asc(w.id))
}

const membershipView = ({ userId: _, ...m }: { userId: string; id: string; slug: string; name: string; role: string }): MembershipView => m as MembershipView

export async function membershipsOf(d: Data, userId: string): Promise<MembershipView[]> {
  return (await memberships(d, userId)).map(membershipView)
}

export async function roleIn(d: Data, userId: string, workspaceId: string): Promise<Role | undefined> {
  const m = d.t.memberships
  const rows = await d.orm
    .select({ role: m.role })
    .from(m)
    .where(and(eq(m.userId, userId), eq(m.workspaceId, workspaceId)))
  return rows[0]?.role as Role | undefined
}

export type UserListItem = UserView & { createdAt: string; workspaces: MembershipView[] }

/** Every user with their workspaces: two queries, however many users. */
export async function listUsers(d: Data): Promise<UserListItem[]> {
  const all = await d.orm.select().from(d.t.users).orderBy(asc(d.t.users.createdAt), asc(d.t.users.id))
  const ms = await memberships(d)
  const byUser = new Map<string, MembershipView[]>()
  for (const m of ms) {
    let list = byUser.get(m.userId)
    if (!list) byUser.set(m.userId, (list = []))
    list.push(membershipView(m))
  }
  return all.map((u) => ({ ...userView(u), createdAt: u.createdAt.toISOString(), workspaces: byUser.get(u.id) ?? [] }))
}
