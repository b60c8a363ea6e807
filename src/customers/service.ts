import { and, asc, count, desc, eq, or, type SQL, sql } from 'drizzle-orm'
import type { Db } from '../db'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import { customers } from '../db/schema'
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

const contains = (column: SQLiteColumn, pattern: string) => sql`${column} LIKE ${pattern} ESCAPE '\\'`

/** Several id filters widen the answer (OR), as on GET /api/links; `search` narrows it (AND). */
export function listCustomers(db: Db, workspaceId: string, q: CustomerQuery) {
  const filters: SQL[] = []
  if (q.id) filters.push(eq(customers.id, q.id))
  if (q.externalId !== undefined) filters.push(eq(customers.externalId, q.externalId))
  const pattern = q.search ? likeContains(q.search) : undefined
  const where = and(
    eq(customers.workspaceId, workspaceId),
    or(...filters),
    pattern === undefined
      ? undefined
      : or(contains(customers.name, pattern), contains(customers.email, pattern), contains(customers.externalId, pattern)),
  )
  const order = q.sort === 'asc' ? asc : desc
  const items = db
    .select()
    .from(customers)
    .where(where)
    .orderBy(order(customers.createdAt), order(customers.id))
    .limit(q.take)
    .offset(q.skip)
    .all()
    .map(view)
  const [{ total }] = db.select({ total: count() }).from(customers).where(where).all()
  return { items, total }
}

// The view and its documented schema (./model) cannot drift apart.
sameShape<ReturnType<typeof view>, v.InferOutput<typeof CustomerViewSchema>>()
