import { getTableColumns } from 'drizzle-orm'
import { TableColumns } from '../db/columns'
import { links } from '../db/schema'

type Stored = Omit<typeof links.$inferSelect, 'deletedAt'>

/**
 * A link as the code handles it: the fields of the `links` table in src/db/schema.ts (the one place
 * a link's columns are written), JSON and boolean columns decoded, timestamps as Unix milliseconds.
 * Deletion is not a field: live queries leave deleted links out, the redirect cache asks for it itself.
 */
export type Link = {
  [K in keyof Stored]: Stored[K] extends Date ? number : Stored[K] extends Date | null ? number | null : Stored[K]
}
export type LinkField = keyof Link

/** A link as SQLite returns it through LINK.select(): JSON columns as text, booleans as 0/1. */
export type LinkRow = {
  [K in LinkField]: Link[K] extends boolean ? number : Link[K] extends object | null ? string | null : Link[K]
}

export const LINK = new TableColumns<LinkField>(links, ['deletedAt'])

export const fromRow = (row: LinkRow): Link => LINK.decode<Link>(row)
/** A link's values to bind to LINK.insert() or LINK.update('id'). */
export const toRow = (link: Link): LinkRow => LINK.encode<LinkRow>(link)

type Required = 'id' | 'workspaceId' | 'shortId' | 'url' | 'collectionId' | 'createdAt' | 'updatedAt'

const columns = getTableColumns(links)
/** Every field with its schema default, else null: what a new link starts from. */
const DEFAULTS = Object.fromEntries(LINK.fields.map((f) => [f, columns[f].hasDefault ? columns[f].default : null])) as Omit<Link, Required>

/** A new link with the given values and the schema's defaults for the rest, in schema field order. */
export const newLink = (values: Pick<Link, Required>): Link => ({ ...DEFAULTS, ...values })
