import { and, asc, count, desc, eq, or, type SQL } from 'drizzle-orm'
import type { Data } from '../db/data'
import type { customers } from '../db/schema'
import { iso, likeAsciiSql, likeContains } from '../http/resource'
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
      : or(likeAsciiSql(d, customers.name, pattern), likeAsciiSql(d, customers.email, pattern), likeAsciiSql(d, customers.externalId, pattern)),
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
