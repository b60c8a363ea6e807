import type * as v from 'valibot'
import type { AppContext } from '../context'
import { crudRoutes, type CrudResource } from '../http/crud'
import { iso } from '../http/resource'
import { CollectionQuery, CreateCollectionsBody, UpsertCollectionsBody, COLLECTION_NOUN, type CollectionViewSchema } from './model'

export const COLLECTIONS = {
  name: 'collections',
  noun: COLLECTION_NOUN,
  scopes: { read: 'collectionsRead', write: 'collectionsWrite' },
  sortBy: 'createdAt',
  view: (c): v.InferOutput<typeof CollectionViewSchema> => ({ id: c.id, name: c.name, description: c.description, createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt) }),
  schemas: { query: CollectionQuery, create: CreateCollectionsBody, upsert: UpsertCollectionsBody },
  title: 'Collections',
} satisfies CrudResource<'collections', unknown>

/** Soft-deleted; deleting a collection leaves its links in place. */
export const collectionRoutes = (ctx: AppContext) => crudRoutes(COLLECTIONS, ctx)
