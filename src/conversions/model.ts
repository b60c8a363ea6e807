import * as v from 'valibot'
import { dateBound } from '../analytics/model'
import { listQuery, Uuid } from '../http/resource'
import { msg } from '../http/validation'
import { HttpUrl, LinkViewSchema } from '../links/model'

const MAX_METADATA_BYTES = 10_000

/** A JSON object of at most 10 KB, stored with the event. */
const Metadata = v.nullish(
  v.pipe(
    // Not v.record: it takes an array, and outputs it as an object.
    v.custom<Record<string, unknown>>(
      (x) => typeof x === 'object' && x !== null && !Array.isArray(x),
      msg('must be an object', 'يجب أن يكون كائنًا'),
    ),
    v.check(
      (x) => new TextEncoder().encode(JSON.stringify(x)).length <= MAX_METADATA_BYTES,
      msg(`must be at most ${MAX_METADATA_BYTES} bytes as JSON`, `يجب ألا يتجاوز حجمه ${MAX_METADATA_BYTES} بايت بصيغة JSON`),
    ),
  ),
)

const customer = {
  customerExternalId: v.pipe(v.string(), v.minLength(1), v.maxLength(100)),
  customerName: v.pipe(v.string(), v.maxLength(100)),
  customerEmail: v.nullish(v.pipe(v.string(), v.maxLength(254), v.email())),
  customerAvatar: v.nullish(HttpUrl),
}

const eventName = v.pipe(v.string(), v.minLength(1), v.maxLength(255))

export const TrackLeadBody = v.strictObject({
  /** A click id, or "" for deferred tracking (the customer's most recent lead's click). */
  clickId: v.pipe(v.string(), v.maxLength(255)),
  eventName,
  ...customer,
  metadata: Metadata,
})

export const TrackSaleBody = v.strictObject({
  ...customer,
  amount: v.pipe(
    v.number(),
    v.integer(msg('must be a whole number (the amount in the smallest currency unit, such as cents)', 'يجب أن يكون عددًا صحيحًا (المبلغ بأصغر وحدة للعملة، مثل السنت)')),
    v.minValue(0),
    v.maxValue(Number.MAX_SAFE_INTEGER),
  ),
  currency: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[A-Za-z]{3}$/, msg('must be a 3-letter currency code such as usd', 'يجب أن يكون رمز عملة من 3 أحرف مثل usd')),
      v.toLowerCase(),
    ),
    'usd',
  ),
  eventName: v.optional(eventName, 'Purchase'),
  metadata: Metadata,
  leadEventName: v.optional(eventName),
  clickId: v.optional(v.pipe(v.string(), v.maxLength(255))),
})

export type TrackLead = v.InferOutput<typeof TrackLeadBody>
export type TrackSale = v.InferOutput<typeof TrackSaleBody>

/** GET /api/leads and /api/sales: the id filters widen each other (OR), the dates narrow (AND). */
export const ConversionQuery = listQuery({
  customerId: v.optional(Uuid),
  linkId: v.optional(Uuid),
  partnerId: v.optional(Uuid),
  startDate: v.optional(dateBound('start')),
  endDate: v.optional(dateBound('end')),
})

export type ConversionQuery = v.InferOutput<typeof ConversionQuery>

const nullableText = v.nullable(v.string())
const StoredMetadata = v.nullable(v.record(v.string(), v.unknown()))
/** The customer of a conversion answer. */
export const ConversionCustomerSchema = v.strictObject({
  id: v.string(),
  name: nullableText,
  email: nullableText,
  phone: nullableText,
  avatar: nullableText,
  externalId: v.string(),
})
/** POST /api/track/lead's answer (trackLead in ./service is checked against it). */
export const TrackLeadAnswer = v.strictObject({
  click: v.strictObject({ id: v.string() }),
  link: LinkViewSchema,
  lead: v.strictObject({ eventName: v.string(), metadata: StoredMetadata }),
  customer: ConversionCustomerSchema,
})
/** POST /api/track/sale's answer (trackSale in ./service is checked against it). */
export const TrackSaleAnswer = v.strictObject({
  click: v.strictObject({ id: v.string() }),
  link: LinkViewSchema,
  customer: ConversionCustomerSchema,
  sale: v.strictObject({ amount: v.number(), currency: v.string(), eventName: v.string(), metadata: StoredMetadata }),
})
const attribution = {
  createdAt: v.string(),
  clickId: v.string(),
  linkId: v.string(),
  shortId: nullableText,
  partnerId: nullableText,
  customerId: v.string(),
}
/** An item of GET /api/leads (the leads view in ./list is checked against it). */
export const LeadViewSchema = v.strictObject({ id: v.string(), eventName: v.string(), metadata: StoredMetadata, ...attribution })
/** An item of GET /api/sales (the sales view in ./list is checked against it). */
export const SaleViewSchema = v.strictObject({
  id: v.string(),
  amount: v.number(),
  currency: v.string(),
  eventName: v.string(),
  metadata: StoredMetadata,
  ...attribution,
  leadId: nullableText,
})
