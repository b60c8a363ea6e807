import { customAlphabet } from 'nanoid'
import type { Db } from '../db'
import { HokoError } from '../http/errors'
import { duplicate, liveIds, notFound } from '../http/resource'
import { COLLECTION_NOUN } from '../collections/model'
import { PARTNER_NOUN } from '../partners/model'
import { TAG_NOUN } from '../tags/model'
import { LINK_NOUN, type LinkUpsert, RESERVED_SHORT_IDS, UTM_KEYS } from './model'
import { fromRow, type Link, newLink, toRow } from './row'
import { type LinkStatements, type LinkWithTags, tagIdsOf } from './statements'

/** 7 characters of a URL-safe alphabet: 64^7 ≈ 4.4e12 ids. */
const newShortId = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-', 7)

/** Where an item's field sits in the request, for error messages: links[2].shortId. */
const at = (i: number, field?: string) => `links[${i}]${field ? `.${field}` : ''}`

/**
 * POST and PUT: items with an id update that link (only the fields present; null clears), items
 * without one are created. Everything is checked before anything is written, in one transaction;
 * `inTransaction` sees the links written before it commits (webhook events).
 */
export function upsertLinks(
  db: Db,
  st: LinkStatements,
  workspaceId: string,
  items: LinkUpsert[],
  inTransaction?: (written: LinkWithTags[]) => void,
): LinkWithTags[] {
  return db.transaction(
    () => {
      const { existing, indexOfId } = checkExisting(st, workspaceId, items)
      checkReferences(db, workspaceId, items)
      const chosen = checkShortIds(st, items)
      checkExternalIds(st, workspaceId, items, existing, indexOfId)
      const written = write(st, workspaceId, items, existing, chosen)
      inTransaction?.(written)
      return written
    },
    { behavior: 'immediate' },
  )
}

/**
 * New items carry url and collectionId; ids are not given twice, name live links of the workspace,
 * and keep their link's shortId. Returns those links, and where each id first appears.
 */
function checkExisting(st: LinkStatements, workspaceId: string, items: LinkUpsert[]) {
  const ids = items.flatMap((it) => (it.id ? [it.id] : []))
  const existing = new Map(st.byIds.all(workspaceId, JSON.stringify(ids)).map((r) => [r.id, fromRow(r)]))
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
function checkReferences(db: Db, workspaceId: string, items: LinkUpsert[]) {
  const refs = (pick: (it: LinkUpsert) => (string | null | undefined)[]) =>
    items.flatMap((it) => pick(it).filter((x): x is string => typeof x === 'string'))
  const collections = liveIds(db, 'collections', workspaceId, refs((it) => [it.collectionId]))
  const partners = liveIds(db, 'partners', workspaceId, refs((it) => [it.partnerId]))
  const tags = liveIds(db, 'tags', workspaceId, refs((it) => it.tagIds ?? []))
  items.forEach((it, i) => {
    if (it.collectionId && !collections.has(it.collectionId)) throw notFound(at(i, 'collectionId'), COLLECTION_NOUN, it.collectionId)
    if (it.partnerId && !partners.has(it.partnerId)) throw notFound(at(i, 'partnerId'), PARTNER_NOUN, it.partnerId)
    it.tagIds?.forEach((t, j) => {
      if (!tags.has(t)) throw notFound(`${at(i, 'tagIds')}[${j}]`, TAG_NOUN, t)
    })
  })
}

/** Short ids chosen for new links: unique in the batch and across the instance. Returns them with their item's index. */
function checkShortIds(st: LinkStatements, items: LinkUpsert[]): Map<string, number> {
  const chosen = new Map<string, number>()
  items.forEach((it, i) => {
    if (it.id || it.shortId === undefined) return
    if (chosen.has(it.shortId)) throw duplicate(at(i, 'shortId'), it.shortId, at(chosen.get(it.shortId)!, 'shortId'))
    chosen.set(it.shortId, i)
  })
  if (chosen.size > 0)
    for (const { short_id } of st.takenShortIds.all(JSON.stringify([...chosen.keys()])))
      throw new HokoError('short_id_taken', { path: at(chosen.get(short_id)!, 'shortId'), shortId: short_id })
  return chosen
}

/** externalId: unique among the workspace's live links once the batch is written, this batch included. */
function checkExternalIds(
  st: LinkStatements,
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
    for (const row of st.byExternalIds.all(workspaceId, JSON.stringify([...finalExternal.keys()]))) {
      const i = finalExternal.get(row.external_id)!
      if (items[i].id !== row.id && !indexOfId.has(row.id))
        throw new HokoError('external_id_taken', { path: at(i, 'externalId'), externalId: row.external_id, linkId: row.id })
    }
}

/**
 * All checked: writes the batch. Links whose externalId changes let go of the old one first, so
 * that values can move between links of the same batch in any order.
 */
function write(st: LinkStatements, workspaceId: string, items: LinkUpsert[], existing: Map<string, Link>, chosen: Map<string, number>) {
  const moving = items.filter((it) => it.id && it.externalId !== undefined).map((it) => it.id!)
  if (moving.length > 0) st.releaseExternalIds.run(JSON.stringify(moving))
  const now = Date.now()
  const generated = freshShortIds(st, items.filter((it) => !it.id && it.shortId === undefined).length, new Set(chosen.keys()))
  const out: Link[] = []
  for (const it of items) {
    let l: Link
    if (it.id) {
      l = { ...existing.get(it.id)! }
      applyPatch(l, it)
      l.updatedAt = now
      st.update.run(toRow(l))
    } else {
      l = newLink({
        id: Bun.randomUUIDv7(),
        workspaceId,
        shortId: it.shortId ?? generated.pop()!,
        url: it.url!,
        collectionId: it.collectionId!,
        createdAt: now,
        updatedAt: now,
      })
      applyPatch(l, it)
      st.insert.run(toRow(l))
    }
    out.push(l)
    if (it.tagIds !== undefined) {
      st.clearTags.run(l.id)
      for (const t of it.tagIds ?? []) st.addTag.run(l.id, t)
    }
  }
  const tagIds = tagIdsOf(st, out.map((l) => l.id))
  return out.map((l) => ({ link: l, tagIds: tagIds.get(l.id)! }))
}

/** Short ids for `count` new links, none already taken (deleted links' included) or reserved. */
function freshShortIds(st: LinkStatements, count: number, alsoTaken: Set<string>): string[] {
  const out: string[] = []
  while (out.length < count) {
    const batch = new Set<string>()
    while (batch.size < count - out.length) {
      const id = newShortId()
      if (!alsoTaken.has(id) && !RESERVED_SHORT_IDS.has(id.toLowerCase())) batch.add(id)
    }
    const taken = new Set(st.takenShortIds.all(JSON.stringify([...batch])).map((r) => r.short_id))
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
