import * as v from 'valibot'
import { batchOf, listQuery, type Noun, Uuid } from '../http/resource'

export const COLLECTION_NOUN: Noun = { en: 'collection', ar: 'مجموعة' }

const name = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(255))
const description = v.nullish(v.pipe(v.string(), v.maxLength(2000)))

export const CollectionQuery = listQuery({ id: v.optional(Uuid) })

export const NewCollection = v.strictObject({ name, description })
export const CollectionUpsert = v.strictObject({ id: v.optional(Uuid), name: v.optional(name), description })

export const CreateCollectionsBody = batchOf(NewCollection)
export const UpsertCollectionsBody = batchOf(CollectionUpsert)

export type CollectionQuery = v.InferOutput<typeof CollectionQuery>
export type NewCollection = v.InferOutput<typeof NewCollection>
export type CollectionUpsert = v.InferOutput<typeof CollectionUpsert>

/** A collection in answers (COLLECTIONS.view in ./routes is typed by it). */
export const CollectionViewSchema = v.strictObject({ id: v.string(), name: v.string(), description: v.nullable(v.string()), createdAt: v.string(), updatedAt: v.string() })
export const CollectionViewList = v.array(CollectionViewSchema)
