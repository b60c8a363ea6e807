import { CLICK_VIEW, clickView } from '../analytics/service'
import { baseHostOf } from '../domains/hosts'
import type { ClickRow } from '../clicks/row'
import type { Db } from '../db'
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
    this.refreshClickSubscribers()
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
