import * as v from 'valibot'
import { batchOf, IdList } from '../http/resource'
import { objectOnly } from '../http/validation'
import { PLAN_NAMES } from '../workspaces/plans'
import { Password } from './passwords'
import { RoleSchema } from './roles'
import { Email, Language, UserName } from './users'

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
