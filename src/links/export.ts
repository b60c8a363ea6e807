import type { Data } from '../db/data'
import { csvRow } from '../http/csv'
import { HOKO_COLUMNS } from './formats'
import { fromRow, LINK, type LinkRow } from './row'

/** Rows read per step of the stream: memory stays the same whatever the number of links. */
const PAGE = 1_000

type Page = LinkRow & { tag_names: string | null }

/** A link as a row of Hoko's CSV (formats.ts reads it back). */
function csvLine(r: Page): string {
  const l = fromRow(r)
  const utm = l.utm ?? {}
  const values: Record<(typeof HOKO_COLUMNS)[number], string | boolean | null> = {
    shortId: l.shortId,
    url: l.url,
    title: l.title,
    description: l.description,
    tags: r.tag_names,
    externalId: l.externalId,
    tenantId: l.tenantId,
    utm_source: utm.source ?? null,
    utm_medium: utm.medium ?? null,
    utm_campaign: utm.campaign ?? null,
    utm_term: utm.term ?? null,
    utm_content: utm.content ?? null,
    utm_referral: utm.referral ?? null,
    expiresAt: l.expiresAt === null ? null : new Date(l.expiresAt).toISOString(),
    expiredUrl: l.expiredUrl,
    password: l.password,
    cloaked: l.cloaked,
    ios: l.ios,
    android: l.android,
    geo: l.geo === null ? null : JSON.stringify(l.geo),
    image: l.image,
    createdAt: new Date(l.createdAt).toISOString(),
  }
  return csvRow(HOKO_COLUMNS.map((c) => values[c]))
}

/** The link's tag names, sorted, joined by '|'. */
const tagNames = (d: Data) =>
  d.engine === 'pg'
    ? "(SELECT string_agg(t.name, '|' ORDER BY t.name) FROM link_tags lt JOIN tags t ON t.id = lt.tag_id WHERE lt.link_id = l.id)"
    : "(SELECT group_concat(name, '|') FROM (SELECT t.name FROM link_tags lt JOIN tags t ON t.id = lt.tag_id WHERE lt.link_id = l.id ORDER BY t.name))"

/**
 * The workspace's live links as CSV, oldest first, streamed: each pull reads the next page after
 * the last (created_at, id) seen, through the (workspace_id, created_at) index. Ids are time-ordered
 * (UUIDv7), so links of one batch come in the order they were given.
 */
export function exportLinksCsv(d: Data, workspaceId: string): ReadableStream<string> {
  const page = `SELECT ${LINK.select()}, ${tagNames(d)} AS tag_names
     FROM links l WHERE l.workspace_id = ? AND l.deleted_at IS NULL
       AND (l.created_at > ? OR (l.created_at = ? AND l.id > ?))
     ORDER BY l.created_at, l.id LIMIT ?`
  let after = { createdAt: Number.MIN_SAFE_INTEGER, id: '' }
  let headerSent = false
  return new ReadableStream<string>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true
        return controller.enqueue(csvRow([...HOKO_COLUMNS]))
      }
      const rows = await d.all<Page>(page, [workspaceId, after.createdAt, after.createdAt, after.id, PAGE])
      if (rows.length > 0) {
        controller.enqueue(rows.map(csvLine).join(''))
        const last = rows[rows.length - 1]
        after = { createdAt: last.createdAt, id: last.id }
      }
      if (rows.length < PAGE) controller.close()
    },
  })
}
