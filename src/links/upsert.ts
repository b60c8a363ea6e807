import { customAlphabet } from 'nanoid'
import type { Data } from '../db/data'
import { HokoError } from '../http/errors'
import { duplicate, liveIds, notFound } from '../http/resource'
import { COLLECTION_NOUN } from '../collections/model'
import { PARTNER_NOUN } from '../partners/model'
import { TAG_NOUN } from '../tags/model'
import { LINK_NOUN, type LinkUpsert, RESERVED_SHORT_IDS, UTM_KEYS } from './model'
import { fromRow, type Link, type LinkRow, newLink, toRow } from './row'
import { cacheKey } from '../redirect/cache'
import {
  addTags,
  byExternalIds,
  clearTags,
  defaultDomain,
  insertLinks,
  linksByIds,
  lockLinkWrites,
  ownDomains,
  releaseExternalIds,
  takenShortIds,
  type LinkWithTags,
  tagIdsOf,
  updateLinks,
} from './statements'

/** 7 characters of a URL-safe alphabet: 64^7 ≈ 4.4e12 ids. */
const newShortId = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-', 7)

/** Where an item's field sits in the request, for error messages: links[2].shortId. */
const at = (i: number, field?: string) => `links[${i}]${field ? `.${field}` : ''}`

/** A written link; `movedFrom`: the domain it left, whose cache entry is stale too. */
export type Written = LinkWithTags & { movedFrom?: string }

/**
 * POST and PUT: items with an id update that link (only the fields present; null clears), items
 * without one are created. Everything is checked before anything is written, in one transaction;
 * `inTransaction` runs in it with the links written, before it commits (webhook events). `baseHost`:
 * the hostname of HOKO_BASE_URL, which items may name as their domain (stored as '').
 */
export function upsertLinks(
  d: Data,
  workspaceId: string,
  items: LinkUpsert[],
  baseHost: string,
  inTransaction?: (tx: Data, written: Written[]) => Promise<void>,
): Promise<Written[]> {
  return d.tx(async (tx) => {
    await lockLinkWrites(tx)
    const written = await upsertLinksInTransaction(tx, workspaceId, items, baseHost)
    await inTransaction?.(tx, written)
    return written
  })
}

/** The same checks and writes, inside a transaction the caller holds (the CSV import, links/import.ts). */
export async function upsertLinksInTransaction(tx: Data, workspaceId: string, items: LinkUpsert[], baseHost: string): Promise<Written[]> {
  const { existing, indexOfId } = await checkExisting(tx, workspaceId, items)
  await checkReferences(tx, workspaceId, items)
  const domains = await checkDomains(tx, workspaceId, items, existing, baseHost)
  const chosen = await checkShortIds(tx, items, domains, existing)
  await checkExternalIds(tx, workspaceId, items, existing, indexOfId)
  return write(tx, workspaceId, items, existing, domains, chosen)
}

/**
 * New items carry url and collectionId; ids are not given twice, name live links of the workspace,
 * and keep their link's shortId. Returns those links, and where each id first appears.
 */
async function checkExisting(tx: Data, workspaceId: string, items: LinkUpsert[]) {
  const ids = items.flatMap((it) => (it.id ? [it.id] : []))
  // No ids, no query: with an empty list SQLite still walks the workspace's links.
  const existing = new Map(ids.length === 0 ? [] : (await linksByIds(tx, workspaceId, ids)).map((r) => [r.id, fromRow(r)]))
  const indexOfId = new Map<string, number>()
  items.forEach((it, i) => {
    if (!it.id) {
      if (it.url === undefined) throw new HokoError('link_field_required', { path: at(i, 'url') })
      if (it.collectionId === undefined) throw new HokoError('link_field_required', { path: at(i, 'collectionId') })
      return
    }
    if (indexOfId.has(it.id)) throw duplicate(at(i, 'id'), it.id, at(indexOfId.get(it.id)!, 'id'))
    indexOfId.set(it.id, i)
    const link = existing.get(it.id)
    if (!link) throw notFound(at(i, 'id'), LINK_NOUN, it.id)
    if (it.shortId !== undefined && it.shortId !== link.shortId)
      throw new HokoError('short_id_immutable', { path: at(i, 'shortId'), shortId: link.shortId })
  })
  return { existing, indexOfId }
}

/** Collections, partners and tags must be live in this workspace. */
async function checkReferences(tx: Data, workspaceId: string, items: LinkUpsert[]) {
  const refs = (pick: (it: LinkUpsert) => (string | null | undefined)[]) =>
    items.flatMap((it) => pick(it).filter((x): x is string => typeof x === 'string'))
  const collections = await liveIds(tx, 'collections', workspaceId, refs((it) => [it.collectionId]))
  const partners = await liveIds(tx, 'partners', workspaceId, refs((it) => [it.partnerId]))
  const tags = await liveIds(tx, 'tags', workspaceId, refs((it) => it.tagIds ?? []))
  items.forEach((it, i) => {
    if (it.collectionId && !collections.has(it.collectionId)) throw notFound(at(i, 'collectionId'), COLLECTION_NOUN, it.collectionId)
    if (it.partnerId && !partners.has(it.partnerId)) throw notFound(at(i, 'partnerId'), PARTNER_NOUN, it.partnerId)
    it.tagIds?.forEach((t, j) => {
      if (!tags.has(t)) throw notFound(`${at(i, 'tagIds')}[${j}]`, TAG_NOUN, t)
    })
  })
}

/**
 * The domain each item's link ends up on ('' for the base host): the one it names, which must be the
 * base host or one of the workspace's domains; else its current one, or the workspace's default.
 */
async function checkDomains(tx: Data, workspaceId: string, items: LinkUpsert[], existing: Map<string, Link>, baseHost: string): Promise<string[]> {
  const named = items.flatMap((it) => (typeof it.domain === 'string' && it.domain !== baseHost ? [it.domain] : []))
  const own = new Set(named.length ? (await ownDomains(tx, workspaceId, [...new Set(named)])).map((r) => r.name) : [])
  const fallback = items.some((it) => it.domain === undefined && !it.id) ? ((await defaultDomain(tx, workspaceId)) ?? '') : ''
  return items.map((it, i) => {
    if (it.domain === undefined) return it.id ? existing.get(it.id)!.domain : fallback
    if (it.domain === null || it.domain === baseHost) return ''
    if (!own.has(it.domain)) throw new HokoError('unknown_domain', { path: at(i, 'domain'), domain: it.domain })
    return it.domain
  })
}

/**
 * The (domain, shortId) pairs the batch takes: new links' chosen short ids, and the short ids of links
 * moving to another domain. Unique in the batch and on their domain, deleted links included. Returns
 * them (keyed as the redirect cache keys them) with their item's index.
 */
async function checkShortIds(tx: Data, items: LinkUpsert[], domains: string[], existing: Map<string, Link>): Promise<Map<string, number>> {
  const chosen = new Map<string, number>()
  const field = new Map<number, 'shortId' | 'domain'>()
  items.forEach((it, i) => {
    const old = it.id ? existing.get(it.id)! : undefined
    const shortId = old ? old.shortId : it.shortId
    if (shortId === undefined || (old && old.domain === domains[i])) return
    const key = cacheKey(domains[i], shortId)
    field.set(i, old ? 'domain' : 'shortId')
    if (chosen.has(key)) throw duplicate(at(i, field.get(i)), shortId, at(chosen.get(key)!, field.get(chosen.get(key)!)))
    chosen.set(key, i)
  })
  if (chosen.size > 0) {
    const pairs = [...chosen.values()].map((i): [string, string] => [domains[i], items[i].shortId ?? existing.get(items[i].id!)!.shortId])
    for (const { domain, short_id } of await takenShortIds(tx, pairs)) {
      const i = chosen.get(cacheKey(domain, short_id))!
      throw new HokoError('short_id_taken', { path: at(i, field.get(i)), shortId: short_id, domain: domain || undefined })
    }
  }
  return chosen
}

/** externalId: unique among the workspace's live links once the batch is written, this batch included. */
async function checkExternalIds(
  tx: Data,
  workspaceId: string,
  items: LinkUpsert[],
  existing: Map<string, Link>,
  indexOfId: Map<string, number>,
) {
  const finalExternal = new Map<string, number>()
  items.forEach((it, i) => {
    const ext = it.externalId === undefined ? (it.id ? existing.get(it.id)!.externalId : null) : it.externalId
    if (ext === null) return
    if (finalExternal.has(ext)) throw duplicate(at(i, 'externalId'), ext, at(finalExternal.get(ext)!, 'externalId'))
    finalExternal.set(ext, i)
  })
  if (finalExternal.size > 0)
    for (const row of await byExternalIds(tx, workspaceId, [...finalExternal.keys()])) {
      const i = finalExternal.get(row.external_id)!
      if (items[i].id !== row.id && !indexOfId.has(row.id))
        throw new HokoError('external_id_taken', { path: at(i, 'externalId'), externalId: row.external_id, linkId: row.id })
    }
}

/**
 * All checked: writes the batch. Links whose externalId changes let go of the old one first, so
 * that values can move between links of the same batch in any order.
 */
async function write(
  tx: Data,
  workspaceId: string,
  items: LinkUpsert[],
  existing: Map<string, Link>,
  domains: string[],
  chosen: Map<string, number>,
): Promise<Written[]> {
  const moving = items.filter((it) => it.id && it.externalId !== undefined).map((it) => it.id!)
  if (moving.length > 0) await releaseExternalIds(tx, moving)
  const now = Date.now()
  const needed = new Map<string, number>()
  items.forEach((it, i) => {
    if (!it.id && it.shortId === undefined) needed.set(domains[i], (needed.get(domains[i]) ?? 0) + 1)
  })
  const generated = new Map<string, string[]>()
  for (const [domain, count] of needed) generated.set(domain, await freshShortIds(tx, domain, count, chosen))
  const out: Link[] = []
  const movedFrom = new Map<string, string>()
  const updated: LinkRow[] = []
  const created: LinkRow[] = []
  const retagged: string[] = []
  const tagged: [string, string][] = []
  items.forEach((it, i) => {
    let l: Link
    if (it.id) {
      l = { ...existing.get(it.id)! }
      applyPatch(l, it)
      if (l.domain !== domains[i]) movedFrom.set(l.id, l.domain)
      l.domain = domains[i]
      l.updatedAt = now
      updated.push(toRow(l))
    } else {
      l = newLink({
        id: Bun.randomUUIDv7(),
        workspaceId,
        shortId: it.shortId ?? generated.get(domains[i])!.pop()!,
        url: it.url!,
        collectionId: it.collectionId!,
        createdAt: now,
        updatedAt: now,
      })
      applyPatch(l, it)
      l.domain = domains[i]
      created.push(toRow(l))
    }
    out.push(l)
    if (it.tagIds !== undefined) {
      // A new link has no tags to clear.
      if (it.id) retagged.push(l.id)
      for (const t of it.tagIds ?? []) tagged.push([l.id, t])
    }
  })
  // The checks above leave no two rows of the batch on one short id or externalId, so the order of
  // the writes does not matter: all of a kind at once.
  await updateLinks(tx, updated)
  await insertLinks(tx, created)
  if (retagged.length > 0) await clearTags(tx, retagged)
  await addTags(tx, tagged)
  const tagIds = await tagIdsOf(tx, out.map((l) => l.id))
  return out.map((l) => ({ link: l, tagIds: tagIds.get(l.id)!, movedFrom: movedFrom.get(l.id) }))
}

/**
 * Short ids for `count` new links on `domain`, none already taken there (deleted links' included),
 * chosen by the batch (`chosen`, keyed by cacheKey) or reserved.
 */
async function freshShortIds(tx: Data, domain: string, count: number, chosen: Map<string, number>): Promise<string[]> {
  const out: string[] = []
  while (out.length < count) {
    const batch = new Set<string>()
    while (batch.size < count - out.length) {
      const id = newShortId()
      if (!chosen.has(cacheKey(domain, id)) && !RESERVED_SHORT_IDS.has(id.toLowerCase())) batch.add(id)
    }
    const taken = new Set((await takenShortIds(tx, [...batch].map((id): [string, string] => [domain, id]))).map((r) => r.short_id))
    for (const id of batch) if (!taken.has(id)) out.push(id)
  }
  return out
}

/** Copies the fields an item carries onto a link: absent keeps, null clears, utm merges per key. */
function applyPatch(l: Link, it: LinkUpsert) {
  if (it.url !== undefined) l.url = it.url
  if (it.collectionId !== undefined) l.collectionId = it.collectionId
  for (const key of ['title', 'description', 'image', 'expiredUrl', 'password', 'ios', 'android', 'externalId', 'tenantId', 'partnerId'] as const)
    if (it[key] !== undefined) l[key] = it[key] ?? null
  if (it.expiresAt !== undefined) l.expiresAt = it.expiresAt?.getTime() ?? null
  if (it.cloaked !== undefined) l.cloaked = it.cloaked ?? false
  if (it.geo !== undefined) l.geo = it.geo && Object.keys(it.geo).length > 0 ? it.geo : null
  if (it.utm === null) l.utm = null
  else if (it.utm !== undefined) {
    const utm: Record<string, string> = { ...(l.utm ?? {}) }
    for (const key of UTM_KEYS) {
      const value = it.utm[key]
      if (value === null) delete utm[key]
      else if (value !== undefined) utm[key] = value
    }
    l.utm = Object.keys(utm).length > 0 ? utm : null
  }
}
