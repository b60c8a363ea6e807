import * as v from 'valibot'
import { listQuery, SearchText, Uuid } from '../http/resource'

export const CustomerQuery = listQuery({
  id: v.optional(Uuid),
  externalId: v.optional(v.pipe(v.string(), v.maxLength(255))),
  /** Case-insensitive (A–Z) substring of name, email or externalId; narrows the id filters' answer. */
  search: v.optional(SearchText),
})

export type CustomerQuery = v.InferOutput<typeof CustomerQuery>

/** A customer in answers (the view in ./service is checked against it). */
export const CustomerViewSchema = v.strictObject({
  id: v.string(),
  externalId: v.string(),
  name: v.nullable(v.string()),
  email: v.nullable(v.string()),
  phone: v.nullable(v.string()),
  avatar: v.nullable(v.string()),
  createdAt: v.string(),
  updatedAt: v.string(),
})
