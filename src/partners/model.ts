import * as v from 'valibot'
import { batchOf, listQuery, type Noun, Uuid } from '../http/resource'
import { msg } from '../http/validation'

export const PARTNER_NOUN: Noun = { en: 'partner', ar: 'شريك' }

const name = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(255))
const email = v.nullish(v.pipe(v.string(), v.maxLength(254), v.email()))
const phone = v.nullish(v.pipe(v.string(), v.maxLength(32)))

export const DEFAULT_HOLD_DAYS = 30

const currency = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z]{3}$/, msg('must be a 3-letter currency code such as usd', 'يجب أن يكون رمز عملة من 3 أحرف مثل usd')),
  v.toLowerCase(),
)
const holdDays = v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(365)), DEFAULT_HOLD_DAYS)

/** A flat reward: a whole amount in the smallest unit of its currency, per lead or sale. */
const FlatReward = v.strictObject({
  event: v.picklist(['lead', 'sale']),
  type: v.literal('flat'),
  amount: v.pipe(v.number(), v.integer(msg('must be a whole number (in the smallest currency unit, such as cents)', 'يجب أن يكون عددًا صحيحًا (بأصغر وحدة للعملة، مثل السنت)')), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)),
  currency: v.optional(currency, 'usd'),
  holdDays,
})

/** A percentage of the sale's amount, in the sale's currency: sales only (a lead has no amount). */
const PercentageReward = v.strictObject({
  event: v.literal('sale', msg('a percentage reward is for sales only (a lead has no amount)', 'المكافأة بالنسبة المئوية للمبيعات فقط (العميل المحتمل لا مبلغ له)')),
  type: v.literal('percentage'),
  amount: v.pipe(
    v.number(),
    v.minValue(0),
    v.maxValue(100),
    v.check((x) => /^\d+(\.\d{1,2})?$/.test(String(x)), msg('must have at most two decimals', 'يجب ألا يزيد عن منزلتين عشريتين')),
  ),
  holdDays,
})

export const Reward = v.variant('type', [FlatReward, PercentageReward])
export type Reward = v.InferOutput<typeof Reward>

/** At most one reward per event; null clears them all. */
const rewards = v.nullish(
  v.pipe(
    v.array(Reward),
    v.maxLength(2),
    v.check((list) => new Set(list.map((r) => r.event)).size === list.length, msg('at most one reward per event', 'مكافأة واحدة على الأكثر لكل حدث')),
  ),
)

export const PartnerQuery = listQuery({ id: v.optional(Uuid) })

export const NewPartner = v.strictObject({ name, email, phone, rewards })
export const PartnerUpsert = v.strictObject({ id: v.optional(Uuid), name: v.optional(name), email, phone, rewards })

export const CreatePartnersBody = batchOf(NewPartner)
export const UpsertPartnersBody = batchOf(PartnerUpsert)

export type PartnerQuery = v.InferOutput<typeof PartnerQuery>
export type NewPartner = v.InferOutput<typeof NewPartner>
export type PartnerUpsert = v.InferOutput<typeof PartnerUpsert>

/** A partner in answers (PARTNERS.view in ./routes is typed by it). */
/** A reward as answered: the stored form, without the input checks (which the document cannot express). */
const RewardView = v.variant('type', [
  v.strictObject({ event: v.picklist(['lead', 'sale']), type: v.literal('flat'), amount: v.number(), currency: v.string(), holdDays: v.number() }),
  v.strictObject({ event: v.literal('sale'), type: v.literal('percentage'), amount: v.number(), holdDays: v.number() }),
])
export const PartnerViewSchema = v.strictObject({
  id: v.string(),
  name: v.string(),
  email: v.nullable(v.string()),
  phone: v.nullable(v.string()),
  rewards: v.nullable(v.array(RewardView)),
  createdAt: v.string(),
  updatedAt: v.string(),
})
export const PartnerViewList = v.array(PartnerViewSchema)
