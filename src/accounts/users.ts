import { and, asc, count, eq } from 'drizzle-orm'
import * as v from 'valibot'
import type { Queryable } from '../db'
import type { Data } from '../db/data'
import { memberships, users, workspaces } from '../db/schema'
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

export function findUserByEmail(db: Queryable, email: string): User | undefined {
  return db.select().from(users).where(eq(users.email, normalizeEmail(email))).get()
}

export function findUser(db: Queryable, id: string): User | undefined {
  return db.select().from(users).where(eq(users.id, id)).get()
}

export const countUsers = (db: Queryable) => db.select({ n: count() }).from(users).get()?.n ?? 0
export const countUsersIn = async (d: Data) => (await d.orm.select({ n: count() }).from(d.t.users))[0]?.n ?? 0

export function insertUser(
  db: Queryable,
  input: { email: string; name: string; passwordHash: string; isAdmin?: boolean; language?: 'en' | 'ar' },
  now = new Date(),
): User {
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
  db.insert(users).values(row).run()
  return row
}

/** Adds the user to the workspace with this role, or changes the role they have there. */
export function setMembership(db: Queryable, userId: string, workspaceId: string, role: Role, now = new Date()) {
  db.insert(memberships)
    .values({ userId, workspaceId, role, createdAt: now })
    .onConflictDoUpdate({ target: [memberships.userId, memberships.workspaceId], set: { role } })
    .run()
}

export type MembershipView = { id: string; slug: string; name: string; role: Role }

/** The user's workspaces, oldest membership first (the default workspace of a session). */
export function membershipsOf(db: Queryable, userId: string): MembershipView[] {
  return db
    .select({ id: workspaces.id, slug: workspaces.slug, name: workspaces.name, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt), asc(workspaces.id))
    .all() as MembershipView[]
}

export function roleIn(db: Queryable, userId: string, workspaceId: string): Role | undefined {
  return db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.userId, userId), eq(memberships.workspaceId, workspaceId)))
    .get()?.role as Role | undefined
}

export type UserListItem = UserView & { createdAt: string; workspaces: MembershipView[] }

export function listUsers(db: Queryable): UserListItem[] {
  return db
    .select()
    .from(users)
    .orderBy(asc(users.createdAt), asc(users.id))
    .all()
    .map((u) => ({ ...userView(u), createdAt: u.createdAt.toISOString(), workspaces: membershipsOf(db, u.id) }))
}
