import { and, asc, count, desc, eq, inArray, isNull, or, type SQL } from 'drizzle-orm'
import { type AnyElysia, Elysia } from 'elysia'
import type * as v from 'valibot'
import type { AppContext } from '../context'
import type { Data } from '../db/data'
import type { collections, partners, tags } from '../db/schema'
import type { Scope } from '../keys/scopes'
import type { EventType } from '../webhooks/model'
import type { Outbox } from '../webhooks/outbox'
import { scoped } from './api-guard'
import { HokoError } from './errors'
import { checkBatchSize, deleteByIds, IdList, jsonBody, liveIds, notFound, type Noun, paged } from './resource'

/**
 * The management API's plain resources — collections, tags, partners — share every rule: GET with
 * take/skip/sort and an id filter, POST to create, PUT to upsert, DELETE by ids. One definition
 * per resource says what differs; this module does the rest.
 */
type Tables = { collections: typeof collections; tags: typeof tags; partners: typeof partners }
type Name = keyof Tables
type Row<N extends Name> = Tables[N]['$inferSelect']
type ListQuery = { id?: string; take: number; skip: number; sort: 'asc' | 'desc' }
type Item = { id?: string; name?: string } & Record<string, unknown>

export type CrudResource<N extends Name, View> = {
  /** Table, URL segment and the name batch errors are reported under: `tags[2].color`. */
  name: N
  noun: Noun
  scopes: { read: Scope; write: Scope }
  /** tags sort by their time-ordered id, the others by creation time. */
  sortBy: 'createdAt' | 'id'
  /** Column values a new row takes when the item leaves them out. */
  defaults?: Partial<Row<N>>
  view: (row: Row<N>) => View
  schemas: { query: v.GenericSchema<any, ListQuery>; create: v.GenericSchema<any, Item[]>; upsert: v.GenericSchema<any, Item[]> }
  /** OpenAPI summaries: "Get collections", … */
  title: string
  /** Webhook events of the resource's writes, one per item, written in the write's transaction. */
  events?: { created: EventType; updated: EventType; deleted: EventType }
}

/** Rows inserted per statement: a batch of 10,000 is 20 round trips on PostgreSQL, not 10,000. */
const INSERT_ROWS = 500

export function crudService<N extends Name, View>(r: CrudResource<N, View>, outbox?: Outbox) {
  // The columns every one of these tables has, on the engine of `d`.
  const table = (d: Data) => d.t[r.name] as Data['t']['collections']
  const view = (row: unknown) => r.view(row as Row<N>)

  /** A page and how many rows the filters select in all. */
  async function list(d: Data, workspaceId: string, q: ListQuery): Promise<{ items: View[]; total: number }> {
    const t = table(d)
    const filters: SQL[] = []
    if (q.id) filters.push(eq(t.id, q.id))
    const where = and(eq(t.workspaceId, workspaceId), 'deletedAt' in t ? isNull(t.deletedAt) : undefined, or(...filters))
    const order = q.sort === 'asc' ? asc : desc
    const sort = r.sortBy === 'id' ? [order(t.id)] : [order(t.createdAt), order(t.id)]
    const rows = await d.orm
      .select()
      .from(t)
      .where(where)
      .orderBy(...sort)
      .limit(q.take)
      .offset(q.skip)
    const [{ total }] = await d.orm.select({ total: count() }).from(t).where(where)
    return { items: rows.map(view), total }
  }

  /** Items with an id update that row (only the fields present; null clears); items without one create. */
  function upsert(d: Data, workspaceId: string, items: Item[]): Promise<View[]> {
    return d.tx(async (tx) => {
      const t = table(tx)
      const live = await liveIds(tx, r.name, workspaceId, items.flatMap((i) => (i.id ? [i.id] : [])))
      items.forEach((item, i) => {
        if (item.id && !live.has(item.id)) throw notFound(`${r.name}[${i}].id`, r.noun, item.id)
        if (!item.id && item.name === undefined)
          throw new HokoError('name_required', { resource: r.name, index: i })
      })
      const now = new Date()
      const views: View[] = []
      const created: { at: number; row: Record<string, unknown> }[] = []
      for (const [i, { id, ...fields }] of items.entries()) {
        const present = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
        if (id) views[i] = view((await tx.orm.update(t).set({ ...present, updatedAt: now }).where(eq(t.id, id)).returning())[0])
        else created.push({ at: i, row: { ...r.defaults, ...present, id: Bun.randomUUIDv7(), workspaceId, createdAt: now, updatedAt: now } })
      }
      for (let k = 0; k < created.length; k += INSERT_ROWS) {
        const part = created.slice(k, k + INSERT_ROWS)
        const rows = new Map((await tx.orm.insert(t).values(part.map((c) => c.row) as never).returning()).map((row) => [row.id, row]))
        for (const c of part) views[c.at] = view(rows.get(c.row.id as string))
      }
      if (r.events && outbox) {
        await outbox.emit(tx, workspaceId, r.events.created, () => views.filter((_, i) => !items[i].id))
        await outbox.emit(tx, workspaceId, r.events.updated, () => views.filter((_, i) => items[i].id))
      }
      return views
    })
  }

  const remove = (d: Data, workspaceId: string, ids: string[]) =>
    deleteByIds(d, r.name, workspaceId, ids, r.noun, async (tx, list) => {
      const events = r.events
      if (!events || !outbox) return
      const t = table(tx)
      const rows = await tx.orm.select().from(t).where(inArray(t.id, list))
      await outbox.emit(tx, workspaceId, events.deleted, () => rows.map(view))
    })

  return { list, upsert, remove }
}

/** GET, POST, PUT and DELETE /api/<name>. */
/** Typed as AnyElysia: the routes' inferred types add nothing to app.ts and make the app's type too deep. */
export function crudRoutes<N extends Name, View>(r: CrudResource<N, View>, ctx: AppContext): AnyElysia {
  const { data } = ctx
  const service = crudService(r, ctx.webhooks)
  const tags = [r.title]
  const lower = r.title.toLowerCase()
  return new Elysia({ prefix: `/api/${r.name}` })
    .use(scoped(ctx))
    .get('', async ({ auth, query, set }) => {
      const page = await service.list(data, auth.workspaceId, query)
      return paged(set, page.items, page.total)
    }, {
      scope: r.scopes.read,
      query: r.schemas.query,
      detail: { summary: `Get ${lower}`, tags },
    })
    .post(
      '',
      ({ auth, body, set }) => {
        checkBatchSize(auth, r.name, body.length)
        set.status = 201
        return service.upsert(data, auth.workspaceId, body)
      },
      { scope: r.scopes.write, ...jsonBody(r.schemas.create), detail: { summary: `Create ${lower}`, tags } },
    )
    .put(
      '',
      ({ auth, body }) => {
        checkBatchSize(auth, r.name, body.length)
        return service.upsert(data, auth.workspaceId, body)
      },
      { scope: r.scopes.write, ...jsonBody(r.schemas.upsert), detail: { summary: `Update or create ${lower}`, tags } },
    )
    .delete(
      '',
      ({ auth, body }) => {
        checkBatchSize(auth, r.name, body.length)
        return service.remove(data, auth.workspaceId, body)
      },
      { scope: r.scopes.write, ...jsonBody(IdList), detail: { summary: `Delete ${lower}`, tags } },
    )
}
