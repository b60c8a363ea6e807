import * as v from 'valibot'
import { batchOf, listQuery, type Noun, Uuid } from '../http/resource'
import { msg } from '../http/validation'
import { EVENT_TYPES } from './events'

export const WEBHOOK_NOUN: Noun = { en: 'webhook', ar: 'خطاف ويب (webhook)' }
export const DELIVERY_NOUN: Noun = { en: 'webhook delivery', ar: 'عملية إرسال خطاف ويب' }

export { EVENT_TYPES, type EventType } from './events'

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

function isHttpUrl(s: string): boolean {
  if (/[\s\u0000-\u001f\u007f]/.test(s)) return false
  try {
    const u = new URL(s)
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== ''
  } catch {
    return false
  }
}

/** Whether plain http is allowed depends on the server (HOKO_WEBHOOK_ALLOW_PRIVATE): checked by the service. */
const url = v.pipe(
  v.string(),
  v.maxLength(2048),
  v.check(isHttpUrl, msg('must be an absolute https URL', 'يجب أن يكون رابطًا كاملًا يبدأ بـ https')),
)
const events = v.pipe(
  v.array(v.picklist(EVENT_TYPES)),
  v.minLength(1),
  v.maxLength(50),
  v.transform((list) => [...new Set(list)]),
)
const description = v.nullish(v.pipe(v.string(), v.maxLength(2000)))
const disabled = v.optional(v.boolean())

export const WebhookQuery = listQuery({ id: v.optional(Uuid) })
export const NewWebhook = v.strictObject({ url, events, description, disabled })
export const WebhookUpsert = v.strictObject({ id: v.optional(Uuid), url: v.optional(url), events: v.optional(events), description, disabled })
export const CreateWebhooksBody = batchOf(NewWebhook)
export const UpsertWebhooksBody = batchOf(WebhookUpsert)

/** id and webhookId filters are or-ed, as every id filter of the API; status narrows what they find. */
export const DeliveryQuery = listQuery({
  id: v.optional(Uuid),
  webhookId: v.optional(Uuid),
  status: v.optional(v.picklist(DELIVERY_STATUSES)),
})

export type WebhookQuery = v.InferOutput<typeof WebhookQuery>
export type WebhookUpsert = v.InferOutput<typeof WebhookUpsert>
export type DeliveryQuery = v.InferOutput<typeof DeliveryQuery>

/** A webhook in answers (webhookView in ./webhooks is typed by it); the secret only on creation and rotation. */
export const WebhookViewSchema = v.strictObject({
  id: v.string(),
  url: v.string(),
  events: v.array(v.string()),
  description: v.nullable(v.string()),
  disabled: v.boolean(),
  createdAt: v.string(),
  updatedAt: v.string(),
})
export const WebhookViewList = v.array(WebhookViewSchema)
/** On creation and rotation only: the webhook with its signing secret. */
export const WebhookWithSecretList = v.array(v.strictObject({ ...WebhookViewSchema.entries, secret: v.string() }))

/** A delivery and its attempts (deliveryView in ./deliveries is checked against it). */
export const DeliveryViewSchema = v.strictObject({
  id: v.string(),
  webhookId: v.string(),
  type: v.string(),
  status: v.string(),
  attempts: v.array(
    v.strictObject({
      timestamp: v.string(),
      status: v.nullable(v.number()),
      durationMs: v.number(),
      response: v.nullable(v.string()),
      error: v.nullable(v.string()),
    }),
  ),
  nextAttemptAt: v.nullable(v.string()),
  /** The body sent. */
  payload: v.unknown(),
  createdAt: v.string(),
})
export const DeliveryViewList = v.array(DeliveryViewSchema)
/** PUT /api/webhooks: the items it created carry their secret, the ones it updated do not. */
export const WebhookUpsertedList = v.array(v.strictObject({ ...WebhookViewSchema.entries, secret: v.optional(v.string()) }))
