import { asc, count, eq, or } from 'drizzle-orm'
import * as v from 'valibot'
import type { Data } from '../db/data'
import type { workspaces } from '../db/schema'
import { isUniqueViolation } from '../db/unique'
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

export async function createWorkspace(d: Data, input: NewWorkspace): Promise<Row> {
  const parsed = v.safeParse(NewWorkspaceSchema, input)
  if (!parsed.success) throw new WorkspaceError(parsed.issues[0].message)
  const { name, plan, rateLimit } = parsed.output
  const slug = parsed.output.slug ?? slugify(name)
  const taken = () => new WorkspaceError(`a workspace with slug "${slug}" already exists`)
  if (await findWorkspace(d, slug)) throw taken()
  const row: Row = { id: Bun.randomUUIDv7(), slug, name, plan, rateLimit: rateLimit ?? null, createdAt: new Date(), defaultDomainId: null }
  try {
    await d.orm.insert(d.t.workspaces).values(row)
  } catch (e) {
    // Created meanwhile by another process: the unique slug decides.
    if (isUniqueViolation(e)) throw taken()
    throw e
  }
  return row
}

/** By slug or id. */
export async function findWorkspace(d: Data, slugOrId: string): Promise<Row | undefined> {
  const w = d.t.workspaces
  return (await d.orm.select().from(w).where(or(eq(w.slug, slugOrId), eq(w.id, slugOrId))))[0]
}

export async function listWorkspaces(d: Data): Promise<Row[]> {
  const w = d.t.workspaces
  return d.orm.select().from(w).orderBy(asc(w.createdAt), asc(w.id))
}

export async function countWorkspaces(d: Data): Promise<number> {
  return (await d.orm.select({ n: count() }).from(d.t.workspaces))[0]?.n ?? 0
}
