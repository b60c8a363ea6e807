import type { Db } from '../db'
import { LINK, type Link, type LinkRow } from './row'

/** Prepared statements of the links feature, made once per database. */
export function linkStatements(db: Db) {
  const c = db.$client
  return {
    insert: c.prepare<unknown, [LinkRow]>(LINK.insert()),
    update: c.prepare<unknown, [LinkRow]>(LINK.update('id')),
    byIds: c.prepare<LinkRow, [string, string]>(
      `SELECT ${LINK.select()} FROM links WHERE workspace_id = ? AND deleted_at IS NULL AND id IN (SELECT value FROM json_each(?))`,
    ),
    /** Of the given [domain, shortId] pairs, those some link (deleted ones included) already has. */
    takenShortIds: c.prepare<{ domain: string; short_id: string }, [string]>(
      `SELECT domain, short_id FROM links WHERE (domain, short_id) IN
         (SELECT value ->> 0, value ->> 1 FROM json_each(?))`,
    ),
    keysOf: c.prepare<{ domain: string; shortId: string }, [string]>(
      'SELECT domain, short_id AS shortId FROM links WHERE id IN (SELECT value FROM json_each(?))',
    ),
    /** The workspace's domains among the given names. */
    ownDomains: c.prepare<{ name: string }, [string, string]>(
      'SELECT name FROM domains WHERE workspace_id = ? AND name IN (SELECT value FROM json_each(?))',
    ),
    defaultDomain: c.prepare<{ name: string }, [string]>(
      'SELECT d.name FROM workspaces w JOIN domains d ON d.id = w.default_domain_id AND d.workspace_id = w.id WHERE w.id = ?',
    ),
    byExternalIds: c.prepare<{ id: string; external_id: string }, [string, string]>(
      `SELECT id, external_id FROM links WHERE workspace_id = ? AND deleted_at IS NULL
         AND external_id IN (SELECT value FROM json_each(?))`,
    ),
    tagsOf: c.prepare<{ link_id: string; tag_id: string }, [string]>(
      'SELECT link_id, tag_id FROM link_tags WHERE link_id IN (SELECT value FROM json_each(?)) ORDER BY tag_id',
    ),
    releaseExternalIds: c.prepare('UPDATE links SET external_id = NULL WHERE id IN (SELECT value FROM json_each(?))'),
    clearTags: c.prepare<unknown, [string]>('DELETE FROM link_tags WHERE link_id = ?'),
    addTag: c.prepare<unknown, [string, string]>('INSERT OR IGNORE INTO link_tags (link_id, tag_id) VALUES (?, ?)'),
  }
}
export type LinkStatements = ReturnType<typeof linkStatements>

/** The tag ids of each link, sorted; every id asked for is a key. */
export function tagIdsOf(st: LinkStatements, linkIds: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(linkIds.map((id) => [id, []]))
  if (linkIds.length === 0) return out
  for (const r of st.tagsOf.all(JSON.stringify(linkIds))) out.get(r.link_id)?.push(r.tag_id)
  return out
}

/** A link with its tag ids: what every links endpoint answers with (see linkView). */
export type LinkWithTags = { link: Link; tagIds: string[] }
