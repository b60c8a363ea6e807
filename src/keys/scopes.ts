import * as v from 'valibot'

/** The permission scopes: the 11 of the spec's API Keys page, in its order, then Hoko's own. */
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
  'webhooksRead',
  'webhooksWrite',
  'domainsRead',
  'domainsWrite',
  'commissionsRead',
  'commissionsWrite',
] as const

export type Scope = (typeof SCOPES)[number]
export const ScopeSchema = v.picklist(SCOPES)
export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s)
