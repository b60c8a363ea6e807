import * as v from 'valibot'
import { listQuery, Uuid } from '../http/resource'

export const CustomerQuery = listQuery({
  id: v.optional(Uuid),
  externalId: v.optional(v.pipe(v.string(), v.maxLength(255))),
})

export type CustomerQuery = v.InferOutput<typeof CustomerQuery>
