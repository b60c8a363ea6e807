import type { Database } from 'bun:sqlite'
import { CLICK_VIEW, clickView } from '../analytics/service'
import { baseHostOf } from '../domains/hosts'
import type { ClickRow } from '../clicks/row'
import type { Data } from '../db/data'
import { TableColumns } from '../db/columns'
import { webhookDeliveries } from '../db/schema'
import { fromRow, LINK, type LinkRow } from '../links/row'
import { linkView, type LinkView } from '../links/view'
import { log } from '../log'
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

const subscribers = async (d: Data, workspaceId: string, type: EventType) =>
  (await d.all<{ id: string }>(`SELECT id FROM webhooks WHERE workspace_id = ? AND ${subscribedTo(d)}`, [workspaceId, type])).map((h) => h.id)

/** The messages telling `item` to each of `hooks`. */
function messages(workspaceId: string, type: EventType, item: unknown, hooks: string[], now: number): DeliveryRow[] {
  const body = JSON.stringify({ type, timestamp: new Date(now).toISOString(), data: item })
  return hooks.map((webhookId) => ({ id: Bun.randomUUIDv7(), workspaceId, webhookId, type, body, status: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now }))
}

/**
 * The durable outbox of webhook events. `emit` runs inside the transaction of the change it tells
 * of, so the message is committed with the change or not at all; the delivery worker sends it later.
 */
export class Outbox {
  /** Workspaces with an enabled webhook subscribed to link.clicked: the one question the click writer asks. */
  private clickWorkspaces = new Set<string>()
  private reading: Promise<void> | null = null
  private nextReading: Promise<void> | null = null
  private sqliteStatements: ReturnType<typeof sqliteStatements> | null = null
  /** Told when messages were added, so that the worker sends them before its next poll. */
  onEmit: () => void = () => {}

  constructor(
    private readonly data: Data,
    private readonly baseUrl: () => string,
  ) {}

  /**
   * In the caller's transaction `tx` (src/db/data.ts), on either engine: one message per item of
   * `data` for each enabled webhook of the workspace subscribed to `type` (or for `webhookIds`).
   * `data` is built only when some webhook subscribes.
   */
  async emit(tx: Data, workspaceId: string, type: EventType, data: () => unknown[], webhookIds?: string[]): Promise<DeliveryRow[]> {
    const hooks = webhookIds ?? (await subscribers(tx, workspaceId, type))
    if (hooks.length === 0) return []
    const now = Date.now()
    const out = data().flatMap((item) => messages(workspaceId, type, item, hooks, now))
    await this.store(tx, out)
    return out
  }

  /** One statement per 500 messages: a batch of 10,000 links is not 10,000 round trips on PostgreSQL. */
  private async store(tx: Data, out: DeliveryRow[]): Promise<void> {
    for (let i = 0; i < out.length; i += 500) await tx.orm.insert(tx.t.webhookDeliveries).values(out.slice(i, i + 500))
    if (out.length > 0) this.onEmit()
  }

  /** The API view of a link, whatever its state (a conversion or click may outlive it). */
  async linkView(d: Data, id: string, seen?: Map<string, LinkView>): Promise<LinkView> {
    let view = seen?.get(id)
    if (!view) {
      const row = await d.get<LinkRow>(`SELECT ${LINK.select()} FROM links WHERE id = ?`, [id])
      const tags = await d.all<{ tag_id: string }>('SELECT tag_id FROM link_tags WHERE link_id = ? ORDER BY tag_id', [id])
      view = linkView(fromRow(row!), tags.map((t) => t.tag_id), this.baseUrl())
      seen?.set(id, view)
    }
    return view
  }

  /**
   * After webhook writes here, and every second for those of other processes (the CLI, a second
   * server). Never rejects: a failed read is logged, and the previous set holds until the next one.
   * One read at a time; callers meanwhile share one more read after it (it sees their writes), so a
   * slow database does not pile reads up.
   */
  refreshClickSubscribers(): Promise<void> {
    if (!this.reading) return (this.reading = this.readClickSubscribers().finally(() => (this.reading = null)))
    return (this.nextReading ??= this.reading.then(() => {
      this.nextReading = null
      return this.refreshClickSubscribers()
    }))
  }
  private async readClickSubscribers(): Promise<void> {
    try {
      const rows = await this.data.all<{ workspaceId: string }>(`SELECT DISTINCT workspace_id AS "workspaceId" FROM webhooks WHERE ${subscribedTo(this.data)}`, [
        'link.clicked',
      ])
      this.clickWorkspaces = new Set(rows.map((r) => r.workspaceId))
    } catch (e) {
      log('warn', 'webhook subscriptions to link.clicked not read; will retry', { error: String(e) })
    }
  }

  /**
   * `clicked` for SQLite's click writer, whose group commit is synchronous on the one connection (the
   * redirect's hot path, src/clicks/writer.ts): the same messages, through prepared statements.
   */
  clickedOnSqlite(rows: ClickRow[]): void {
    if (this.clickWorkspaces.size === 0) return
    const st = (this.sqliteStatements ??= sqliteStatements(this.data.sqlite!))
    const hooks = new Map<string, string[]>()
    const links = new Map<string, LinkView>()
    const now = Date.now()
    let added = 0
    for (const row of rows) {
      if (row.bot === 1 || !this.clickWorkspaces.has(row.workspaceId)) continue
      let ids = hooks.get(row.workspaceId)
      if (!ids) hooks.set(row.workspaceId, (ids = st.subscribed.all(row.workspaceId, 'link.clicked').map((h) => h.id)))
      if (ids.length === 0) continue
      let link = links.get(row.linkId)
      if (!link) {
        // Any link, deleted or not: a click may be committed just after its link was deleted.
        link = linkView(fromRow(st.link.get(row.linkId)!), st.tags.all(row.linkId).map((t) => t.tag_id), this.baseUrl())
        links.set(row.linkId, link)
      }
      for (const message of messages(row.workspaceId, 'link.clicked', { click: clickPayload(row, baseHostOf(this.baseUrl())), link }, ids, now)) {
        st.insert.run(message)
        added++
      }
    }
    if (added > 0) this.onEmit()
  }

  /**
   * The click writer's hook, in its group commit `tx`: link.clicked for the human clicks of
   * subscribed workspaces, stored in one statement. With no subscriber at all it costs one
   * comparison per commit.
   */
  async clicked(tx: Data, rows: ClickRow[]): Promise<void> {
    if (this.clickWorkspaces.size === 0) return
    const hooks = new Map<string, string[]>()
    const links = new Map<string, LinkView>()
    const now = Date.now()
    const out: DeliveryRow[] = []
    for (const row of rows) {
      if (row.bot === 1 || !this.clickWorkspaces.has(row.workspaceId)) continue
      let ids = hooks.get(row.workspaceId)
      if (!ids) hooks.set(row.workspaceId, (ids = await subscribers(tx, row.workspaceId, 'link.clicked')))
      if (ids.length === 0) continue
      const link = await this.linkView(tx, row.linkId, links)
      out.push(...messages(row.workspaceId, 'link.clicked', { click: clickPayload(row, baseHostOf(this.baseUrl())), link }, ids, now))
    }
    await this.store(tx, out)
  }

}

/** The prepared statements of clickedOnSqlite. */
function sqliteStatements(c: Database) {
  const subscribed = 'disabled = 0 AND EXISTS (SELECT 1 FROM json_each(events) WHERE value = ?)'
  return {
    subscribed: c.prepare<{ id: string }, [string, string]>(`SELECT id FROM webhooks WHERE workspace_id = ? AND ${subscribed}`),
    insert: c.prepare<unknown, [DeliveryRow]>(DELIVERY.insert()),
    link: c.prepare<LinkRow, [string]>(`SELECT ${LINK.select()} FROM links WHERE id = ?`),
    tags: c.prepare<{ tag_id: string }, [string]>('SELECT tag_id FROM link_tags WHERE link_id = ? ORDER BY tag_id'),
  }
}
