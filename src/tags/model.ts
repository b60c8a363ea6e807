import * as v from 'valibot'
import { batchOf, listQuery, type Noun, Uuid } from '../http/resource'

export const TAG_NOUN: Noun = { en: 'tag', ar: 'وسم' }

export const TAG_COLORS = [
  'slate',
  'gray',
  'zinc',
  'neutral',
  'stone',
  'red',
  'orange',
  'amber',
  'yellow',
  'lime',
  'green',
  'emerald',
  'teal',
  'cyan',
  'sky',
  'blue',
  'indigo',
  'violet',
  'purple',
  'fuchsia',
  'pink',
  'rose',
] as const

const name = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(255))
// Not nullish: a tag always has a name and a color, so neither can be cleared.
const color = v.picklist(TAG_COLORS)

export const TagQuery = listQuery({ id: v.optional(Uuid) })

export const NewTag = v.strictObject({ name, color: v.optional(color) })
export const TagUpsert = v.strictObject({ id: v.optional(Uuid), name: v.optional(name), color: v.optional(color) })

export const CreateTagsBody = batchOf(NewTag)
export const UpsertTagsBody = batchOf(TagUpsert)

export type TagQuery = v.InferOutput<typeof TagQuery>
export type NewTag = v.InferOutput<typeof NewTag>
export type TagUpsert = v.InferOutput<typeof TagUpsert>

/** A tag in answers (TAGS.view in ./routes is typed by it). */
export const TagViewSchema = v.strictObject({ id: v.string(), name: v.string(), color: v.string() })
export const TagViewList = v.array(TagViewSchema)
