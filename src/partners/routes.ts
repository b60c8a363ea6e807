import type * as v from 'valibot'
import type { AppContext } from '../context'
import { crudRoutes, type CrudResource } from '../http/crud'
import { iso } from '../http/resource'
import { CreatePartnersBody, PartnerQuery, type Reward, UpsertPartnersBody, PARTNER_NOUN, type PartnerViewSchema } from './model'

export const PARTNERS = {
  name: 'partners',
  noun: PARTNER_NOUN,
  // The spec's PUT/DELETE pages say linksWrite; its scope table (partnersWrite) is authoritative.
  scopes: { read: 'partnersRead', write: 'partnersWrite' },
  sortBy: 'createdAt',
  view: (p): v.InferOutput<typeof PartnerViewSchema> => ({ id: p.id, name: p.name, email: p.email, phone: p.phone, rewards: (p.rewards as Reward[] | null) ?? null, createdAt: iso(p.createdAt), updatedAt: iso(p.updatedAt) }),
  schemas: { query: PartnerQuery, create: CreatePartnersBody, upsert: UpsertPartnersBody },
  title: 'Partners',
  events: { created: 'partner.created', updated: 'partner.updated', deleted: 'partner.deleted' },
} satisfies CrudResource<'partners', unknown>

/** Soft-deleted: clicks and conversions attributed to a partner keep it. */
export const partnerRoutes = (ctx: AppContext) => crudRoutes(PARTNERS, ctx)
