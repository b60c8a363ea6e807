import * as v from 'valibot'

/** The 11 permission scopes of the spec's API Keys page, in its order, then the dashboard's six. */
export const SCOPES = [
  'linksRead',
  'linksWrite',
  'collectionsRead',
  'collectionsWrite',
  'tagsRead',
  'tagsWrite',
  'analyticsRead',
  'conversionsWrite',
  'customersRead',
  'partnersRead',
  'partnersWrite',
  'keysRead',
  'keysWrite',
  'membersRead',
  'membersWrite',
  'workspaceRead',
  'workspaceWrite',
] as const

export type Scope = (typeof SCOPES)[number]
export const ScopeSchema = v.picklist(SCOPES)
export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s)
