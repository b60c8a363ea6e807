import type { Data } from '../db/data'
import { LINK, type Link, type LinkRow } from './row'

/** The queries of the links feature, on either engine (src/db/data.ts). */

/** A table of the elements of one JSON array parameter, as `value`, whose `value ->> 0` both engines read. */
const jsonRows = (d: Data) => (d.engine === 'pg' ? 'json_array_elements(?::text::json)' : 'json_each(?)')

export const linksByIds = (d: Data, workspaceId: string, ids: string[]) =>
  d.all<LinkRow>(`SELECT ${LINK.select()} FROM links WHERE workspace_id = ? AND deleted_at IS NULL AND id IN (SELECT value FROM ${d.list})`, [
    workspaceId,
    JSON.stringify(ids),
  ])

/** Of the given [domain, shortId] pairs, those some link (deleted ones included) already has. */
export const takenShortIds = (d: Data, pairs: [string, string][]) =>
  d.all<{ domain: string; short_id: string }>(
    `SELECT domain, short_id FROM links WHERE (domain, short_id) IN (SELECT value ->> 0, value ->> 1 FROM ${jsonRows(d)})`,
    [JSON.stringify(pairs)],
  )

export const keysOf = (d: Data, ids: string[]) =>
  d.all<{ domain: string; shortId: string }>(`SELECT domain, short_id AS "shortId" FROM links WHERE id IN (SELECT value FROM ${d.list})`, [JSON.stringify(ids)])

/** The workspace's domains among the given names. */
export const ownDomains = (d: Data, workspaceId: string, names: string[]) =>
  d.all<{ name: string }>(`SELECT name FROM domains WHERE workspace_id = ? AND name IN (SELECT value FROM ${d.list})`, [workspaceId, JSON.stringify(names)])

export const defaultDomain = async (d: Data, workspaceId: string) =>
  (
    await d.get<{ name: string }>(
      'SELECT d.name FROM workspaces w JOIN domains d ON d.id = w.default_domain_id AND d.workspace_id = w.id WHERE w.id = ?',
      [workspaceId],
    )
  )?.name

export const byExternalIds = (d: Data, workspaceId: string, externalIds: string[]) =>
  d.all<{ id: string; external_id: string }>(
    `SELECT id, external_id FROM links WHERE workspace_id = ? AND deleted_at IS NULL AND external_id IN (SELECT value FROM ${d.list})`,
    [workspaceId, JSON.stringify(externalIds)],
  )

export const releaseExternalIds = (d: Data, ids: string[]) =>
  d.run(`UPDATE links SET external_id = NULL WHERE id IN (SELECT value FROM ${d.list})`, [JSON.stringify(ids)])

export const clearTags = (d: Data, linkIds: string[]) => d.run(`DELETE FROM link_tags WHERE link_id IN (SELECT value FROM ${d.list})`, [JSON.stringify(linkIds)])

const [LINK_HEAD, LINK_TUPLE] = LINK.insertPositional().split(' VALUES ')
// Every column but id takes the new value: the update of a whole link, many links a statement.
const LINK_UPDATE = ` ON CONFLICT (id) DO UPDATE SET ${LINK.fields
  .filter((f) => f !== 'id')
  .map((f) => `${LINK.column[f]} = excluded.${LINK.column[f]}`)
  .join(', ')}`

/** New links, in stored form (toRow). */
export const insertLinks = (d: Data, rows: LinkRow[]) => insertRows(d, LINK_HEAD, LINK_TUPLE, '', rows.map((r) => LINK.values(r)))

/** Existing links, every field rewritten (their ids exist: the update side of the upsert always runs). */
export const updateLinks = (d: Data, rows: LinkRow[]) => insertRows(d, LINK_HEAD, LINK_TUPLE, LINK_UPDATE, rows.map((r) => LINK.values(r)))

export const addTags = (d: Data, pairs: [linkId: string, tagId: string][]) =>
  insertRows(d, 'INSERT INTO link_tags (link_id, tag_id)', '(?, ?)', ' ON CONFLICT DO NOTHING', pairs)

/**
 * Rows inserted in few statements (a round trip each on PostgreSQL) of few distinct texts (bun:sqlite
 * keeps a prepared statement per text): as many rows a statement as the sizes below allow.
 */
const SIZES = [500, 100, 20, 5, 1]
async function insertRows(d: Data, head: string, tuple: string, tail: string, rows: unknown[][]): Promise<void> {
  let at = 0
  for (const size of SIZES) {
    if (rows.length - at < size) continue
    const text = `${head} VALUES ${Array(size).fill(tuple).join(', ')}${tail}`
    for (; rows.length - at >= size; at += size) await d.run(text, rows.slice(at, at + size).flat())
  }
}

/** The tag ids of each link, sorted; every id asked for is a key. */
export async function tagIdsOf(d: Data, linkIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(linkIds.map((id) => [id, []]))
  if (linkIds.length === 0) return out
  const rows = await d.all<{ link_id: string; tag_id: string }>(
    `SELECT link_id, tag_id FROM link_tags WHERE link_id IN (SELECT value FROM ${d.list}) ORDER BY tag_id`,
    [JSON.stringify(linkIds)],
  )
  for (const r of rows) out.get(r.link_id)?.push(r.tag_id)
  return out
}

/** A link with its tag ids: what every links endpoint answers with (see linkView). */
export type LinkWithTags = { link: Link; tagIds: string[] }

/**
 * Taken first in every transaction that writes links on PostgreSQL: short ids and externalIds are
 * checked, then written, and two instances' transactions must not both pass the check (READ
 * COMMITTED). On SQLite the write transaction (BEGIN IMMEDIATE) already runs alone.
 */
export async function lockLinkWrites(tx: Data): Promise<void> {
  if (tx.engine === 'pg') await tx.get("SELECT pg_advisory_xact_lock(hashtext('hoko links'))")
}
