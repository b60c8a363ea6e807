import { and, asc, desc, eq, inArray, or, type SQL } from 'drizzle-orm'
import type * as v from 'valibot'
import type { Db } from '../db'
import { domains, workspaces } from '../db/schema'
import { HokoError } from '../http/errors'
import { duplicate, iso, liveIds, notFound, requireLiveIds } from '../http/resource'
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
export function listDomains(db: Db, workspaceId: string, q: DomainQuery): DomainView[] {
  const filters: SQL[] = []
  if (q.id) filters.push(eq(domains.id, q.id))
  if (q.name !== undefined) filters.push(eq(domains.name, q.name))
  const order = q.sort === 'asc' ? asc : desc
  return db
    .select()
    .from(domains)
    .where(and(eq(domains.workspaceId, workspaceId), or(...filters)))
    .orderBy(order(domains.createdAt), order(domains.id))
    .limit(q.take)
    .offset(q.skip)
    .all()
    .map(domainView)
}

/** Live links per domain name, for the names that have any. */
function liveLinkCounts(db: Db, names: string[]): Map<string, number> {
  if (names.length === 0) return new Map()
  const rows = db.$client
    .query<{ domain: string; n: number }, [string]>(
      'SELECT domain, count(*) AS n FROM links WHERE domain IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL GROUP BY domain',
    )
    .all(JSON.stringify(names))
  return new Map(rows.map((r) => [r.domain, r.n]))
}

/** Whether a root or not-found URL would send a visitor back to the same domain: a redirect loop. */
const pointsAt = (url: string | null | undefined, name: string) => !!url && new URL(url).hostname.toLowerCase() === name

/**
 * POST and PUT: items with an id update that domain (only the fields present; null clears), items
 * without one are created; all checked before anything is written, in one transaction. A name is
 * unique across the instance and is never the base host; a domain with live links keeps its name
 * (their printed short URLs name it).
 */
export function upsertDomains(db: Db, workspaceId: string, items: DomainUpsert[], baseHost: string): DomainView[] {
  return db.transaction(
    () => {
      const ids = items.flatMap((it) => (it.id ? [it.id] : []))
      const live = liveIds(db, 'domains', workspaceId, ids)
      const existing = new Map(
        (ids.length ? db.select().from(domains).where(inArray(domains.id, [...live])).all() : []).map((d) => [d.id, d]),
      )
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
      const counts = liveLinkCounts(db, renamed.map((r) => r.from))
      for (const { i, from } of renamed) {
        const count = counts.get(from) ?? 0
        if (count > 0) throw new HokoError('domain_has_links', { path: at(i, 'name'), name: from, count })
      }
      if (seenName.size > 0)
        for (const taken of db.select().from(domains).where(inArray(domains.name, [...seenName.keys()])).all()) {
          const i = seenName.get(taken.name)!
          // Its own name, sent again, is no conflict; a name another domain holds is, even one it gives up in this batch.
          if (taken.id !== items[i].id) throw new HokoError('domain_taken', { path: at(i, 'name'), name: taken.name })
        }

      const now = new Date()
      return items.map(({ id, ...fields }) => {
        const present = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
        const row = id
          ? db.update(domains).set({ ...present, updatedAt: now }).where(eq(domains.id, id)).returning().get()
          : db
              .insert(domains)
              .values({ ...present, name: fields.name!, id: Bun.randomUUIDv7(), workspaceId, createdAt: now, updatedAt: now })
              .returning()
              .get()
        return domainView(row)
      })
    },
    { behavior: 'immediate' },
  )
}

/**
 * DELETE /api/domains: all or nothing; a domain that live links still use is refused, naming how
 * many. A workspace whose default it was falls back to the base host. Deleted links keep their
 * domain, so their short ids stay taken there should the name come back.
 */
export function deleteDomains(db: Db, workspaceId: string, ids: string[]) {
  return db.transaction(
    () => {
      requireLiveIds(db, 'domains', workspaceId, ids, DOMAIN_NOUN)
      const rows = db.select().from(domains).where(inArray(domains.id, ids)).all()
      const nameOf = new Map(rows.map((d) => [d.id, d.name]))
      const counts = liveLinkCounts(db, rows.map((d) => d.name))
      ids.forEach((id, i) => {
        const name = nameOf.get(id)!
        const count = counts.get(name) ?? 0
        if (count > 0) throw new HokoError('domain_has_links', { path: at(i), name, count })
      })
      db.update(workspaces).set({ defaultDomainId: null }).where(inArray(workspaces.defaultDomainId, ids)).run()
      db.delete(domains).where(inArray(domains.id, ids)).run()
      return { deletedIds: ids }
    },
    { behavior: 'immediate' },
  )
}

/**
 * A workspace's default domain, where new links go when they name none: one of its domains, or null
 * for the base host. Returns the id set. (The workspace settings API and the CLI call this.)
 */
export function setDefaultDomain(db: Db, workspaceId: string, domainId: string | null): string | null {
  if (domainId !== null && liveIds(db, 'domains', workspaceId, [domainId]).size === 0)
    throw notFound('defaultDomainId', DOMAIN_NOUN, domainId)
  db.update(workspaces).set({ defaultDomainId: domainId }).where(eq(workspaces.id, workspaceId)).run()
  return domainId
}

/** The domain of this workspace with that name, if any. */
export const domainByName = (db: Db, workspaceId: string, name: string): Row | undefined =>
  db
    .select()
    .from(domains)
    .where(and(eq(domains.workspaceId, workspaceId), eq(domains.name, name)))
    .get()

/** Whether `host` may get a certificate: the base host or any registered domain. */
export const isServedHost = (db: Db, host: string, baseHost: string): boolean =>
  host === baseHost || db.select({ id: domains.id }).from(domains).where(eq(domains.name, host)).get() !== undefined

/** Every domain (of one workspace, if given), with its workspace's slug and whether it is its default: for the CLI. */
export function listAllDomains(db: Db, workspaceId?: string) {
  return db
    .select({ domain: domains, workspace: workspaces.slug, defaultDomainId: workspaces.defaultDomainId })
    .from(domains)
    .innerJoin(workspaces, eq(workspaces.id, domains.workspaceId))
    .where(workspaceId === undefined ? undefined : eq(domains.workspaceId, workspaceId))
    .orderBy(asc(domains.name))
    .all()
    .map((r) => ({ ...domainView(r.domain), workspace: r.workspace, default: r.defaultDomainId === r.domain.id }))
}
