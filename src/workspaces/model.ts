import * as v from 'valibot'
import { Uuid } from '../http/resource'
import { msg, objectOnly } from '../http/validation'
import { PLAN_NAMES } from './plans'

export const SlugSchema = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'slug must be 1-64 lower-case letters, digits or hyphens, not starting or ending with a hyphen'),
)

export const NewWorkspaceSchema = v.object({
  name: v.pipe(v.string(), v.trim(), v.minLength(1, 'name must not be empty'), v.maxLength(255, 'name must be at most 255 characters')),
  slug: v.optional(SlugSchema),
  plan: v.optional(v.picklist(PLAN_NAMES, `plan must be one of: ${PLAN_NAMES.join(', ')}`), 'unlimited'),
  rateLimit: v.optional(
    v.pipe(v.number(), v.integer('rate limit must be a whole number'), v.minValue(1, 'rate limit must be at least 1')),
  ),
})
export type NewWorkspace = v.InferInput<typeof NewWorkspaceSchema>

/** The API's rules (bilingual messages), beside the CLI's above. */
const Slug = v.pipe(
  v.string(),
  v.regex(
    /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
    msg('must be 1 to 64 lower-case letters, digits or hyphens, not starting or ending with a hyphen', 'يجب أن يتكون من 1 إلى 64 حرفًا لاتينيًا صغيرًا أو رقمًا أو شرطة، ولا يبدأ بشرطة ولا ينتهي بها'),
  ),
)
const Name = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(255))
export const UpdateWorkspaceBody = objectOnly(
  v.strictObject({
    name: v.optional(Name),
    slug: v.optional(Slug),
    plan: v.optional(v.picklist(PLAN_NAMES)),
    rateLimit: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000_000)))),
    /** A domain of this workspace that new links get by default; null: the base host. */
    defaultDomainId: v.optional(v.nullable(Uuid)),
  }),
)
export const NewWorkspacesBody = v.pipe(
  v.array(v.strictObject({ name: Name, slug: v.optional(Slug), plan: v.optional(v.picklist(PLAN_NAMES)) })),
  v.minLength(1),
  v.maxLength(100),
)

/** The workspace in answers (WorkspaceView in ./service is this schema's type). */
export const WorkspaceViewSchema = v.strictObject({
  id: v.string(),
  slug: v.string(),
  name: v.string(),
  rateLimit: v.number(),
  plan: v.string(),
  /** null: the host of HOKO_BASE_URL. */
  defaultDomainId: v.nullable(v.string()),
  createdAt: v.string(),
})
