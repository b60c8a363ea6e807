import { and, asc, count, desc, eq, isNull, or, type SQL } from 'drizzle-orm'
import { type AnyElysia, Elysia } from 'elysia'
import type * as v from 'valibot'
import type { AppContext } from '../context'
import type { Db } from '../db'
import { collections, partners, tags } from '../db/schema'
import type { Scope } from '../keys/scopes'
import { scoped } from './api-guard'
import { HokoError } from './errors'
import { checkBatchSize, deleteByIds, IdList, jsonBody, liveIds, notFound, type Noun, paged } from './resource'

/**
 * The management API's plain resources — collections, tags, partners — share every rule: GET with
 * take/skip/sort and an id filter, POST to create, PUT to upsert, DELETE by ids. One definition
 * per resource says what differs; this module does the rest.
 */
type Table = typeof collections | typeof tags | typeof partners
type Row<T extends Table> = T['$inferSelect']
type ListQuery = { id?: string; take: number; skip: number; sort: 'asc' | 'desc' }
type Item = { id?: string; name?: string } & Record<string, unknown>

export type CrudResource<T extends Table, View> = {
  /** URL segment and the name batch errors are reported under: `tags[2].color`. */
  name: 'collections' | 'tags' | 'partners'
  table: T
  noun: Noun
  scopes: { read: Scope; write: Scope }
  /** tags sort by their time-ordered id, the others by creation time. */
  sortBy: 'createdAt' | 'id'
  /** Column values a new row takes when the item leaves them out. */
  defaults?: Partial<Row<T>>
  view: (row: Row<T>) => View
  schemas: { query: v.GenericSchema<any, ListQuery>; create: v.GenericSchema<any, Item[]>; upsert: v.GenericSchema<any, Item[]> }
  /** OpenAPI summaries: "Get collections", … */
  title: string
}

export function crudService<T extends Table, View>(r: CrudResource<T, View>) {
  const t = r.table as typeof collections // the columns every one of these tables has
  const soft = 'deletedAt' in r.table

  /** A page and how many rows the filters select in all. */
  function list(db: Db, workspaceId: string, q: ListQuery): { items: View[]; total: number } {
    const filters: SQL[] = []
    if (q.id) filters.push(eq(t.id, q.id))
    const where = and(eq(t.workspaceId, workspaceId), soft ? isNull(t.deletedAt) : undefined, or(...filters))
    const order = q.sort === 'asc' ? asc : desc
    const sort = r.sortBy === 'id' ? [order(t.id)] : [order(t.createdAt), order(t.id)]
    const items = db
      .select()
      .from(t)
      .where(where)
      .orderBy(...sort)
      .limit(q.take)
      .offset(q.skip)
      .all()
      .map((row) => r.view(row as Row<T>))
    const [{ total }] = db.select({ total: count() }).from(t).where(where).all()
    return { items, total }
  }

  /** Items with an id update that row (only the fields present; null clears); items without one create. */
  function upsert(db: Db, workspaceId: string, items: Item[]): View[] {
    return db.transaction(
      () => {
        const live = liveIds(db, r.name, workspaceId, items.flatMap((i) => (i.id ? [i.id] : [])))
        items.forEach((item, i) => {
          if (item.id && !live.has(item.id)) throw notFound(`${r.name}[${i}].id`, r.noun, item.id)
          if (!item.id && item.name === undefined)
            throw new HokoError('name_required', { resource: r.name, index: i })
        })
        const now = new Date()
        return items.map(({ id, ...fields }) => {
          const present = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
          const row = id
            ? db.update(t).set({ ...present, updatedAt: now }).where(eq(t.id, id)).returning().get()
            : db
                .insert(t)
                .values({ ...r.defaults, ...present, id: Bun.randomUUIDv7(), workspaceId, createdAt: now, updatedAt: now } as never)
                .returning()
                .get()
          return r.view(row as Row<T>)
        })
      },
      { behavior: 'immediate' },
    )
  }

  const remove = (db: Db, workspaceId: string, ids: string[]) => deleteByIds(db, r.name, workspaceId, ids, r.noun)

  return { list, upsert, remove }
}

/** GET, POST, PUT and DELETE /api/<name>. */
/** Typed as AnyElysia: the routes' inferred types add nothing to app.ts and make the app's type too deep. */
export function crudRoutes<T extends Table, View>(r: CrudResource<T, View>, ctx: AppContext): AnyElysia {
  const { db } = ctx
  const service = crudService(r)
  const tags = [r.title]
  const lower = r.title.toLowerCase()
  return new Elysia({ prefix: `/api/${r.name}` })
    .use(scoped(ctx))
    .get('', ({ auth, query, set }) => {
      const page = service.list(db, auth.workspaceId, query)
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
        return service.upsert(db, auth.workspaceId, body)
      },
      { scope: r.scopes.write, ...jsonBody(r.schemas.create), detail: { summary: `Create ${lower}`, tags } },
    )
    .put(
      '',
      ({ auth, body }) => {
        checkBatchSize(auth, r.name, body.length)
        return service.upsert(db, auth.workspaceId, body)
      },
      { scope: r.scopes.write, ...jsonBody(r.schemas.upsert), detail: { summary: `Update or create ${lower}`, tags } },
    )
    .delete(
      '',
      ({ auth, body }) => {
        checkBatchSize(auth, r.name, body.length)
        return service.remove(db, auth.workspaceId, body)
      },
      { scope: r.scopes.write, ...jsonBody(IdList), detail: { summary: `Delete ${lower}`, tags } },
    )
}
