import * as v from 'valibot'
import { batchOf, IdList, listQuery } from '../http/resource'
import { msg } from '../http/validation'
import { IsoDateTime } from '../links/model'
import { SCOPES } from './scopes'

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
