import { sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import * as v from 'valibot'
import type { Data } from '../db/data'
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

/**
 * A filter that takes one value or several, as `?country=SA,US` or `?country=SA&country=US` (Elysia
 * already splits both into an array); each value is checked by `item`, and duplicates are dropped.
 */
export const oneOrMany = <T extends v.GenericSchema<string, string>>(item: T, max = 100) =>
  v.pipe(
    v.union([v.string(), v.array(v.string())]),
    v.transform((x) => (Array.isArray(x) ? x : [x])),
    v.maxLength(max),
    v.array(item),
    v.transform((xs) => [...new Set(xs)]),
  )

/**
 * Route option for free-text query parameters: Elysia splits a value at its commas and parses `[…]`
 * and `{…}` as JSON before the schema sees it, so these are read back from the URL as sent.
 */
export const textParams = (...names: string[]) => ({
  transform({ query, request }: { query: Record<string, unknown>; request: Request }) {
    const params = new URL(request.url).searchParams
    for (const name of names) {
      const all = params.getAll(name)
      if (all.length) query[name] = all.length === 1 ? all[0] : all
    }
  },
})

type Headers = { headers: Record<string, string | number> }

/** A page of a list GET, with `X-Total-Count`: how many items the same filters select, ignoring take and skip. */
export function paged<T>(set: Headers, items: T[], total: number): T[] {
  set.headers['x-total-count'] = String(total)
  return items
}

/** The `search` of a list GET: a substring to look for, at most 200 characters. */
export const SearchText = v.pipe(v.string(), v.maxLength(200))

/** `%text%` for LIKE … ESCAPE '\': the text's own % and _ match only themselves. */
export const likeContains = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
/**
 * `column LIKE ? ESCAPE '\'` (a likeContains pattern) ignoring the case of A–Z only, on both engines
 * alike: as SQLite's LIKE does (no Unicode case folding without ICU), where PostgreSQL's LIKE minds
 * case and its lower() would fold other letters too, as the database's locale says.
 */
export const likeAscii = (d: Data, column: string) =>
  d.engine === 'pg' ? `translate(${column}, ${FOLD}) LIKE translate(?, ${FOLD}) ESCAPE '\\'` : `${column} LIKE ? ESCAPE '\\'`
const FOLD = `'${UPPER}', '${UPPER.toLowerCase()}'`

/** likeAscii in drizzle's builder: `column` against the likeContains `pattern`. */
export const likeAsciiSql = (d: Data, column: SQLWrapper, pattern: string): SQL =>
  d.engine === 'pg'
    ? sql`translate(${column}, ${sql.raw(FOLD)}) LIKE translate(${pattern}, ${sql.raw(FOLD)}) ESCAPE '\\'`
    : sql`${column} LIKE ${pattern} ESCAPE '\\'`

/** A POST/PUT body: an array of 1 to 10,000 items. */
export const batchOf = <T extends v.GenericSchema>(item: T) =>
  v.pipe(v.array(item), v.minLength(1), v.maxLength(MAX_BATCH))

/**
 * Route options for a JSON body. `parse: 'json'` never runs (the API guard's parser answers first);
 * it tells the OpenAPI generator the body's content type.
 */
export const jsonBody = <T extends v.GenericSchema>(body: T) => ({ body, parse: 'json' as const })

/** A query without parameters: unknown ones are refused, as everywhere. */
export const NoQuery = v.strictObject({})

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
export type TableName = 'collections' | 'tags' | 'partners' | 'links' | 'customers' | 'webhooks' | 'webhook_deliveries' | 'domains' | 'commissions'
const SOFT: Record<TableName, boolean> = {
  collections: true,
  tags: false,
  partners: true,
  links: true,
  customers: false,
  webhooks: false,
  webhook_deliveries: false,
  domains: false,
  commissions: false,
}

/** Which of `ids` are live rows of this workspace (one query, however many ids). */
export async function liveIds(d: Data, table: TableName, workspaceId: string, ids: Iterable<string>): Promise<Set<string>> {
  const list = [...new Set(ids)]
  if (list.length === 0) return new Set()
  const rows = await d.all<{ id: string }>(
    `SELECT id FROM ${table} WHERE workspace_id = ? ${SOFT[table] ? 'AND deleted_at IS NULL' : ''} AND id IN (SELECT value FROM ${d.list})`,
    [workspaceId, JSON.stringify(list)],
  )
  return new Set(rows.map((r) => r.id))
}

/** Every id must be a live row of this workspace, each once; otherwise 400 naming the first bad one. */
export async function requireLiveIds(d: Data, table: TableName, workspaceId: string, ids: string[], noun: Noun): Promise<void> {
  const live = await liveIds(d, table, workspaceId, ids)
  const seen = new Map<string, number>()
  ids.forEach((id, i) => {
    if (seen.has(id)) throw duplicate(`${table}[${i}]`, id, `${table}[${seen.get(id)}]`)
    seen.set(id, i)
    if (!live.has(id)) throw notFound(`${table}[${i}]`, noun, id)
  })
}

/**
 * DELETE for every resource: all or nothing, soft where the table keeps history. `before` runs in
 * the same transaction once the ids are checked, while the rows are still there (webhook events).
 */
export function deleteByIds(
  d: Data,
  table: TableName,
  workspaceId: string,
  ids: string[],
  noun: Noun,
  before?: (tx: Data, ids: string[]) => Promise<void>,
): Promise<{ deletedIds: string[] }> {
  return d.tx(async (tx) => {
    await requireLiveIds(tx, table, workspaceId, ids, noun)
    await before?.(tx, ids)
    const list = JSON.stringify(ids)
    const now = Date.now()
    if (SOFT[table])
      await tx.run(`UPDATE ${table} SET deleted_at = ?, updated_at = ? WHERE workspace_id = ? AND id IN (SELECT value FROM ${tx.list})`, [now, now, workspaceId, list])
    else await tx.run(`DELETE FROM ${table} WHERE workspace_id = ? AND id IN (SELECT value FROM ${tx.list})`, [workspaceId, list])
    return { deletedIds: ids }
  })
}

export function iso(d: Date): string
export function iso(d: Date | null): string | null
export function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString()
}

/** The answer of every DELETE by ids. */
export const DeletedIds = v.strictObject({ deletedIds: v.array(v.string()) })
