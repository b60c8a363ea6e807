import { and, asc, count, desc, eq, or, type Column, type SQL, sql } from 'drizzle-orm'
import type { Data } from '../db/data'
import type { customers } from '../db/schema'
import { iso, likeContains } from '../http/resource'
import type * as v from 'valibot'
import { sameShape } from '../http/same-shape'
import type { CustomerQuery, CustomerViewSchema } from './model'

type Row = typeof customers.$inferSelect

const view = (c: Row) => ({
  id: c.id,
  externalId: c.externalId,
  name: c.name,
  email: c.email,
  phone: c.phone,
  avatar: c.avatar,
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
})

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const ASCII_FOLD = sql.raw(`'${UPPER}', '${UPPER.toLowerCase()}'`)
/** LIKE ignoring the case of A–Z only, as SQLite's LIKE does; PostgreSQL's LIKE minds case, and its lower() would fold other letters too. */
const contains = (d: Data, column: Column, pattern: string) =>
  d.engine === 'pg'
    ? sql`translate(${column}, ${ASCII_FOLD}) LIKE translate(${pattern}, ${ASCII_FOLD}) ESCAPE '\\'`
    : sql`${column} LIKE ${pattern} ESCAPE '\\'`

/** Several id filters widen the answer (OR), as on GET /api/links; `search` narrows it (AND). */
export async function listCustomers(d: Data, workspaceId: string, q: CustomerQuery) {
  const customers = d.t.customers
  const filters: SQL[] = []
  if (q.id) filters.push(eq(customers.id, q.id))
  if (q.externalId !== undefined) filters.push(eq(customers.externalId, q.externalId))
  const pattern = q.search ? likeContains(q.search) : undefined
  const where = and(
    eq(customers.workspaceId, workspaceId),
    or(...filters),
    pattern === undefined
      ? undefined
      : or(contains(d, customers.name, pattern), contains(d, customers.email, pattern), contains(d, customers.externalId, pattern)),
  )
  const order = q.sort === 'asc' ? asc : desc
  const rows = await d.orm
    .select()
    .from(customers)
    .where(where)
    .orderBy(order(customers.createdAt), order(customers.id))
    .limit(q.take)
    .offset(q.skip)
  const [{ total }] = await d.orm.select({ total: count() }).from(customers).where(where)
  return { items: rows.map(view), total }
}

// The view and its documented schema (./model) cannot drift apart.
sameShape<ReturnType<typeof view>, v.InferOutput<typeof CustomerViewSchema>>()
