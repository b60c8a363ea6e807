import { and, asc, desc, eq, inArray } from 'drizzle-orm'
import type * as v from 'valibot'
import type { Db } from '../db'
import { webhookAttempts, webhookDeliveries, webhooks } from '../db/schema'
import { HokoError } from '../http/errors'
import { deleteByIds, iso, liveIds, notFound, requireLiveIds } from '../http/resource'
import { WEBHOOK_NOUN, type WebhookQuery, type WebhookUpsert, type WebhookViewSchema } from './model'
import { newSecret } from './signing'

type WebhookRow = typeof webhooks.$inferSelect

/** How long the secret a rotation replaces still signs deliveries. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000

/** The webhook of every answer; the secret only where the issue says (creation, rotation). */
export const webhookView = (w: WebhookRow): v.InferOutput<typeof WebhookViewSchema> => ({
  id: w.id,
  url: w.url,
  events: w.events,
  description: w.description,
  disabled: w.disabled,
  createdAt: iso(w.createdAt),
  updatedAt: iso(w.updatedAt),
})
export type WebhookView = ReturnType<typeof webhookView>

export function listWebhooks(db: Db, workspaceId: string, q: WebhookQuery): WebhookView[] {
  const order = q.sort === 'asc' ? asc : desc
  return db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.workspaceId, workspaceId), q.id ? eq(webhooks.id, q.id) : undefined))
    .orderBy(order(webhooks.createdAt), order(webhooks.id))
    .limit(q.take)
    .offset(q.skip)
    .all()
    .map(webhookView)
}

/**
 * POST and PUT: items with an id update that webhook (the fields present; null clears the
 * description), the others are created with a new secret, which only this answer shows.
 * Plain http needs HOKO_WEBHOOK_ALLOW_PRIVATE. Re-enabling a webhook forgets its failures.
 */
export function upsertWebhooks(db: Db, workspaceId: string, items: WebhookUpsert[], allowHttp: boolean): (WebhookView & { secret?: string })[] {
  return db.transaction(
    () => {
      const live = liveIds(db, 'webhooks', workspaceId, items.flatMap((i) => (i.id ? [i.id] : [])))
      const seen = new Map<string, number>()
      items.forEach((item, i) => {
        if (item.id) {
          if (seen.has(item.id)) throw new HokoError('duplicate_value', { path: `webhooks[${i}].id`, value: item.id, firstPath: `webhooks[${seen.get(item.id)}].id` })
          seen.set(item.id, i)
          if (!live.has(item.id)) throw notFound(`webhooks[${i}].id`, WEBHOOK_NOUN, item.id)
        } else {
          if (item.url === undefined) throw new HokoError('webhook_field_required', { path: `webhooks[${i}].url` })
          if (item.events === undefined) throw new HokoError('webhook_field_required', { path: `webhooks[${i}].events` })
        }
        if (item.url !== undefined && !allowHttp && !item.url.toLowerCase().startsWith('https:'))
          throw new HokoError('webhook_url_not_https', { path: `webhooks[${i}].url` })
      })
      const now = new Date()
      return items.map(({ id, disabled, ...fields }) => {
        const present = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
        if (disabled !== undefined) Object.assign(present, { disabled, ...(disabled ? {} : { failingSince: null }) })
        if (id) return webhookView(db.update(webhooks).set({ ...present, updatedAt: now }).where(eq(webhooks.id, id)).returning().get())
        const secret = newSecret()
        const row = db
          .insert(webhooks)
          .values({ ...(present as { url: string; events: string[] }), id: Bun.randomUUIDv7(), workspaceId, secret, createdAt: now, updatedAt: now })
          .returning()
          .get()
        return { ...webhookView(row), secret }
      })
    },
    { behavior: 'immediate' },
  )
}

/** DELETE: the webhooks, their deliveries and attempts, for good. */
export function deleteWebhooks(db: Db, workspaceId: string, ids: string[]) {
  return deleteByIds(db, 'webhooks', workspaceId, ids, WEBHOOK_NOUN, (list) => {
    const deliveries = db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(inArray(webhookDeliveries.webhookId, list))
    db.delete(webhookAttempts).where(inArray(webhookAttempts.deliveryId, deliveries)).run()
    db.delete(webhookDeliveries).where(inArray(webhookDeliveries.webhookId, list)).run()
  })
}

/** A new secret for each webhook; the one it replaces keeps signing (as a second signature) for 24 hours. */
export function rotateSecrets(db: Db, workspaceId: string, ids: string[]): (WebhookView & { secret: string })[] {
  return db.transaction(
    () => {
      requireLiveIds(db, 'webhooks', workspaceId, ids, WEBHOOK_NOUN)
      const now = new Date()
      return ids.map((id) => {
        const old = db.select().from(webhooks).where(eq(webhooks.id, id)).get()!
        const secret = newSecret()
        const row = db
          .update(webhooks)
          .set({ secret, previousSecret: old.secret, previousSecretExpiresAt: new Date(now.getTime() + ROTATION_OVERLAP_MS), updatedAt: now })
          .where(eq(webhooks.id, id))
          .returning()
          .get()
        return { ...webhookView(row), secret }
      })
    },
    { behavior: 'immediate' },
  )
}
