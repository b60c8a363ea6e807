import * as v from 'valibot'
import { batchOf, IdList, listQuery } from '../http/resource'
import { sameShape } from '../http/same-shape'
import { msg } from '../http/validation'
import { IsoDateTime } from '../links/model'
import { SCOPES } from './scopes'
import type { KeyView } from './service'

export const KEY_NOUN = { en: 'API key', ar: 'مفتاح API' }

export const NewKey = v.strictObject({
  name: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(255)),
  /** Omitted: the creator's own scopes. `["all"]`: every scope (which the creator must have). */
  scopes: v.optional(v.pipe(v.array(v.picklist(['all', ...SCOPES])), v.minLength(1), v.maxLength(SCOPES.length + 1))),
  expiresAt: v.nullish(IsoDateTime),
})
export const NewKeysBody = batchOf(NewKey)
export const KeyQuery = listQuery({})
export const RevokeKeysBody = IdList
export const FUTURE = msg('must be in the future', 'يجب أن يكون في المستقبل')

/** An API key in lists, never its secret (KeyView in ./service is this schema's type). */
export const KeyViewSchema = v.strictObject({
  id: v.string(),
  name: v.string(),
  prefix: v.string(),
  scopes: v.array(v.string()),
  createdAt: v.string(),
  lastUsedAt: v.nullable(v.string()),
  expiresAt: v.nullable(v.string()),
  revoked: v.boolean(),
  revokedAt: v.nullable(v.string()),
})
export const KeyViewList = v.array(KeyViewSchema)
// The KeyView listKeys answers with and this schema cannot drift apart.
sameShape<KeyView, v.InferOutput<typeof KeyViewSchema>>()
/** POST /api/keys: each key with its secret, shown this once. */
export const NewKeyViewList = v.array(v.strictObject({ ...KeyViewSchema.entries, key: v.string() }))
