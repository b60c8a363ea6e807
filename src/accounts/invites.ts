import { and, desc, eq, isNull } from 'drizzle-orm'
import type { Db } from '../db'
import { invites, workspaces } from '../db/schema'
import { iso, notFound, type Noun } from '../http/resource'
import { newSecret, sha256 } from './sessions'
import type { Role } from './roles'
import { roleIn, setMembership } from './users'
import type * as v from 'valibot'
import { sameShape } from '../http/same-shape'
import type { InviteViewSchema } from './model'

export const INVITE_NOUN: Noun = { en: 'pending invite', ar: 'دعوة معلّقة' }

export type InviteView = { id: string; role: Role; expiresAt: string; createdAt: string }
type Row = typeof invites.$inferSelect
const view = (r: Row): InviteView => ({ id: r.id, role: r.role as Role, expiresAt: iso(r.expiresAt)!, createdAt: iso(r.createdAt)! })

export function createInvites(
  db: Db,
  workspaceId: string,
  items: { role: Role; expiresInDays: number }[],
  createdBy: string | null,
  baseUrl: string,
  now: number,
): (InviteView & { url: string })[] {
  return db.transaction(() =>
    items.map((item) => {
      const token = newSecret()
      const row = db
        .insert(invites)
        .values({
          id: Bun.randomUUIDv7(),
          workspaceId,
          tokenHash: sha256(token),
          role: item.role,
          createdBy,
          createdAt: new Date(now),
          expiresAt: new Date(now + item.expiresInDays * 24 * 3600_000),
        })
        .returning()
        .get()
      const v = view(row)
      return { id: v.id, role: v.role, url: `${baseUrl}/invite?token=${token}`, expiresAt: v.expiresAt, createdAt: v.createdAt }
    }),
  )
}

/** The workspace's unused invites, expired ones included (they show as such), newest first. */
export function listInvites(db: Db, workspaceId: string): InviteView[] {
  return db
    .select()
    .from(invites)
    .where(and(eq(invites.workspaceId, workspaceId), isNull(invites.usedAt)))
    .orderBy(desc(invites.createdAt), desc(invites.id))
    .all()
    .map(view)
}

export function deleteInvites(db: Db, workspaceId: string, ids: string[]) {
  return db.transaction(
    () => {
      const pending = new Set(listInvites(db, workspaceId).map((i) => i.id))
      const seen = new Set<string>()
      ids.forEach((id, i) => {
        if (!pending.has(id) || seen.has(id)) throw notFound(`invites[${i}]`, INVITE_NOUN, id)
        seen.add(id)
      })
      for (const id of ids) db.delete(invites).where(eq(invites.id, id)).run()
      return { deletedIds: ids }
    },
    { behavior: 'immediate' },
  )
}

export type OpenInvite = { id: string; role: Role; workspaceId: string; workspaceName: string }

/** An invite that can still be accepted, by its token. */
export function findOpenInvite(db: Db, token: string | null, now: number): OpenInvite | null {
  if (!token || token.length > 128) return null
  const row = db
    .select({ id: invites.id, role: invites.role, workspaceId: invites.workspaceId, workspaceName: workspaces.name, expiresAt: invites.expiresAt, usedAt: invites.usedAt })
    .from(invites)
    .innerJoin(workspaces, eq(workspaces.id, invites.workspaceId))
    .where(eq(invites.tokenHash, sha256(token)))
    .get()
  if (!row || row.usedAt !== null || row.expiresAt.getTime() <= now) return null
  return { id: row.id, role: row.role as Role, workspaceId: row.workspaceId, workspaceName: row.workspaceName }
}

/**
 * Uses the invite for this user, once: a user who is already a member keeps their role and leaves
 * the invite for someone else. Call inside a transaction with the user's creation, if any.
 */
export function acceptInvite(db: Db, invite: OpenInvite, userId: string, now: number): boolean {
  if (roleIn(db, userId, invite.workspaceId)) return false
  const used = db
    .update(invites)
    .set({ usedAt: new Date(now), usedBy: userId })
    .where(and(eq(invites.id, invite.id), isNull(invites.usedAt)))
    .returning({ id: invites.id })
    .all()
  if (used.length === 0) return false
  setMembership(db, userId, invite.workspaceId, invite.role, new Date(now))
  return true
}

// The view and its documented schema (./model) cannot drift apart.
sameShape<InviteView, v.InferOutput<typeof InviteViewSchema>>()
