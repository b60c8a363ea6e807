import * as v from 'valibot'
import { SCOPES, type Scope } from '../keys/scopes'

export const ROLES = ['owner', 'member', 'viewer'] as const
export type Role = (typeof ROLES)[number]
export const RoleSchema = v.picklist(ROLES)
export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s)

/** Integration secrets and settings: keys and webhooks (whose URLs and deliveries are the team's plumbing). */
const OWNER_ONLY: Scope[] = ['keysRead', 'keysWrite', 'webhooksRead', 'webhooksWrite']
const MEMBER_LACKS: Scope[] = [...OWNER_ONLY, 'membersWrite', 'workspaceWrite', 'domainsWrite']

/**
 * A session's effective scopes. Members work with every resource but keys, webhooks, other members
 * and the workspace's settings and domains (which they may read); viewers read everything but keys and webhooks.
 */
export const ROLE_SCOPES: Record<Role, ReadonlySet<Scope>> = {
  owner: new Set(SCOPES),
  member: new Set(SCOPES.filter((s) => !MEMBER_LACKS.includes(s))),
  viewer: new Set(SCOPES.filter((s) => s.endsWith('Read') && !OWNER_ONLY.includes(s))),
}
