import * as v from 'valibot'
import { SCOPES, type Scope } from '../keys/scopes'

export const ROLES = ['owner', 'member', 'viewer'] as const
export type Role = (typeof ROLES)[number]
export const RoleSchema = v.picklist(ROLES)
export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s)

const MEMBER_LACKS: Scope[] = ['keysRead', 'keysWrite', 'membersWrite', 'workspaceWrite']

/**
 * A session's effective scopes. Members work with every resource but keys, other members and the
 * workspace's settings (which they may read); viewers read everything but keys.
 */
export const ROLE_SCOPES: Record<Role, ReadonlySet<Scope>> = {
  owner: new Set(SCOPES),
  member: new Set(SCOPES.filter((s) => !MEMBER_LACKS.includes(s))),
  viewer: new Set(SCOPES.filter((s) => s.endsWith('Read') && s !== 'keysRead')),
}
