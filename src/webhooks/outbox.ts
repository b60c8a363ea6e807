import { CLICK_VIEW, clickView } from '../analytics/service'
import { baseHostOf } from '../domains/hosts'
import type { ClickRow } from '../clicks/row'
import type { Db } from '../db'
import type { Data } from '../db/data'
import { TableColumns } from '../db/columns'
import { webhookDeliveries } from '../db/schema'
import { fromRow, LINK, type LinkRow } from '../links/row'
import { linkView, type LinkView } from '../links/view'
import type { EventType } from './model'

export type DeliveryRow = typeof webhookDeliveries.$inferSelect
export const DELIVERY = new TableColumns<keyof DeliveryRow>(webhookDeliveries)

/** What a link.clicked event says of the click: the analytics click object and the truncated address. */
const clickPayload = (row: ClickRow, baseHost: string) => ({
  ...clickView(Object.fromEntries(CLICK_VIEW.map((f) => [f, row[f]])) as Pick<ClickRow, (typeof CLICK_VIEW)[number]>, baseHost),
  ip: row.ip,
})

/** Enabled and subscribed to the event type `?`: `events` is a JSON array of type names. */
const subscribedTo = (d: Data) =>
  d.engine === 'pg' ? 'disabled = 0 AND jsonb_exists(events::jsonb, ?)' : 'disabled = 0 AND EXISTS (SELECT 1 FROM json_each(events) WHERE value = ?)'

/**
 * The durable outbox of webhook events. `emit` runs inside the transaction of the change it tells
 * of, so the message is committed with the change or not at all; the delivery worker sends it later.
 */
export class Outbox {
  /** Workspaces with an enabled webhook subscribed to link.clicked: the one question the click writer asks. */
  private clickWorkspaces = new Set<string>()
  private readonly subscribed
  private readonly insert
  private readonly clickSubscribers
  private readonly link
  private readonly tags
  /** Told when messages were added, so that the worker sends them before its next poll. */
  onEmit: () => void = () => {}

  constructor(
    db: Db,
    private readonly baseUrl: () => string,
  ) {
    const c = db.$client
    const subscribedTo = 'disabled = 0 AND EXISTS (SELECT 1 FROM json_each(events) WHERE value = ?)'
    this.subscribed = c.prepare<{ id: string }, [string, string]>(`SELECT id FROM webhooks WHERE workspace_id = ? AND ${subscribedTo}`)
    this.insert = c.prepare<unknown, [DeliveryRow]>(DELIVERY.insert())
    this.clickSubscribers = c.prepare<{ workspace_id: string }, [string]>(`SELECT DISTINCT workspace_id FROM webhooks WHERE ${subscribedTo}`)
    // Any link, deleted or not: a click may be committed just after its link was deleted.
    this.link = c.prepare<LinkRow, [string]>(`SELECT ${LINK.select()} FROM links WHERE id = ?`)
    this.tags = c.prepare<{ tag_id: string }, [string]>('SELECT tag_id FROM link_tags WHERE link_id = ? ORDER BY tag_id')
  }

  /**
   * In the caller's transaction: one message per item of `data` for each enabled webhook of the
   * workspace subscribed to `type`. `data` is built only when some webhook subscribes.
   */
  emit(workspaceId: string, type: EventType, data: () => unknown[], webhookIds?: string[]): DeliveryRow[] {
    const hooks = webhookIds ?? this.subscribed.all(workspaceId, type).map((h) => h.id)
    if (hooks.length === 0) return []
    const now = Date.now()
    const timestamp = new Date(now).toISOString()
    const out: DeliveryRow[] = []
    for (const item of data()) {
      const body = JSON.stringify({ type, timestamp, data: item })
      for (const webhookId of hooks) {
        const row: DeliveryRow = { id: Bun.randomUUIDv7(), workspaceId, webhookId, type, body, status: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now }
        this.insert.run(row)
        out.push(row)
      }
    }
    if (out.length > 0) this.onEmit()
    return out
  }

  /**
   * `emit` on either engine, in the caller's transaction `tx` (src/db/data.ts): the features moved
   * to the engine-neutral data layer call this one.
   */
  async emitIn(tx: Data, workspaceId: string, type: EventType, data: () => unknown[], webhookIds?: string[]): Promise<DeliveryRow[]> {
    const hooks =
      webhookIds ??
      (await tx.all<{ id: string }>(`SELECT id FROM webhooks WHERE workspace_id = ? AND ${subscribedTo(tx)}`, [workspaceId, type])).map((h) => h.id)
    if (hooks.length === 0) return []
    const now = Date.now()
    const timestamp = new Date(now).toISOString()
    const out: DeliveryRow[] = []
    for (const item of data()) {
      const body = JSON.stringify({ type, timestamp, data: item })
      for (const webhookId of hooks)
        out.push({ id: Bun.randomUUIDv7(), workspaceId, webhookId, type, body, status: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now })
    }
    // One statement per 500 messages: a batch of 10,000 links is not 10,000 round trips on PostgreSQL.
    for (let i = 0; i < out.length; i += 500) await tx.orm.insert(tx.t.webhookDeliveries).values(out.slice(i, i + 500))
    if (out.length > 0) this.onEmit()
    return out
  }

  /** `linkView` on either engine. */
  async linkViewIn(d: Data, id: string, seen?: Map<string, LinkView>): Promise<LinkView> {
    let view = seen?.get(id)
    if (!view) {
      const row = await d.get<LinkRow>(`SELECT ${LINK.select()} FROM links WHERE id = ?`, [id])
      const tags = await d.all<{ tag_id: string }>('SELECT tag_id FROM link_tags WHERE link_id = ? ORDER BY tag_id', [id])
      view = linkView(fromRow(row!), tags.map((t) => t.tag_id), this.baseUrl())
      seen?.set(id, view)
    }
    return view
  }

  /** After webhook writes here, and every second for those of other processes (the CLI, a second server). */
  refreshClickSubscribers(): void {
    this.clickWorkspaces = new Set(this.clickSubscribers.all('link.clicked').map((r) => r.workspace_id))
  }

  /**
   * The click writer's hook, in its group commit: link.clicked for the human clicks of subscribed
   * workspaces. With no subscriber at all it costs one comparison per commit.
   */
  clicked(rows: ClickRow[]): void {
    if (this.clickWorkspaces.size === 0) return
    const hooks = new Map<string, string[]>()
    const links = new Map<string, LinkView>()
    for (const row of rows) {
      if (row.bot === 1 || !this.clickWorkspaces.has(row.workspaceId)) continue
      let ids = hooks.get(row.workspaceId)
      if (!ids) hooks.set(row.workspaceId, (ids = this.subscribed.all(row.workspaceId, 'link.clicked').map((h) => h.id)))
      this.emit(row.workspaceId, 'link.clicked', () => [{ click: clickPayload(row, baseHostOf(this.baseUrl())), link: this.linkView(row.linkId, links) }], ids)
    }
  }

  /** `clicked` on either engine, in the click writer's transaction `tx`. */
  async clickedIn(tx: Data, rows: ClickRow[]): Promise<void> {
    if (this.clickWorkspaces.size === 0) return
    const hooks = new Map<string, string[]>()
    const links = new Map<string, LinkView>()
    for (const row of rows) {
      if (row.bot === 1 || !this.clickWorkspaces.has(row.workspaceId)) continue
      let ids = hooks.get(row.workspaceId)
      if (!ids)
        hooks.set(
          row.workspaceId,
          (ids = (await tx.all<{ id: string }>(`SELECT id FROM webhooks WHERE workspace_id = ? AND ${subscribedTo(tx)}`, [row.workspaceId, 'link.clicked'])).map((h) => h.id)),
        )
      const link = await this.linkViewIn(tx, row.linkId, links)
      await this.emitIn(tx, row.workspaceId, 'link.clicked', () => [{ click: clickPayload(row, baseHostOf(this.baseUrl())), link }], ids)
    }
  }

  /** The API view of a link, whatever its state (a conversion or click may outlive it). */
  linkView(id: string, seen?: Map<string, LinkView>): LinkView {
    let view = seen?.get(id)
    if (!view) {
      view = linkView(fromRow(this.link.get(id)!), this.tags.all(id).map((t) => t.tag_id), this.baseUrl())
      seen?.set(id, view)
    }
    return view
  }
}
