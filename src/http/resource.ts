import * as v from 'valibot'
import type { Db } from '../db'
import type { AuthContext } from '../keys/service'
import { HokoError } from './errors'
import { msg } from './validation'

/** Shared rules of the management API: list queries, batch bodies, ids, existence checks. */

export const MAX_BATCH = 10_000

export const Uuid = v.pipe(v.string(), v.uuid())

/** A whole-number query parameter (query values are strings) with its range and default. */
export const wholeNumber = (min: number, max: number, fallback: number) =>
  v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,9}$/, msg('must be a whole number', 'يجب أن يكون عددًا صحيحًا')),
      v.transform(Number),
      v.minValue(min),
      v.maxValue(max),
    ),
    String(fallback),
  )

/** take, skip and sort of every GET list; `extra` adds the resource's filters. */
export const listQuery = <E extends v.ObjectEntries>(extra: E) =>
  v.strictObject({
    ...extra,
    take: wholeNumber(1, MAX_BATCH, 50),
    skip: wholeNumber(0, 1_000_000_000, 0),
    sort: v.optional(v.picklist(['asc', 'desc']), 'desc'),
  })

/** A POST/PUT body: an array of 1 to 10,000 items. */
export const batchOf = <T extends v.GenericSchema>(item: T) =>
  v.pipe(v.array(item), v.minLength(1), v.maxLength(MAX_BATCH))

/**
 * Route options for a JSON body. `parse: 'json'` never runs (the API guard's parser answers first);
 * it tells the OpenAPI generator the body's content type.
 */
export const jsonBody = <T extends v.GenericSchema>(body: T) => ({ body, parse: 'json' as const })

/** A DELETE body: an array of 1 to 10,000 UUIDs. */
export const IdList = batchOf(Uuid)

/** The plan may allow fewer items per request than the hard limit of 10,000. */
export function checkBatchSize(auth: AuthContext, resource: string, count: number) {
  const max = auth.plan.maxBatch
  if (count > max)
    throw new HokoError('batch_too_large', { resource, max, count })
}

export type Noun = { en: string; ar: string }

export function notFound(path: string, noun: Noun, id: string): HokoError {
  return new HokoError('unknown_reference', { path, noun, id })
}

export function duplicate(path: string, value: string, firstPath: string): HokoError {
  return new HokoError('duplicate_value', { path, value, firstPath })
}

/** Tables whose rows belong to a workspace; `soft` ones have deleted_at. */
export type TableName = 'collections' | 'tags' | 'partners' | 'links' | 'customers' | 'domains'
const SOFT: Record<TableName, boolean> = { collections: true, tags: false, partners: true, links: true, customers: false, domains: false }

/** Which of `ids` are live rows of this workspace (one query, however many ids). */
export function liveIds(db: Db, table: TableName, workspaceId: string, ids: Iterable<string>): Set<string> {
  const list = [...new Set(ids)]
  if (list.length === 0) return new Set()
  const rows = db.$client
    .query<{ id: string }, [string, string]>(
      `SELECT id FROM ${table} WHERE workspace_id = ? ${SOFT[table] ? 'AND deleted_at IS NULL' : ''}
         AND id IN (SELECT value FROM json_each(?))`,
    )
    .all(workspaceId, JSON.stringify(list))
  return new Set(rows.map((r) => r.id))
}

/** Every id must be a live row of this workspace, each once; otherwise 400 naming the first bad one. */
export function requireLiveIds(db: Db, table: TableName, workspaceId: string, ids: string[], noun: Noun) {
  const live = liveIds(db, table, workspaceId, ids)
  const seen = new Map<string, number>()
  ids.forEach((id, i) => {
    if (seen.has(id)) throw duplicate(`${table}[${i}]`, id, `${table}[${seen.get(id)}]`)
    seen.set(id, i)
    if (!live.has(id)) throw notFound(`${table}[${i}]`, noun, id)
  })
}

/** DELETE for every resource: all or nothing, soft where the table keeps history. */
export function deleteByIds(db: Db, table: TableName, workspaceId: string, ids: string[], noun: Noun) {
  return db.transaction(
    () => {
      requireLiveIds(db, table, workspaceId, ids, noun)
      const list = JSON.stringify(ids)
      if (SOFT[table])
        db.$client
          .query(`UPDATE ${table} SET deleted_at = ?, updated_at = ? WHERE workspace_id = ? AND id IN (SELECT value FROM json_each(?))`)
          .run(Date.now(), Date.now(), workspaceId, list)
      else db.$client.query(`DELETE FROM ${table} WHERE workspace_id = ? AND id IN (SELECT value FROM json_each(?))`).run(workspaceId, list)
      return { deletedIds: ids }
    },
    { behavior: 'immediate' },
  )
}

export const iso = (d: Date | null) => (d === null ? null : d.toISOString())
