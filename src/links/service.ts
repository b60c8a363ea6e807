import { customAlphabet } from 'nanoid'
import type { Db } from '../db'
import { HokoError } from '../http/errors'
import { deleteByIds, duplicate, liveIds, notFound, type Noun } from '../http/resource'
import type { AuthContext } from '../keys/service'
import type { Feature } from '../workspaces/plans'
import { COLLECTION_NOUN } from '../collections/model'
import { PARTNER_NOUN } from '../partners/model'
import { TAG_NOUN } from '../tags/model'
import { type LinkQuery, type LinkUpsert, RESERVED_SHORT_IDS, UTM_KEYS } from './model'

export const LINK: Noun = { en: 'link', ar: 'رابط' }

/** 7 characters of a URL-safe alphabet: 64^7 ≈ 4.4e12 ids. */
const newShortId = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-', 7)

/** A link as stored, with JSON columns decoded. */
export type Link = {
  id: string
  workspaceId: string
  shortId: string
  url: string
  title: string | null
  description: string | null
  image: string | null
  utm: Record<string, string> | null
  expiresAt: number | null
  expiredUrl: string | null
  password: string | null
  cloaked: boolean
  ios: string | null
  android: string | null
  geo: Record<string, string> | null
  collectionId: string
  externalId: string | null
  tenantId: string | null
  partnerId: string | null
  createdAt: number
  updatedAt: number
}

export const COLUMNS =
  'id, workspace_id, short_id, url, title, description, image, utm, expires_at, expired_url, password, cloaked, ' +
  'ios, android, geo, collection_id, external_id, tenant_id, partner_id, created_at, updated_at'

export type RawLink = {
  id: string
  workspace_id: string
  short_id: string
  url: string
  title: string | null
  description: string | null
  image: string | null
  utm: string | null
  expires_at: number | null
  expired_url: string | null
  password: string | null
  cloaked: number
  ios: string | null
  android: string | null
  geo: string | null
  collection_id: string
  external_id: string | null
  tenant_id: string | null
  partner_id: string | null
  created_at: number
  updated_at: number
}

export const fromRaw = (r: RawLink): Link => ({
  id: r.id,
  workspaceId: r.workspace_id,
  shortId: r.short_id,
  url: r.url,
  title: r.title,
  description: r.description,
  image: r.image,
  utm: r.utm === null ? null : JSON.parse(r.utm),
  expiresAt: r.expires_at,
  expiredUrl: r.expired_url,
  password: r.password,
  cloaked: r.cloaked === 1,
  ios: r.ios,
  android: r.android,
  geo: r.geo === null ? null : JSON.parse(r.geo),
  collectionId: r.collection_id,
  externalId: r.external_id,
  tenantId: r.tenant_id,
  partnerId: r.partner_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

const toParams = (l: Link) => [
  l.id,
  l.workspaceId,
  l.shortId,
  l.url,
  l.title,
  l.description,
  l.image,
  l.utm === null ? null : JSON.stringify(l.utm),
  l.expiresAt,
  l.expiredUrl,
  l.password,
  l.cloaked ? 1 : 0,
  l.ios,
  l.android,
  l.geo === null ? null : JSON.stringify(l.geo),
  l.collectionId,
  l.externalId,
  l.tenantId,
  l.partnerId,
  l.createdAt,
  l.updatedAt,
]

/** The link object of every API answer, in the spec's field order; absent values are null. */
export function linkView(l: Link, tagIds: string[], baseUrl: string) {
  const shortUrl = `${baseUrl}/${l.shortId}`
  return {
    id: l.id,
    shortId: l.shortId,
    url: l.url,
    shortUrl,
    qrCode:
      `${baseUrl}/qrcode?text=${encodeURIComponent(`${shortUrl}?qr=1`)}` +
      '&size=512&errorCorrection=H&foreground=000000&background=FFFFFF&margin=1&format=svg',
    title: l.title,
    description: l.description,
    image: l.image,
    utm: l.utm,
    expiresAt: l.expiresAt === null ? null : new Date(l.expiresAt).toISOString(),
    expiredUrl: l.expiredUrl,
    password: l.password,
    cloaked: l.cloaked,
    ios: l.ios,
    android: l.android,
    geo: l.geo,
    collectionId: l.collectionId,
    tagIds,
    externalId: l.externalId,
    tenantId: l.tenantId,
    partnerId: l.partnerId,
    createdAt: new Date(l.createdAt).toISOString(),
    updatedAt: new Date(l.updatedAt).toISOString(),
  }
}
export type LinkView = ReturnType<typeof linkView>

/** Which plan features the values an item sets need (clearing one never does). */
function featuresUsed(item: LinkUpsert): Feature[] {
  const used: Feature[] = []
  if (item.expiresAt != null || item.expiredUrl != null) used.push('linkExpiration')
  if (item.password != null) used.push('passwordProtection')
  if (item.cloaked === true) used.push('linkCloaking')
  if (item.ios != null || item.android != null) used.push('deviceTargeting')
  if (item.geo != null && Object.keys(item.geo).length > 0) used.push('geoTargeting')
  return used
}

export function checkFeatures(auth: AuthContext, items: LinkUpsert[]) {
  const missing = new Set<Feature>()
  for (const item of items) for (const f of featuresUsed(item)) if (!auth.plan.features.has(f)) missing.add(f)
  if (missing.size > 0) {
    const features = [...missing]
    throw new HokoError('missing_features', { features }, { missingFeatures: features })
  }
}

const required = (path: string) => HokoError.validation(`${path}: is required`, `${path}: حقل مطلوب`)

/** Prepared statements of the links feature, made once per database. */
export function linkStatements(db: Db) {
  const c = db.$client
  return {
    insert: c.prepare(`INSERT INTO links (${COLUMNS}) VALUES (${COLUMNS.split(',').map(() => '?').join(', ')})`),
    update: c.prepare(
      `UPDATE links SET ${COLUMNS.split(', ')
        .slice(1)
        .map((col) => `${col} = ?`)
        .join(', ')} WHERE id = ?`,
    ),
    byIds: c.prepare<RawLink, [string, string]>(
      `SELECT ${COLUMNS} FROM links WHERE workspace_id = ? AND deleted_at IS NULL AND id IN (SELECT value FROM json_each(?))`,
    ),
    takenShortIds: c.prepare<{ short_id: string }, [string]>(
      'SELECT short_id FROM links WHERE short_id IN (SELECT value FROM json_each(?))',
    ),
    shortIdsOf: c.prepare<{ short_id: string }, [string]>('SELECT short_id FROM links WHERE id IN (SELECT value FROM json_each(?))'),
    byExternalIds: c.prepare<{ id: string; external_id: string }, [string, string]>(
      `SELECT id, external_id FROM links WHERE workspace_id = ? AND deleted_at IS NULL
         AND external_id IN (SELECT value FROM json_each(?))`,
    ),
    tagsOf: c.prepare<{ link_id: string; tag_id: string }, [string]>(
      'SELECT link_id, tag_id FROM link_tags WHERE link_id IN (SELECT value FROM json_each(?)) ORDER BY tag_id',
    ),
    releaseExternalIds: c.prepare('UPDATE links SET external_id = NULL WHERE id IN (SELECT value FROM json_each(?))'),
    clearTags: c.prepare('DELETE FROM link_tags WHERE link_id = ?'),
    addTag: c.prepare('INSERT OR IGNORE INTO link_tags (link_id, tag_id) VALUES (?, ?)'),
  }
}
export type LinkStatements = ReturnType<typeof linkStatements>

export function tagIdsOf(st: LinkStatements, linkIds: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(linkIds.map((id) => [id, []]))
  if (linkIds.length === 0) return out
  for (const r of st.tagsOf.all(JSON.stringify(linkIds))) out.get(r.link_id)?.push(r.tag_id)
  return out
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

/**
 * POST and PUT: items with an id update that link (only the fields present; null clears), items
 * without one are created. Everything is checked before anything is written, in one transaction.
 */
export function upsertLinks(db: Db, st: LinkStatements, workspaceId: string, items: LinkUpsert[]) {
  return db.transaction(
    () => {
      const p = (i: number, field?: string) => `links[${i}]${field ? `.${field}` : ''}`

      // Existing links, and ids given twice.
      const ids = items.flatMap((it) => (it.id ? [it.id] : []))
      const existing = new Map(st.byIds.all(workspaceId, JSON.stringify(ids)).map((r) => [r.id, fromRaw(r)]))
      const firstIndexOfId = new Map<string, number>()
      items.forEach((it, i) => {
        if (!it.id) {
          if (it.url === undefined) throw required(p(i, 'url'))
          if (it.collectionId === undefined) throw required(p(i, 'collectionId'))
          return
        }
        if (firstIndexOfId.has(it.id)) throw duplicate(p(i, 'id'), it.id, p(firstIndexOfId.get(it.id)!, 'id'))
        firstIndexOfId.set(it.id, i)
        const link = existing.get(it.id)
        if (!link) throw notFound(p(i, 'id'), LINK, it.id)
        if (it.shortId !== undefined && it.shortId !== link.shortId)
          throw HokoError.validation(
            `${p(i, 'shortId')}: cannot be changed once a link exists (it is ${link.shortId})`,
            `${p(i, 'shortId')}: لا يمكن تغييره بعد إنشاء الرابط (قيمته ${link.shortId})`,
          )
      })

      // References: collections, partners and tags must be live in this workspace.
      const refs = (pick: (it: LinkUpsert) => (string | null | undefined)[]) =>
        items.flatMap((it) => pick(it).filter((x): x is string => typeof x === 'string'))
      const collections = liveIds(db, 'collections', workspaceId, refs((it) => [it.collectionId]))
      const partners = liveIds(db, 'partners', workspaceId, refs((it) => [it.partnerId]))
      const tags = liveIds(db, 'tags', workspaceId, refs((it) => it.tagIds ?? []))
      items.forEach((it, i) => {
        if (it.collectionId && !collections.has(it.collectionId)) throw notFound(p(i, 'collectionId'), COLLECTION_NOUN, it.collectionId)
        if (it.partnerId && !partners.has(it.partnerId)) throw notFound(p(i, 'partnerId'), PARTNER_NOUN, it.partnerId)
        it.tagIds?.forEach((t, j) => {
          if (!tags.has(t)) throw notFound(`${p(i, 'tagIds')}[${j}]`, TAG_NOUN, t)
        })
      })

      // Chosen short ids: unique in the batch and across the instance.
      const chosen = new Map<string, number>()
      items.forEach((it, i) => {
        if (it.id || it.shortId === undefined) return
        if (chosen.has(it.shortId)) throw duplicate(p(i, 'shortId'), it.shortId, p(chosen.get(it.shortId)!, 'shortId'))
        chosen.set(it.shortId, i)
      })
      if (chosen.size > 0)
        for (const { short_id } of st.takenShortIds.all(JSON.stringify([...chosen.keys()])))
          throw HokoError.validation(
            `${p(chosen.get(short_id)!, 'shortId')}: ${short_id} is already taken`,
            `${p(chosen.get(short_id)!, 'shortId')}: المعرّف ${short_id} مستخدم بالفعل`,
          )

      // externalId: unique among the workspace's live links, this batch included.
      const finalExternal = new Map<string, number>()
      items.forEach((it, i) => {
        const ext = it.externalId === undefined ? (it.id ? existing.get(it.id)!.externalId : null) : it.externalId
        if (ext === null) return
        if (finalExternal.has(ext)) throw duplicate(p(i, 'externalId'), ext, p(finalExternal.get(ext)!, 'externalId'))
        finalExternal.set(ext, i)
      })
      if (finalExternal.size > 0)
        for (const row of st.byExternalIds.all(workspaceId, JSON.stringify([...finalExternal.keys()]))) {
          const i = finalExternal.get(row.external_id)!
          if (items[i].id !== row.id && !firstIndexOfId.has(row.id))
            throw HokoError.validation(
              `${p(i, 'externalId')}: ${row.external_id} is already used by link ${row.id}`,
              `${p(i, 'externalId')}: القيمة ${row.external_id} مستخدمة بالفعل للرابط ${row.id}`,
            )
        }

      // All checked: write. Links whose externalId changes let go of the old one first, so that
      // values can move between links of the same batch in any order.
      const moving = items.filter((it) => it.id && it.externalId !== undefined).map((it) => it.id!)
      if (moving.length > 0) st.releaseExternalIds.run(JSON.stringify(moving))
      const now = Date.now()
      const generated = freshShortIds(st, items.filter((it) => !it.id && it.shortId === undefined).length, new Set(chosen.keys()))
      const out: Link[] = []
      for (const it of items) {
        if (it.id) {
          const l = { ...existing.get(it.id)! }
          applyPatch(l, it)
          l.updatedAt = now
          const params = toParams(l)
          st.update.run(...(params.slice(1) as never[]), l.id as never)
          out.push(l)
        } else {
          const l: Link = {
            id: Bun.randomUUIDv7(),
            workspaceId,
            shortId: it.shortId ?? generated.pop()!,
            url: it.url!,
            title: null,
            description: null,
            image: null,
            utm: null,
            expiresAt: null,
            expiredUrl: null,
            password: null,
            cloaked: false,
            ios: null,
            android: null,
            geo: null,
            collectionId: it.collectionId!,
            externalId: null,
            tenantId: null,
            partnerId: null,
            createdAt: now,
            updatedAt: now,
          }
          applyPatch(l, it)
          st.insert.run(...(toParams(l) as never[]))
          out.push(l)
        }
        if (it.tagIds !== undefined) {
          st.clearTags.run(out[out.length - 1].id)
          for (const t of it.tagIds ?? []) st.addTag.run(out[out.length - 1].id, t)
        }
      }
      const tagIds = tagIdsOf(st, out.map((l) => l.id))
      return out.map((l) => ({ link: l, tagIds: tagIds.get(l.id)! }))
    },
    { behavior: 'immediate' },
  )
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

export function listLinks(db: Db, st: LinkStatements, workspaceId: string, q: LinkQuery) {
  const filters: string[] = []
  const params: (string | number)[] = [workspaceId]
  const add = (sql: string, value: string | undefined) => {
    if (value === undefined) return
    filters.push(sql)
    params.push(value)
  }
  add('id = ?', q.id)
  add('external_id = ?', q.externalId)
  add('tenant_id = ?', q.tenantId)
  add('partner_id = ?', q.partnerId)
  add('id IN (SELECT link_id FROM link_tags WHERE tag_id = ?)', q.tagId)
  const dir = q.sort === 'asc' ? 'ASC' : 'DESC'
  const rows = db.$client
    .query<RawLink, (string | number)[]>(
      `SELECT ${COLUMNS} FROM links WHERE workspace_id = ? AND deleted_at IS NULL
       ${filters.length ? `AND (${filters.join(' OR ')})` : ''}
       ORDER BY created_at ${dir}, id ${dir} LIMIT ? OFFSET ?`,
    )
    .all(...params, q.take, q.skip)
    .map(fromRaw)
  const tagIds = tagIdsOf(st, rows.map((l) => l.id))
  return rows.map((link) => ({ link, tagIds: tagIds.get(link.id)! }))
}

export function deleteLinks(db: Db, st: LinkStatements, workspaceId: string, ids: string[]) {
  const { deletedIds } = deleteByIds(db, 'links', workspaceId, ids, LINK)
  return { deletedIds, shortIds: st.shortIdsOf.all(JSON.stringify(deletedIds)).map((r) => r.short_id) }
}
