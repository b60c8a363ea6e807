import * as v from 'valibot'
import { batchOf, listQuery, type Noun, Uuid } from '../http/resource'
import { HttpUrl } from '../links/model'
import { Hostname, HostName } from './hostname'

export const DOMAIN_NOUN: Noun = { en: 'domain', ar: 'نطاق' }

export const DomainQuery = listQuery({ id: v.optional(Uuid), name: v.optional(HostName) })

const urls = { rootUrl: v.nullish(HttpUrl), notFoundUrl: v.nullish(HttpUrl) }
export const NewDomain = v.strictObject({ name: Hostname, ...urls })
export const DomainUpsert = v.strictObject({ id: v.optional(Uuid), name: v.optional(Hostname), ...urls })

export const CreateDomainsBody = batchOf(NewDomain)
export const UpsertDomainsBody = batchOf(DomainUpsert)

export type DomainQuery = v.InferOutput<typeof DomainQuery>
export type DomainUpsert = v.InferOutput<typeof DomainUpsert>

/** A domain in answers (domainView in ./service is typed by it). */
export const DomainViewSchema = v.strictObject({
  id: v.string(),
  name: v.string(),
  rootUrl: v.nullable(v.string()),
  notFoundUrl: v.nullable(v.string()),
  createdAt: v.string(),
  updatedAt: v.string(),
})
export const DomainViewList = v.array(DomainViewSchema)
