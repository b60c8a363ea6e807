import type { Data } from '../db/data'
import { requireLiveIds } from '../http/resource'
import type * as v from 'valibot'
import { sameShape } from '../http/same-shape'
import { DELIVERY_NOUN, type DeliveryQuery, type DeliveryViewSchema, WEBHOOK_NOUN } from './model'
import { DELIVERY, type DeliveryRow, type Outbox } from './outbox'

type AttemptRow = { deliveryId: string; createdAt: number; status: number | null; durationMs: number; response: string | null; error: string | null }

/** A delivery and its attempts, oldest first; `payload` is the body sent. */
function deliveryView(d: DeliveryRow, attempts: AttemptRow[]) {
  return {
    id: d.id,
    webhookId: d.webhookId,
    type: d.type,
    status: d.status,
    attempts: attempts.map((a) => ({
      timestamp: new Date(a.createdAt).toISOString(),
      status: a.status,
      durationMs: a.durationMs,
      response: a.response,
      error: a.error,
    })),
    nextAttemptAt: d.status === 'pending' ? new Date(d.nextAttemptAt).toISOString() : null,
    payload: JSON.parse(d.body) as unknown,
    createdAt: new Date(d.createdAt).toISOString(),
  }
}

async function withAttempts(d: Data, rows: DeliveryRow[]) {
  const attempts = new Map<string, AttemptRow[]>(rows.map((r) => [r.id, []]))
  if (rows.length > 0)
    for (const a of await d.all<AttemptRow>(
      `SELECT delivery_id AS "deliveryId", created_at AS "createdAt", status, duration_ms AS "durationMs", response, error
         FROM webhook_attempts WHERE delivery_id IN (SELECT value FROM ${d.list}) ORDER BY created_at, id`,
      [JSON.stringify(rows.map((r) => r.id))],
    ))
      attempts.get(a.deliveryId)!.push(a)
  return rows.map((r) => deliveryView(r, attempts.get(r.id)!))
}

/** GET /api/webhooks/deliveries: newest first unless asked; id and webhookId or-ed, status and-ed. */
export async function listDeliveries(d: Data, workspaceId: string, q: DeliveryQuery) {
  const ids: string[] = []
  const params: (string | number)[] = [workspaceId]
  if (q.id) ids.push('id = ?'), params.push(q.id)
  if (q.webhookId) ids.push('webhook_id = ?'), params.push(q.webhookId)
  if (q.status) params.push(q.status)
  const dir = q.sort === 'asc' ? 'ASC' : 'DESC'
  const rows = await d.all<DeliveryRow>(
    `SELECT ${DELIVERY.select()} FROM webhook_deliveries WHERE workspace_id = ?
       ${ids.length ? `AND (${ids.join(' OR ')})` : ''} ${q.status ? 'AND status = ?' : ''}
       ORDER BY created_at ${dir}, id ${dir} LIMIT ? OFFSET ?`,
    [...params, q.take, q.skip],
  )
  return withAttempts(d, rows)
}

/** POST /api/webhooks/deliveries/retry: each delivery is due again now, whatever its status, as the same message. */
export async function retryDeliveries(d: Data, workspaceId: string, ids: string[], outbox: Outbox) {
  const rows = await d.tx(async (tx) => {
    await requireLiveIds(tx, 'webhook_deliveries', workspaceId, ids, DELIVERY_NOUN)
    return tx.all<DeliveryRow>(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ? WHERE id IN (SELECT value FROM ${tx.list}) RETURNING ${DELIVERY.select()}`,
      [Date.now(), JSON.stringify(ids)],
    )
  })
  outbox.onEmit()
  const order = new Map(ids.map((id, i) => [id, i]))
  return (await withAttempts(d, rows)).sort((a, b) => order.get(a.id)! - order.get(b.id)!)
}

/** POST /api/webhooks/test: a webhook.test message for each webhook, subscribed or not. */
export function sendTests(d: Data, workspaceId: string, ids: string[], outbox: Outbox) {
  return d.tx(async (tx) => {
    await requireLiveIds(tx, 'webhooks', workspaceId, ids, WEBHOOK_NOUN)
    const rows: DeliveryRow[] = []
    for (const id of ids) rows.push(...(await outbox.emit(tx, workspaceId, 'webhook.test', () => [{ webhookId: id, message: 'A test event sent from Hoko.' }], [id])))
    return withAttempts(tx, rows)
  })
}

// The view and its documented schema (./model) cannot drift apart.
sameShape<ReturnType<typeof deliveryView>, v.InferOutput<typeof DeliveryViewSchema>>()
