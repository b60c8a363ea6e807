import { and, asc, desc, eq, isNull, or, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { collections } from '../db/schema'
import { HokoError } from '../http/errors'
import { deleteByIds, iso, liveIds, notFound, type Noun } from '../http/resource'
import type { CollectionQuery, CollectionUpsert, NewCollection } from './model'

export const COLLECTION: Noun = { en: 'collection', ar: 'مجموعة' }

type Row = typeof collections.$inferSelect

const view = (c: Row) => ({
  id: c.id,
  name: c.name,
  description: c.description,
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
})

export function listCollections(db: Db, workspaceId: string, q: CollectionQuery) {
  const filters: SQL[] = []
  if (q.id) filters.push(eq(collections.id, q.id))
  const order = q.sort === 'asc' ? asc : desc
  return db
    .select()
    .from(collections)
    .where(and(eq(collections.workspaceId, workspaceId), isNull(collections.deletedAt), or(...filters)))
    .orderBy(order(collections.createdAt), order(collections.id))
    .limit(q.take)
    .offset(q.skip)
    .all()
    .map(view)
}

export function createCollections(db: Db, workspaceId: string, items: NewCollection[]) {
  return upsertCollections(db, workspaceId, items)
}

/** Items with an id update that collection (only the fields present); items without one create. */
export function upsertCollections(db: Db, workspaceId: string, items: CollectionUpsert[]) {
  return db.transaction(
    () => {
      const ids = items.flatMap((i) => (i.id ? [i.id] : []))
      const live = liveIds(db, 'collections', workspaceId, ids)
      items.forEach((item, i) => {
        if (item.id && !live.has(item.id)) throw notFound(`collections[${i}].id`, COLLECTION, item.id)
        if (!item.id && item.name === undefined)
          throw HokoError.validation(`collections[${i}].name: is required`, `collections[${i}].name: حقل مطلوب`)
      })
      const now = new Date()
      const out: Row[] = []
      for (const item of items) {
        if (item.id) {
          const patch: Partial<Row> = { updatedAt: now }
          if (item.name !== undefined) patch.name = item.name
          if (item.description !== undefined) patch.description = item.description
          out.push(db.update(collections).set(patch).where(eq(collections.id, item.id)).returning().get())
        } else {
          const row: Row = {
            id: Bun.randomUUIDv7(),
            workspaceId,
            name: item.name!,
            description: item.description ?? null,
            createdAt: now,
            updatedAt: now,
            deletedAt: null,
          }
          db.insert(collections).values(row).run()
          out.push(row)
        }
      }
      return out.map(view)
    },
    { behavior: 'immediate' },
  )
}

export const deleteCollections = (db: Db, workspaceId: string, ids: string[]) =>
  deleteByIds(db, 'collections', workspaceId, ids, COLLECTION)


