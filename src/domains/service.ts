import { and, asc, desc, eq, inArray, or, type SQL } from 'drizzle-orm'
import type * as v from 'valibot'
import type { Data } from '../db/data'
import type { domains } from '../db/schema'
import { HokoError } from '../http/errors'
import { duplicate, iso, liveIds, notFound, requireLiveIds } from '../http/resource'
import { lockLinkWrites } from '../links/statements'
import { DOMAIN_NOUN, type DomainQuery, type DomainUpsert, type DomainViewSchema } from './model'

type Row = typeof domains.$inferSelect

/** A domain as the API answers it. */
export const domainView = (d: Row): v.InferOutput<typeof DomainViewSchema> => ({
  id: d.id,
  name: d.name,
  rootUrl: d.rootUrl,
  notFoundUrl: d.notFoundUrl,
  createdAt: iso(d.createdAt),
  updatedAt: iso(d.updatedAt),
})
export type DomainView = ReturnType<typeof domainView>

const at = (i: number, field?: string) => `domains[${i}]${field ? `.${field}` : ''}`

/** GET /api/domains: newest first unless asked; the id and name filters are or-ed. */
export async function listDomains(d: Data, workspaceId: string, q: DomainQuery): Promise<DomainView[]> {
  const t = d.t.domains
  const filters: SQL[] = []
  if (q.id) filters.push(eq(t.id, q.id))
  if (q.name !== undefined) filters.push(eq(t.name, q.name))
  const order = q.sort === 'asc' ? asc : desc
  const rows = await d.orm
    .select()
    .from(t)
    .where(and(eq(t.workspaceId, workspaceId), or(...filters)))
    .orderBy(order(t.createdAt), order(t.id))
    .limit(q.take)
    .offset(q.skip)
  return rows.map(domainView)
}

/** Live links per domain name, for the names that have any. */
async function liveLinkCounts(d: Data, names: string[]): Promise<Map<string, number>> {
  if (names.length === 0) return new Map()
  const rows = await d.all<{ domain: string; n: number }>(
    `SELECT domain, count(*) AS n FROM links WHERE domain IN (SELECT value FROM ${d.list}) AND deleted_at IS NULL GROUP BY domain`,
    [JSON.stringify(names)],
  )
  return new Map(rows.map((r) => [r.domain, r.n]))
}

/** Whether a root or not-found URL would send a visitor back to the same domain: a redirect loop. */
const pointsAt = (url: string | null | undefined, name: string) => !!url && new URL(url).hostname.toLowerCase() === name

/**
 * On PostgreSQL, where another instance may write at the same time, domain writes take the lock of
 * link writes: a name taken meanwhile is the documented 400 rather than a unique violation, and no
 * link lands on a domain while it is renamed or deleted. Domain writes are rare.
 */
const domainWritesTakeTurns = lockLinkWrites

/**
 * POST and PUT: items with an id update that domain (only the fields present; null clears), items
 * without one are created; all checked before anything is written, in one transaction. A name is
 * unique across the instance and is never the base host; a domain with live links keeps its name
 * (their printed short URLs name it).
 */
export function upsertDomains(d: Data, workspaceId: string, items: DomainUpsert[], baseHost: string): Promise<DomainView[]> {
  return d.tx(async (tx) => {
    await domainWritesTakeTurns(tx)
    const t = tx.t.domains
    const ids = items.flatMap((it) => (it.id ? [it.id] : []))
    const live = await liveIds(tx, 'domains', workspaceId, ids)
    const existing = new Map((live.size ? await tx.orm.select().from(t).where(inArray(t.id, [...live])) : []).map((r) => [r.id, r]))
    const seenId = new Map<string, number>()
    const seenName = new Map<string, number>()
    const renamed: { i: number; from: string }[] = []
    items.forEach((it, i) => {
      if (it.id) {
        if (seenId.has(it.id)) throw duplicate(at(i, 'id'), it.id, at(seenId.get(it.id)!, 'id'))
        seenId.set(it.id, i)
        if (!live.has(it.id)) throw notFound(at(i, 'id'), DOMAIN_NOUN, it.id)
      } else if (it.name === undefined) throw new HokoError('name_required', { resource: 'domains', index: i })
      const old = it.id ? existing.get(it.id) : undefined
      const name = it.name ?? old!.name
      if (it.name !== undefined) {
        if (name === baseHost) throw new HokoError('domain_is_base_host', { path: at(i, 'name'), name })
        if (seenName.has(name)) throw duplicate(at(i, 'name'), name, at(seenName.get(name)!, 'name'))
        seenName.set(name, i)
        if (old && old.name !== name) renamed.push({ i, from: old.name })
      }
      for (const field of ['rootUrl', 'notFoundUrl'] as const) {
        const url = it[field] === undefined ? old?.[field] : it[field]
        if (pointsAt(url, name)) throw new HokoError('domain_url_loops', { path: at(i, field), name })
      }
    })
    const counts = await liveLinkCounts(tx, renamed.map((r) => r.from))
    for (const { i, from } of renamed) {
      const count = counts.get(from) ?? 0
      if (count > 0) throw new HokoError('domain_has_links', { path: at(i, 'name'), name: from, count })
    }
    if (seenName.size > 0)
      for (const taken of await tx.orm.select().from(t).where(inArray(t.name, [...seenName.keys()]))) {
        const i = seenName.get(taken.name)!
        // Its own name, sent again, is no conflict; a name another domain holds is, even one it gives up in this batch.
        if (taken.id !== items[i].id) throw new HokoError('domain_taken', { path: at(i, 'name'), name: taken.name })
      }

    const now = new Date()
    const out: DomainView[] = []
    for (const { id, ...fields } of items) {
      const present = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
      const [row] = id
        ? await tx.orm.update(t).set({ ...present, updatedAt: now }).where(eq(t.id, id)).returning()
        : await tx.orm
            .insert(t)
            .values({ ...present, name: fields.name!, id: Bun.randomUUIDv7(), workspaceId, createdAt: now, updatedAt: now })
            .returning()
      out.push(domainView(row))
    }
    return out
  })
}

/**
 * DELETE /api/domains: all or nothing; a domain that live links still use is refused, naming how
 * many. A workspace whose default it was falls back to the base host. Deleted links keep their
 * domain, so their short ids stay taken there should the name come back.
 */
export function deleteDomains(d: Data, workspaceId: string, ids: string[]): Promise<{ deletedIds: string[] }> {
  return d.tx(async (tx) => {
    await domainWritesTakeTurns(tx)
    const t = tx.t.domains
    await requireLiveIds(tx, 'domains', workspaceId, ids, DOMAIN_NOUN)
    const rows = await tx.orm.select().from(t).where(inArray(t.id, ids))
    const nameOf = new Map(rows.map((r) => [r.id, r.name]))
    const counts = await liveLinkCounts(tx, rows.map((r) => r.name))
    ids.forEach((id, i) => {
      const name = nameOf.get(id)!
      const count = counts.get(name) ?? 0
      if (count > 0) throw new HokoError('domain_has_links', { path: at(i), name, count })
    })
    await tx.orm.update(tx.t.workspaces).set({ defaultDomainId: null }).where(inArray(tx.t.workspaces.defaultDomainId, ids))
    await tx.orm.delete(t).where(inArray(t.id, ids))
    return { deletedIds: ids }
  })
}

/**
 * A workspace's default domain, where new links go when they name none: one of its domains, or null
 * for the base host. Returns the id set. (The workspace settings API and the CLI call this.)
 */
export async function setDefaultDomain(d: Data, workspaceId: string, domainId: string | null): Promise<string | null> {
  await checkDefaultDomain(d, workspaceId, domainId)
  await d.orm.update(d.t.workspaces).set({ defaultDomainId: domainId }).where(eq(d.t.workspaces.id, workspaceId))
  return domainId
}

/** Only a domain of the workspace itself may be its default (null: the base host). */
export async function checkDefaultDomain(d: Data, workspaceId: string, domainId: string | null): Promise<void> {
  if (domainId !== null && (await liveIds(d, 'domains', workspaceId, [domainId])).size === 0)
    throw notFound('defaultDomainId', DOMAIN_NOUN, domainId)
}

/** The domain of this workspace with that name, if any. */
export async function domainByName(d: Data, workspaceId: string, name: string): Promise<Row | undefined> {
  const t = d.t.domains
  return (await d.orm.select().from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.name, name))))[0]
}

/** Whether `host` may get a certificate: the base host or any registered domain. */
export async function isServedHost(d: Data, host: string, baseHost: string): Promise<boolean> {
  return host === baseHost || (await d.get('SELECT 1 AS served FROM domains WHERE name = ?', [host])) !== undefined
}

/** Every domain (of one workspace, if given), with its workspace's slug and whether it is its default: for the CLI. */
export async function listAllDomains(d: Data, workspaceId?: string) {
  const { domains: t, workspaces: w } = d.t
  const rows = await d.orm
    .select({ domain: t, workspace: w.slug, defaultDomainId: w.defaultDomainId })
    .from(t)
    .innerJoin(w, eq(w.id, t.workspaceId))
    .where(workspaceId === undefined ? undefined : eq(t.workspaceId, workspaceId))
    .orderBy(asc(t.name))
  return rows.map((r) => ({ ...domainView(r.domain), workspace: r.workspace, default: r.defaultDomainId === r.domain.id }))
}
