import * as v from 'valibot'
import { batchOf, listQuery, type Noun, Uuid } from '../http/resource'

export const PARTNER_NOUN: Noun = { en: 'partner', ar: 'شريك' }

const name = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(255))
const email = v.nullish(v.pipe(v.string(), v.maxLength(254), v.email()))
const phone = v.nullish(v.pipe(v.string(), v.maxLength(32)))

export const PartnerQuery = listQuery({ id: v.optional(Uuid) })

export const NewPartner = v.strictObject({ name, email, phone })
export const PartnerUpsert = v.strictObject({ id: v.optional(Uuid), name: v.optional(name), email, phone })

export const CreatePartnersBody = batchOf(NewPartner)
export const UpsertPartnersBody = batchOf(PartnerUpsert)

export type PartnerQuery = v.InferOutput<typeof PartnerQuery>
export type NewPartner = v.InferOutput<typeof NewPartner>
export type PartnerUpsert = v.InferOutput<typeof PartnerUpsert>

/** A partner in answers (PARTNERS.view in ./routes is typed by it). */
export const PartnerViewSchema = v.strictObject({
  id: v.string(),
  name: v.string(),
  email: v.nullable(v.string()),
  phone: v.nullable(v.string()),
  createdAt: v.string(),
  updatedAt: v.string(),
})
export const PartnerViewList = v.array(PartnerViewSchema)
