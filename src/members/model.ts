import * as v from 'valibot'
import { RoleSchema } from '../accounts/roles'
import { batchOf, IdList, listQuery, Uuid } from '../http/resource'

export const MEMBER_NOUN = { en: 'member', ar: 'عضو' }

export const MemberQuery = listQuery({})
export const MemberRolesBody = batchOf(v.strictObject({ userId: Uuid, role: RoleSchema }))
export const RemoveMembersBody = IdList

export const NewInvitesBody = batchOf(
  v.strictObject({
    role: RoleSchema,
    expiresInDays: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(30)), 7),
  }),
)
export const DeleteInvitesBody = IdList
export const InviteQuery = listQuery({})

/** A member in answers (the list in ./routes is checked against it). */
export const MemberViewSchema = v.strictObject({ userId: v.string(), email: v.string(), name: v.string(), role: RoleSchema, createdAt: v.string() })
export const MemberViewList = v.array(MemberViewSchema)
