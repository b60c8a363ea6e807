import * as v from 'valibot'
import { listQuery, SearchText, Uuid } from '../http/resource'

export const CustomerQuery = listQuery({
  id: v.optional(Uuid),
  externalId: v.optional(v.pipe(v.string(), v.maxLength(255))),
  /** Case-insensitive (A–Z) substring of name, email or externalId; narrows the id filters' answer. */
  search: v.optional(SearchText),
})

export type CustomerQuery = v.InferOutput<typeof CustomerQuery>
