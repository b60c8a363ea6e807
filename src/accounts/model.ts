import * as v from 'valibot'
import { batchOf, IdList } from '../http/resource'
import { objectOnly } from '../http/validation'
import { PLAN_NAMES } from '../workspaces/plans'
import { Password } from './passwords'
import { RoleSchema } from './roles'
import { Email, Language, UserName, type UserListItem, type UserView } from './users'
import { sameShape } from '../http/same-shape'
import { SCOPES } from '../keys/scopes'

export const UpdateMeBody = objectOnly(v.strictObject({ name: v.optional(UserName), language: v.optional(Language) }))

export const ChangePasswordBody = v.strictObject({
  currentPassword: v.pipe(v.string(), v.maxLength(1024)),
  newPassword: Password,
})

export const DeleteSessionsBody = IdList

export const NewUser = v.strictObject({
  email: Email,
  name: UserName,
  password: Password,
  workspaceId: v.pipe(v.string(), v.uuid()),
  role: RoleSchema,
  isAdmin: v.optional(v.boolean(), false),
})
/** Each password costs an argon2id hash: batches stay small. */
export const NewUsersBody = v.pipe(v.array(NewUser), v.minLength(1), v.maxLength(100))

export { batchOf, PLAN_NAMES }

/** The user in answers (UserView in ./users is checked against it). */
export const UserViewSchema = v.strictObject({ id: v.string(), email: v.string(), name: v.string(), isAdmin: v.boolean(), language: v.string() })
const MembershipSchema = v.strictObject({ id: v.string(), slug: v.string(), name: v.string(), role: RoleSchema })
/** GET /api/admin/users (UserListItem in ./users is checked against it). */
export const UserListSchema = v.array(v.strictObject({ ...UserViewSchema.entries, createdAt: v.string(), workspaces: v.array(MembershipSchema) }))
/** GET/PUT /api/me: with a session, the user and their workspaces; with a key, nulls (me in ./routes is checked against it). */
export const MeSchema = v.union([
  v.strictObject({
    user: v.null(),
    workspace: v.strictObject({ id: v.string(), slug: v.string(), name: v.string(), role: v.null() }),
    workspaces: v.array(v.strictObject({ id: v.string(), slug: v.string(), name: v.string(), role: v.null() })),
    scopes: v.array(v.picklist(SCOPES)),
    csrfToken: v.null(),
    /** The host of HOKO_BASE_URL: the domain of links on no custom domain. */
    baseHost: v.string(),
  }),
  v.strictObject({
    user: UserViewSchema,
    workspace: MembershipSchema,
    workspaces: v.array(MembershipSchema),
    scopes: v.array(v.picklist(SCOPES)),
    csrfToken: v.string(),
    baseHost: v.string(),
  }),
])
/** GET /api/sessions. */
export const SessionViewList = v.array(
  v.strictObject({ id: v.string(), createdAt: v.string(), lastSeenAt: v.string(), userAgent: v.nullable(v.string()), current: v.boolean() }),
)
/** POST /api/me/password: how many other sessions it ended. */
export const PasswordChangedSchema = v.strictObject({ endedSessions: v.number() })
/** An invitation in answers (InviteView in ./invites is checked against it); its url only on creation. */
export const InviteViewSchema = v.strictObject({ id: v.string(), role: RoleSchema, expiresAt: v.string(), createdAt: v.string() })
export const NewInviteViewList = v.array(v.strictObject({ ...InviteViewSchema.entries, url: v.string() }))

// The views users.ts builds and these schemas cannot drift apart.
sameShape<UserView, v.InferOutput<typeof UserViewSchema>>()
sameShape<UserListItem[], v.InferOutput<typeof UserListSchema>>()
/** POST /api/admin/users: each user created and the workspace role given. */
export const NewUserViewList = v.array(
  v.strictObject({ id: v.string(), email: v.string(), name: v.string(), isAdmin: v.boolean(), workspaceId: v.string(), role: RoleSchema }),
)
