import type { AppContext } from '../app'
import { partners } from '../db/schema'
import { crudRoutes, type CrudResource } from '../http/crud'
import { iso } from '../http/resource'
import { CreatePartnersBody, PartnerQuery, UpsertPartnersBody } from './model'

export const PARTNERS = {
  name: 'partners',
  table: partners,
  noun: { en: 'partner', ar: 'شريك' },
  // The spec's PUT/DELETE pages say linksWrite; its scope table (partnersWrite) is authoritative.
  scopes: { read: 'partnersRead', write: 'partnersWrite' },
  sortBy: 'createdAt',
  view: (p) => ({ id: p.id, name: p.name, email: p.email, phone: p.phone, createdAt: iso(p.createdAt), updatedAt: iso(p.updatedAt) }),
  schemas: { query: PartnerQuery, create: CreatePartnersBody, upsert: UpsertPartnersBody },
  title: 'Partners',
} satisfies CrudResource<typeof partners, unknown>

/** Soft-deleted: clicks and conversions attributed to a partner keep it. */
export const partnerRoutes = ({ db }: AppContext) => crudRoutes(PARTNERS, db)
