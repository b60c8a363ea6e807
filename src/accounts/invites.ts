import { and, desc, eq, inArray, isNull } from 'drizzle-orm'
import type { Data } from '../db/data'
import type { invites } from '../db/schema'
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

/** One multi-row insert: the tokens are random, nothing to check first. */
export async function createInvites(
  d: Data,
  workspaceId: string,
  items: { role: Role; expiresInDays: number }[],
  createdBy: string | null,
  baseUrl: string,
  now: number,
): Promise<(InviteView & { url: string })[]> {
  const made = items.map((item) => {
    const token = newSecret()
    const row: Row = {
      id: Bun.randomUUIDv7(),
      workspaceId,
      tokenHash: sha256(token),
      role: item.role,
      createdBy,
      createdAt: new Date(now),
      expiresAt: new Date(now + item.expiresInDays * 24 * 3600_000),
      usedAt: null,
      usedBy: null,
    }
    return { token, row }
  })
  if (made.length) await d.orm.insert(d.t.invites).values(made.map((m) => m.row))
  return made.map(({ token, row }) => {
    const v = view(row)
    return { id: v.id, role: v.role, url: `${baseUrl}/invite?token=${token}`, expiresAt: v.expiresAt, createdAt: v.createdAt }
  })
}

/** The workspace's unused invites, expired ones included (they show as such), newest first. */
export async function listInvites(d: Data, workspaceId: string): Promise<InviteView[]> {
  const i = d.t.invites
  const rows = await d.orm
    .select()
    .from(i)
    .where(and(eq(i.workspaceId, workspaceId), isNull(i.usedAt)))
    .orderBy(desc(i.createdAt), desc(i.id))
  return rows.map(view)
}

export function deleteInvites(d: Data, workspaceId: string, ids: string[]) {
  return d.tx(async (tx) => {
    const i = tx.t.invites
    const mine = and(eq(i.workspaceId, workspaceId), isNull(i.usedAt), inArray(i.id, ids))
    // Locked until the commit on PostgreSQL: an invite accepted meanwhile is not deleted as pending.
    const select = tx.orm.select({ id: i.id }).from(i).where(mine)
    const pending = new Set((await (tx.engine === 'pg' ? select.for('update') : select)).map((r) => r.id))
    const seen = new Set<string>()
    ids.forEach((id, n) => {
      if (!pending.has(id) || seen.has(id)) throw notFound(`invites[${n}]`, INVITE_NOUN, id)
      seen.add(id)
    })
    await tx.orm.delete(i).where(mine)
    return { deletedIds: ids }
  })
}

export type OpenInvite = { id: string; role: Role; workspaceId: string; workspaceName: string }

/** An invite that can still be accepted, by its token. */
export async function findOpenInvite(d: Data, token: string | null, now: number): Promise<OpenInvite | null> {
  if (!token || token.length > 128) return null
  const { invites: i, workspaces: w } = d.t
  const row = (
    await d.orm
      .select({ id: i.id, role: i.role, workspaceId: i.workspaceId, workspaceName: w.name, expiresAt: i.expiresAt, usedAt: i.usedAt })
      .from(i)
      .innerJoin(w, eq(w.id, i.workspaceId))
      .where(eq(i.tokenHash, sha256(token)))
  )[0]
  if (!row || row.usedAt !== null || row.expiresAt.getTime() <= now) return null
  return { id: row.id, role: row.role as Role, workspaceId: row.workspaceId, workspaceName: row.workspaceName }
}

/**
 * Uses the invite for this user, once: a user who is already a member keeps their role and leaves
 * the invite for someone else. Call inside a transaction with the user's creation, if any. The
 * conditional update is the claim: of two acceptances at once (also on two instances), one wins.
 */
export async function acceptInvite(d: Data, invite: OpenInvite, userId: string, now: number): Promise<boolean> {
  if (await roleIn(d, userId, invite.workspaceId)) return false
  const i = d.t.invites
  const used = await d.orm
    .update(i)
    .set({ usedAt: new Date(now), usedBy: userId })
    .where(and(eq(i.id, invite.id), isNull(i.usedAt)))
    .returning({ id: i.id })
  if (used.length === 0) return false
  await setMembership(d, userId, invite.workspaceId, invite.role, new Date(now))
  return true
}

// The view and its documented schema (./model) cannot drift apart.
sameShape<InviteView, v.InferOutput<typeof InviteViewSchema>>()
