import { asc, count, eq, or } from 'drizzle-orm'
import * as v from 'valibot'
import type { Queryable } from '../db'
import type { Data } from '../db/data'
import { workspaces } from '../db/schema'
import { NewWorkspaceSchema, type NewWorkspace, type WorkspaceViewSchema } from './model'
import { effectiveRateLimit } from './plans'

export class WorkspaceError extends Error {}

export type WorkspaceView = v.InferOutput<typeof WorkspaceViewSchema>

type Row = typeof workspaces.$inferSelect

export const toView = (w: Row, defaultRateLimit: number): WorkspaceView => ({
  id: w.id,
  slug: w.slug,
  name: w.name,
  rateLimit: effectiveRateLimit(w.plan, w.rateLimit, defaultRateLimit),
  plan: w.plan,
  defaultDomainId: w.defaultDomainId,
  createdAt: w.createdAt.toISOString(),
})

export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '')
  return s || 'workspace'
}

export function createWorkspace(db: Queryable, input: NewWorkspace): Row {
  const parsed = v.safeParse(NewWorkspaceSchema, input)
  if (!parsed.success) throw new WorkspaceError(parsed.issues[0].message)
  const { name, plan, rateLimit } = parsed.output
  const slug = parsed.output.slug ?? slugify(name)
  if (findWorkspace(db, slug)) throw new WorkspaceError(`a workspace with slug "${slug}" already exists`)
  const row: Row = { id: Bun.randomUUIDv7(), slug, name, plan, rateLimit: rateLimit ?? null, createdAt: new Date(), defaultDomainId: null }
  db.insert(workspaces).values(row).run()
  return row
}

/** By slug or id. */
export function findWorkspace(db: Queryable, slugOrId: string): Row | undefined {
  return db
    .select()
    .from(workspaces)
    .where(or(eq(workspaces.slug, slugOrId), eq(workspaces.id, slugOrId)))
    .get()
}

export function listWorkspaces(db: Queryable): Row[] {
  return db.select().from(workspaces).orderBy(asc(workspaces.createdAt), asc(workspaces.id)).all()
}

export function countWorkspaces(db: Queryable): number {
  return db.select({ n: count() }).from(workspaces).get()?.n ?? 0
}

// Engine-neutral forms (src/db/data.ts) of the functions above, for the start-up and the code
// already moved; the synchronous ones go when the last caller has moved.
export async function createWorkspaceIn(d: Data, input: NewWorkspace): Promise<Row> {
  const parsed = v.safeParse(NewWorkspaceSchema, input)
  if (!parsed.success) throw new WorkspaceError(parsed.issues[0].message)
  const { name, plan, rateLimit } = parsed.output
  const slug = parsed.output.slug ?? slugify(name)
  if (await findWorkspaceIn(d, slug)) throw new WorkspaceError(`a workspace with slug "${slug}" already exists`)
  const row: Row = { id: Bun.randomUUIDv7(), slug, name, plan, rateLimit: rateLimit ?? null, createdAt: new Date(), defaultDomainId: null }
  await d.orm.insert(d.t.workspaces).values(row)
  return row
}

export async function findWorkspaceIn(d: Data, slugOrId: string): Promise<Row | undefined> {
  const w = d.t.workspaces
  return (await d.orm.select().from(w).where(or(eq(w.slug, slugOrId), eq(w.id, slugOrId))))[0]
}

export async function countWorkspacesIn(d: Data): Promise<number> {
  return (await d.orm.select({ n: count() }).from(d.t.workspaces))[0]?.n ?? 0
}
