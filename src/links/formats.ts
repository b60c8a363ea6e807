import { unneutralize } from '../http/csv'

/**
 * The CSV files Hoko reads links from, told apart by their header row. Each maps a row to the
 * fields of a new link; the link model (model.ts) then checks them as it checks any API request.
 */
export const IMPORT_FORMATS = ['hoko', 'dub', 'bitly', 'shlink'] as const
export type ImportFormat = (typeof IMPORT_FORMATS)[number]

/** What a row gives: a link's fields as text ('' is absent), its tags by name. */
export type ImportedRow = {
  url: string
  shortId?: string
  tags: string[]
  fields: Partial<Record<HokoTextField, string>>
}

/** Hoko's own export: these columns, in this order (links/export.ts writes them). */
export const HOKO_COLUMNS = [
  'shortId', 'url', 'title', 'description', 'tags', 'externalId', 'tenantId',
  'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'utm_referral',
  'expiresAt', 'expiredUrl', 'password', 'cloaked', 'ios', 'android', 'geo', 'image', 'createdAt',
] as const
type HokoTextField = Exclude<(typeof HOKO_COLUMNS)[number], 'shortId' | 'url' | 'tags' | 'createdAt'>

type Header = Map<string, number>
type Format = {
  /** Columns that must all be present for the format to be recognised. */
  keys: string[]
  row(get: (column: string) => string): ImportedRow
}

/** The last path segment of a short URL (`https://dub.sh/abc` → `abc`); a bare code stays as it is. */
function codeOf(shortLink: string): string | undefined {
  const s = shortLink.trim()
  if (s === '') return undefined
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`)
    const path = decodeURIComponent(u.pathname.replace(/^\/+/, ''))
    return path === '' ? s : path
  } catch {
    return s
  }
}

const list = (s: string, separator: string) =>
  s
    .split(separator)
    .map((t) => t.trim())
    .filter((t) => t !== '')

const FORMATS: Record<ImportFormat, Format> = {
  hoko: {
    keys: ['shortId', 'url'],
    row: (get) => {
      const fields: ImportedRow['fields'] = {}
      for (const c of HOKO_COLUMNS)
        if (c !== 'shortId' && c !== 'url' && c !== 'tags' && c !== 'createdAt') fields[c] = unneutralize(get(c))
      // Tag names are separated by "|" (names may hold commas).
      return { url: get('url'), shortId: get('shortId') || undefined, tags: list(unneutralize(get('tags')), '|'), fields }
    },
  },
  // Dub's link export (app.dub.co, Export links): column labels, "Tags" as names joined by ", ".
  dub: {
    keys: ['Short link', 'Destination URL'],
    row: (get) => ({
      url: get('Destination URL'),
      shortId: codeOf(get('Short link')),
      tags: list(get('Tags'), ','),
      fields: { title: get('Title'), description: get('Description') },
    }),
  },
  // Bitly's link export uses its API's field names; a custom back-half wins over the generated one.
  bitly: {
    keys: ['long_url', 'link'],
    row: (get) => ({
      url: get('long_url'),
      shortId: codeOf(list(get('custom_bitlinks'), ',')[0] ?? get('link')),
      tags: list(get('tags'), ','),
      fields: { title: get('title') },
    }),
  },
  // Shlink's web client (Export button of the short URLs list): tags joined by "|".
  shlink: {
    keys: ['shortCode', 'longUrl'],
    row: (get) => ({
      url: get('longUrl'),
      shortId: get('shortCode') || undefined,
      tags: list(get('tags'), '|'),
      fields: { title: get('title') },
    }),
  },
}

const headerOf = (names: string[]): Header => new Map(names.map((n, i) => [n.trim(), i] as const).reverse())

/** The format whose key columns the header has (hoko first: its own export is the most specific). */
export function detectFormat(names: string[]): ImportFormat | undefined {
  const header = headerOf(names)
  return IMPORT_FORMATS.find((f) => FORMATS[f].keys.every((k) => header.has(k)))
}

/** The missing key columns of `format` in this header, empty when it fits. */
export function missingColumns(format: ImportFormat, names: string[]): string[] {
  const header = headerOf(names)
  return FORMATS[format].keys.filter((k) => !header.has(k))
}

export const KEY_COLUMNS = Object.fromEntries(IMPORT_FORMATS.map((f) => [f, FORMATS[f].keys])) as Record<ImportFormat, string[]>

/** A row reader for this header: values by column name, '' for a missing column or field. */
export function rowReader(format: ImportFormat, names: string[]) {
  const header = headerOf(names)
  return (fields: string[]): ImportedRow => {
    const row = FORMATS[format].row((column) => {
      const i = header.get(column)
      return i === undefined ? '' : (fields[i] ?? '')
    })
    // Text is kept as written; addresses and codes lose the spaces a spreadsheet may add.
    return { ...row, url: row.url.trim(), shortId: row.shortId?.trim() || undefined }
  }
}
