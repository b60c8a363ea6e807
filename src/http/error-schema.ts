import * as v from 'valibot'

/** The bilingual error body of every /api answer that is not a success (see errorBody in ./errors). */
const Message = v.strictObject({ en: v.string(), ar: v.string() })
export const ErrorBody = v.strictObject({ error: Message })
/** 403: missingScopes when the key lacks a scope, missingFeatures when the plan lacks a feature. */
export const ForbiddenBody = v.strictObject({
  error: Message,
  missingScopes: v.optional(v.array(v.string())),
  missingFeatures: v.optional(v.array(v.string())),
})
/** 429: retryAfter, in seconds, as the Retry-After header says. */
export const RateLimitedBody = v.strictObject({ error: Message, retryAfter: v.optional(v.pipe(v.number(), v.integer())) })
