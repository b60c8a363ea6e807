import { and, asc, desc, eq, or, type SQL } from 'drizzle-orm'
import type { Db } from '../db'
import { customers } from '../db/schema'
import { iso } from '../http/resource'
import type { CustomerQuery } from './model'

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

/** Several filters widen the answer (OR), as on GET /api/links. */
export function listCustomers(db: Db, workspaceId: string, q: CustomerQuery) {
  const filters: SQL[] = []
  if (q.id) filters.push(eq(customers.id, q.id))
  if (q.externalId !== undefined) filters.push(eq(customers.externalId, q.externalId))
  const order = q.sort === 'asc' ? asc : desc
  return db
    .select()
    .from(customers)
    .where(and(eq(customers.workspaceId, workspaceId), or(...filters)))
    .orderBy(order(customers.createdAt), order(customers.id))
    .limit(q.take)
    .offset(q.skip)
    .all()
    .map(view)
}
