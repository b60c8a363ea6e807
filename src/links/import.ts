import * as v from 'valibot'
import type { Data } from '../db/data'
import { type CsvProblem, parseCsv } from '../http/csv'
import { HokoError } from '../http/errors'
import { liveIds, notFound } from '../http/resource'
import { unstorable } from '../http/text'
import { validationError } from '../http/validation'
import { COLLECTION_NOUN } from '../collections/model'
import { NewTag } from '../tags/model'
import type { Plan } from '../workspaces/plans'
import { checkFeatures } from './features'
import { detectFormat, type ImportedRow, type ImportFormat, IMPORT_FORMATS, KEY_COLUMNS, missingColumns, rowReader } from './formats'
import { sameShape } from '../http/same-shape'
import { type ImportReportSchema, type LinkUpsert, NewLink } from './model'
import { byExternalIds, defaultDomain, lockLinkWrites, takenShortIds } from './statements'
import { upsertLinksInTransaction, type Written } from './upsert'

/**
 * Links from a CSV file: Hoko's own export, or Dub's, Bitly's or Shlink's (formats.ts). Row by row
 * with a full report: every data row ends up created, skipped (its shortId or externalId is taken)
 * or rejected (with the reason), by line number. The rows that pass are written in one
 * transaction, after every check, with the tags and collection they need: a failure midway leaves
 * nothing behind, and nothing is written that the report does not list. With onConflict=fail, one
 * conflict leaves the whole file unwritten.
 */

export type ImportOptions = {
  workspaceId: string
  plan: Plan
  /** The collection the links go to; without one, a new collection named after the import. */
  collectionId?: string
  format: ImportFormat | 'auto'
  onConflict: 'skip' | 'fail'
  /** Most data rows accepted (the API's limit per plan); none for the command line. */
  maxRows?: number
  now?: number
  /** The hostname of HOKO_BASE_URL (links may name it as their domain). */
  baseHost: string
  /** Inside the import's transaction, with each chunk of links written (their link.created events, the cache). */
  onWritten?: (tx: Data, written: Written[]) => Promise<void>
}

type Reason = { en: string; ar: string }
export type ImportReport = {
  format: ImportFormat
  collectionId: string | null
  rows: number
  created: { line: number; id: string; shortId: string }[]
  skipped: { line: number; shortId: string | null; reason: Reason }[]
  rejected: { line: number; reason: Reason }[]
  tagsCreated: number
}

/** The 1,000-row chunks the upsert checks and writes at a time (one transaction for all). */
const CHUNK = 1_000
/** Stands for the collection and tags until they exist: valid for the schema, never written. */
const PLACEHOLDER = '00000000-0000-7000-8000-000000000000'

const utf8 = new TextDecoder('utf-8', { fatal: true })
const lenient = new TextDecoder('utf-8')

const BAD_BYTES: Reason = {
  en: 'this line is not valid UTF-8 (was the file saved as Latin-1 or Windows-1252? Save it as UTF-8)',
  ar: 'هذا السطر ليس نصًا صالحًا بترميز UTF-8 (هل حُفظ الملف بترميز Latin-1 أو Windows-1252؟ احفظه بترميز UTF-8)',
}
const NUL_TEXT: Reason = {
  en: 'this line contains the NUL character (U+0000), which no field accepts',
  ar: 'يحتوي هذا السطر على المحرف NUL ‏(U+0000)، ولا يقبله أي حقل',
}
const fieldCount = (got: number, want: number): Reason => ({
  en: `has ${got} fields, the header has ${want}`,
  ar: `يحتوي على ${got} حقل، بينما سطر العناوين يحتوي على ${want}`,
})
const reasonOf = (e: HokoError): Reason => ({ en: e.en, ar: e.ar })
const text = (p: CsvProblem): Reason => ({ en: p.en, ar: p.ar })

type Accepted = { line: number; item: LinkUpsert; tagNames: string[] }

/** A row's link, checked by the link model as an API request is, or the reason it is not one. */
function toItem(row: ImportedRow, plan: Plan): { item: LinkUpsert; tagNames: string[] } | Reason {
  if (row.url === '') return reasonOf(new HokoError('link_field_required', { path: 'url' }))
  const input: Record<string, unknown> = { url: row.url, collectionId: PLACEHOLDER }
  if (row.shortId !== undefined) input.shortId = row.shortId
  const utm: Record<string, string> = {}
  for (const [key, value] of Object.entries(row.fields)) {
    if (value === undefined || value === '') continue
    if (key.startsWith('utm_')) utm[key.slice(4)] = value
    else if (key === 'cloaked') {
      if (value !== 'true' && value !== 'false') return { en: 'cloaked: must be true or false', ar: 'cloaked: يجب أن يكون true أو false' }
      input.cloaked = value === 'true'
    } else if (key === 'geo') {
      try {
        input.geo = JSON.parse(value)
      } catch {
        return { en: 'geo: must be a JSON object of country codes and URLs', ar: 'geo: يجب أن يكون كائن JSON من رموز الدول والروابط' }
      }
    } else input[key] = value
  }
  if (Object.keys(utm).length > 0) input.utm = utm
  const tagNames: string[] = []
  for (const name of row.tags) {
    const t = v.safeParse(NewTag, { name })
    if (!t.success) {
      const e = validationError(t.issues[0], undefined)
      return { en: `tags: ${e.en}`, ar: `tags: ${e.ar}` }
    }
    if (!tagNames.includes(t.output.name)) tagNames.push(t.output.name)
  }
  if (tagNames.length > 0) input.tagIds = tagNames.map(() => PLACEHOLDER)
  const parsed = v.safeParse(NewLink, input)
  if (!parsed.success) return reasonOf(validationError(parsed.issues[0], undefined))
  try {
    checkFeatures({ plan }, [parsed.output])
  } catch (e) {
    return reasonOf(e as HokoError)
  }
  return { item: parsed.output, tagNames }
}

/** Reads the file and checks every row on its own; nothing here touches the database. */
function readRows(bytes: Uint8Array, opts: ImportOptions) {
  let source: string
  let badBytes = false
  try {
    source = utf8.decode(bytes)
  } catch {
    source = lenient.decode(bytes)
    badBytes = true
  }
  const records = parseCsv(source)
  const first = records.next()
  if (first.done || first.value.problem) throw new HokoError('import_no_header')
  const names = first.value.fields
  const format = opts.format === 'auto' ? detectFormat(names) : opts.format
  if (!format) throw new HokoError('import_unknown_format', { formats: IMPORT_FORMATS.map((f) => `${f}: ${KEY_COLUMNS[f].join(', ')}`).join('; ') })
  const missing = missingColumns(format, names)
  if (missing.length > 0) throw new HokoError('import_missing_columns', { format, columns: missing })
  const read = rowReader(format, names)
  const accepted: Accepted[] = []
  const rejected: ImportReport['rejected'] = []
  let rows = 0
  for (const r of records) {
    if (opts.maxRows !== undefined && ++rows > opts.maxRows) throw new HokoError('import_too_many_rows', { max: opts.maxRows })
    if (r.problem) {
      rejected.push({ line: r.line, reason: text(r.problem) })
      continue
    }
    if (badBytes && r.fields.some((f) => f.includes('\uFFFD'))) {
      rejected.push({ line: r.line, reason: BAD_BYTES })
      continue
    }
    if (r.fields.some(unstorable)) {
      rejected.push({ line: r.line, reason: NUL_TEXT })
      continue
    }
    if (r.fields.length !== names.length) {
      rejected.push({ line: r.line, reason: fieldCount(r.fields.length, names.length) })
      continue
    }
    const out = toItem(read(r.fields), opts.plan)
    if ('item' in out) accepted.push({ line: r.line, ...out })
    else rejected.push({ line: r.line, reason: out })
  }
  return { format, accepted, rejected, rows: accepted.length + rejected.length }
}

/** Values a column must not repeat: later rows with a value seen before are rejected. */
function firstOnly(accepted: Accepted[], rejected: ImportReport['rejected'], field: 'shortId' | 'externalId'): Accepted[] {
  const seen = new Map<string, number>()
  return accepted.filter((a) => {
    const value = a.item[field]
    if (value === undefined || value === null) return true
    const first = seen.get(value)
    if (first === undefined) {
      seen.set(value, a.line)
      return true
    }
    rejected.push({
      line: a.line,
      reason: { en: `${field}: ${value} appears more than once in this file (first on line ${first})`, ar: `${field}: القيمة ${value} مكررة في هذا الملف (أول ظهور في السطر ${first})` },
    })
    return false
  })
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export async function importLinks(d: Data, bytes: Uint8Array, opts: ImportOptions): Promise<ImportReport> {
  if (opts.collectionId !== undefined && !(await liveIds(d, 'collections', opts.workspaceId, [opts.collectionId])).has(opts.collectionId))
    throw notFound('collectionId', COLLECTION_NOUN, opts.collectionId)
  const { format, accepted: read, rejected, rows } = readRows(bytes, opts)
  const accepted = firstOnly(firstOnly(read, rejected, 'shortId'), rejected, 'externalId')
  const now = opts.now ?? Date.now()

  return d.tx(async (tx) => {
    // In the write transaction: what is taken cannot change between the check and the write.
    await lockLinkWrites(tx)
    // Imported links go to the workspace's default domain ('' is the base host), as new links do.
    const domain = (await defaultDomain(tx, opts.workspaceId)) ?? ''
    const taken = new Set<string>()
    for (const part of chunks(accepted.flatMap((a): [string, string][] => (a.item.shortId ? [[domain, a.item.shortId]] : [])), CHUNK))
      for (const r of await takenShortIds(tx, part)) taken.add(r.short_id)
    const usedExternal = new Map<string, string>()
    for (const part of chunks(accepted.flatMap((a) => (a.item.externalId ? [a.item.externalId] : [])), CHUNK))
      for (const r of await byExternalIds(tx, opts.workspaceId, part)) usedExternal.set(r.external_id, r.id)
    const skipped: ImportReport['skipped'] = []
    const clean = accepted.filter((a) => {
      const { shortId, externalId } = a.item
      let e: HokoError | undefined
      if (shortId && taken.has(shortId)) e = new HokoError('short_id_taken', { path: 'shortId', shortId })
      else if (externalId && usedExternal.has(externalId))
        e = new HokoError('external_id_taken', { path: 'externalId', externalId, linkId: usedExternal.get(externalId)! })
      if (e) skipped.push({ line: a.line, shortId: shortId ?? null, reason: reasonOf(e) })
      return !e
    })
    if (opts.onConflict === 'fail' && skipped.length > 0)
      throw new HokoError('import_conflicts', { count: skipped.length, line: skipped[0].line, ...skipped[0].reason })

    let collectionId = opts.collectionId ?? null
    if (collectionId === null && clean.length > 0) {
      collectionId = Bun.randomUUIDv7()
      const at = new Date(now)
      await tx.orm
        .insert(tx.t.collections)
        .values({ id: collectionId, workspaceId: opts.workspaceId, name: `Imported from ${format} ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`, createdAt: at, updatedAt: at })
    }
    const tagIds = await resolveTags(tx, opts.workspaceId, clean, now)
    const created: ImportReport['created'] = []
    for (const part of chunks(clean, CHUNK)) {
      const items = part.map((a) => ({ ...a.item, collectionId: collectionId!, tagIds: a.tagNames.length ? a.tagNames.map((n) => tagIds.ids.get(n)!) : undefined }))
      const written = await upsertLinksInTransaction(tx, opts.workspaceId, items, opts.baseHost)
      await opts.onWritten?.(tx, written)
      written.forEach((w, i) => created.push({ line: part[i].line, id: w.link.id, shortId: w.link.shortId }))
    }
    rejected.sort((a, b) => a.line - b.line)
    return { format, collectionId, rows, created, skipped, rejected, tagsCreated: tagIds.created }
  })
}

/** Tag ids by name: the workspace's oldest tag of each name, and new tags for the names it lacks. */
async function resolveTags(tx: Data, workspaceId: string, rows: Accepted[], now: number) {
  const names = new Set(rows.flatMap((r) => r.tagNames))
  const ids = new Map<string, string>()
  if (names.size === 0) return { ids, created: 0 }
  const existing = await tx.all<{ id: string; name: string }>(
    `SELECT id, name FROM tags WHERE workspace_id = ? AND name IN (SELECT value FROM ${tx.list}) ORDER BY id DESC`,
    [workspaceId, JSON.stringify([...names])],
  )
  for (const t of existing) ids.set(t.name, t.id)
  const missing = [...names].filter((n) => !ids.has(n))
  const at = new Date(now)
  for (const part of chunks(missing, 500)) {
    const values = part.map((name) => ({ id: Bun.randomUUIDv7(), workspaceId, name, createdAt: at, updatedAt: at }))
    await tx.orm.insert(tx.t.tags).values(values)
    for (const t of values) ids.set(t.name, t.id)
  }
  return { ids, created: missing.length }
}


// The report and its documented schema (./model) cannot drift apart.
sameShape<ImportReport, v.InferOutput<typeof ImportReportSchema>>()
