import type * as v from 'valibot'
import type { AppContext } from '../context'
import { crudRoutes, type CrudResource } from '../http/crud'
import { CreateTagsBody, TagQuery, UpsertTagsBody, TAG_NOUN, type TagViewSchema } from './model'

export const TAGS = {
  name: 'tags',
  noun: TAG_NOUN,
  scopes: { read: 'tagsRead', write: 'tagsWrite' },
  // ids are UUIDv7, so id order is creation order, as the spec's "sorting by tag id" wants.
  sortBy: 'id',
  defaults: { color: 'slate' },
  view: (t): v.InferOutput<typeof TagViewSchema> => ({ id: t.id, name: t.name, color: t.color }),
  schemas: { query: TagQuery, create: CreateTagsBody, upsert: UpsertTagsBody },
  title: 'Tags',
} satisfies CrudResource<'tags', unknown>

/** Hard-deleted: their link associations go with them (link_tags cascades). */
export const tagRoutes = (ctx: AppContext) => crudRoutes(TAGS, ctx)
