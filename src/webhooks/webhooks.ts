import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm'
import type * as v from 'valibot'
import type { Data } from '../db/data'
import type { webhooks } from '../db/schema'
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

export async function listWebhooks(d: Data, workspaceId: string, q: WebhookQuery): Promise<WebhookView[]> {
  const order = q.sort === 'asc' ? asc : desc
  const { webhooks } = d.t
  const rows = await d.orm
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.workspaceId, workspaceId), q.id ? eq(webhooks.id, q.id) : undefined))
    .orderBy(order(webhooks.createdAt), order(webhooks.id))
    .limit(q.take)
    .offset(q.skip)
  return rows.map(webhookView)
}

/**
 * POST and PUT: items with an id update that webhook (the fields present; null clears the
 * description), the others are created with a new secret, which only this answer shows.
 * Plain http needs HOKO_WEBHOOK_ALLOW_PRIVATE. Re-enabling a webhook forgets its failures.
 */
export function upsertWebhooks(d: Data, workspaceId: string, items: WebhookUpsert[], allowHttp: boolean): Promise<(WebhookView & { secret?: string })[]> {
  return d.tx(async (tx) => {
    const { webhooks } = tx.t
    const live = await liveIds(tx, 'webhooks', workspaceId, items.flatMap((i) => (i.id ? [i.id] : [])))
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
    const out: (WebhookView & { secret?: string })[] = []
    for (const { id, disabled, ...fields } of items) {
      const present = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
      if (disabled !== undefined) Object.assign(present, { disabled, ...(disabled ? {} : { failingSince: null }) })
      if (id) {
        const [row] = await tx.orm.update(webhooks).set({ ...present, updatedAt: now }).where(eq(webhooks.id, id)).returning()
        out.push(webhookView(row))
        continue
      }
      const secret = newSecret()
      const [row] = await tx.orm
        .insert(webhooks)
        .values({ ...(present as { url: string; events: string[] }), id: Bun.randomUUIDv7(), workspaceId, secret, createdAt: now, updatedAt: now })
        .returning()
      out.push({ ...webhookView(row), secret })
    }
    return out
  })
}

/** DELETE: the webhooks, their deliveries and attempts, for good. */
export function deleteWebhooks(d: Data, workspaceId: string, ids: string[]) {
  return deleteByIds(d, 'webhooks', workspaceId, ids, WEBHOOK_NOUN, async (tx, list) => {
    const { webhookAttempts, webhookDeliveries } = tx.t
    const deliveries = tx.orm.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(inArray(webhookDeliveries.webhookId, list))
    await tx.orm.delete(webhookAttempts).where(inArray(webhookAttempts.deliveryId, deliveries))
    await tx.orm.delete(webhookDeliveries).where(inArray(webhookDeliveries.webhookId, list))
  })
}

/** A new secret for each webhook; the one it replaces keeps signing (as a second signature) for 24 hours. */
export function rotateSecrets(d: Data, workspaceId: string, ids: string[]): Promise<(WebhookView & { secret: string })[]> {
  return d.tx(async (tx) => {
    const { webhooks } = tx.t
    await requireLiveIds(tx, 'webhooks', workspaceId, ids, WEBHOOK_NOUN)
    const now = new Date()
    const out: (WebhookView & { secret: string })[] = []
    for (const id of ids) {
      const secret = newSecret()
      // The old secret moves over in the same statement: a rotation racing this one cannot lose it.
      const [row] = await tx.orm
        .update(webhooks)
        .set({ secret, previousSecret: sql`${webhooks.secret}`, previousSecretExpiresAt: new Date(now.getTime() + ROTATION_OVERLAP_MS), updatedAt: now })
        .where(eq(webhooks.id, id))
        .returning()
      out.push({ ...webhookView(row), secret })
    }
    return out
  })
}
