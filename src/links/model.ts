import * as v from 'valibot'
import { ISO_DATE_TIME, isRealDate } from '../dates'
import { batchOf, listQuery, type Noun, SearchText, Uuid } from '../http/resource'
import { msg, objectOnly } from '../http/validation'
import { HostName } from '../domains/hostname'
import { COUNTRY_CODES } from './countries'
import { IMPORT_FORMATS } from './formats'

export const MAX_DESTINATION_LENGTH = 4096

export const LINK_NOUN: Noun = { en: 'link', ar: 'رابط' }

function isHttpUrl(s: string): boolean {
  if (/[\s\u0000-\u001f\u007f]/.test(s)) return false
  try {
    const u = new URL(s)
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== ''
  } catch {
    return false
  }
}

/** Every destination the redirect can send a visitor to: absolute http(s) only, never javascript: or data:. */
export const HttpUrl = v.pipe(
  v.string(),
  v.maxLength(MAX_DESTINATION_LENGTH),
  v.check(isHttpUrl, msg('must be an absolute http or https URL', 'يجب أن يكون رابطًا كاملًا يبدأ بـ http أو https')),
)

/** ISO 8601 date-time with a time zone, a real calendar date. */
export const IsoDateTime = v.pipe(
  v.string(),
  v.regex(
    ISO_DATE_TIME,
    msg(
      'must be an ISO 8601 date-time with a time zone, such as 2026-12-31T23:59:00Z',
      'يجب أن يكون تاريخًا ووقتًا بصيغة ISO 8601 مع المنطقة الزمنية، مثل 2026-12-31T23:59:00Z',
    ),
  ),
  v.check(isRealDate, msg('is not a real date', 'ليس تاريخًا صحيحًا')),
  v.transform((s) => new Date(s)),
)

const text = (max: number) => v.pipe(v.string(), v.maxLength(max))
const utmValue = v.nullish(text(255))

export const Utm = objectOnly(
  v.strictObject({
    source: utmValue,
    medium: utmValue,
    campaign: utmValue,
    term: utmValue,
    content: utmValue,
    referral: utmValue,
  }),
)
export const UTM_KEYS = ['source', 'medium', 'campaign', 'term', 'content', 'referral'] as const

export const CountryCode = v.pipe(
  v.string(),
  v.transform((s) => s.toUpperCase()),
  v.check(
    (s) => COUNTRY_CODES.has(s),
    msg('is not an ISO 3166-1 alpha-2 country code (such as SA or US)', 'ليس رمز دولة بصيغة ISO 3166-1 alpha-2 (مثل SA أو US)'),
  ),
)

export const Geo = v.pipe(
  objectOnly(v.record(CountryCode, HttpUrl)),
  v.check((g) => Object.keys(g).length <= 250, msg('can hold at most 250 countries', 'لا يمكن أن يحتوي على أكثر من 250 دولة')),
)

/** Paths the server answers itself, which a short link must never shadow. */
export const RESERVED_SHORT_IDS = new Set([
  'api', 'docs', 'openapi.json', 'healthz', 'qrcode', 'analytics.js', 'favicon.ico', 'robots.txt',
  'static', 'assets', '.well-known', 'admin', 'login', 'metrics',
  // The dashboard and the pages around it.
  'app', 'setup', 'invite', 'logout', 'auth.css',
])

export const ShortId = v.pipe(
  v.string(),
  v.regex(
    /^[A-Za-z0-9_-]{3,64}$/,
    msg('must be 3 to 64 letters, digits, "_" or "-"', 'يجب أن يتكون من 3 إلى 64 حرفًا أو رقمًا أو "_" أو "-"'),
  ),
  v.check((s) => !RESERVED_SHORT_IDS.has(s.toLowerCase()), msg('is reserved by the server', 'محجوز لاستخدام الخادم')),
)

const optionalFields = {
  title: v.nullish(text(500)),
  description: v.nullish(text(2000)),
  image: v.nullish(HttpUrl),
  utm: v.nullish(Utm),
  expiresAt: v.nullish(IsoDateTime),
  expiredUrl: v.nullish(HttpUrl),
  password: v.nullish(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
  cloaked: v.nullish(v.boolean()),
  ios: v.nullish(HttpUrl),
  android: v.nullish(HttpUrl),
  geo: v.nullish(Geo),
  externalId: v.nullish(v.pipe(v.string(), v.minLength(1), v.maxLength(255))),
  tenantId: v.nullish(v.pipe(v.string(), v.minLength(1), v.maxLength(255))),
  partnerId: v.nullish(Uuid),
  tagIds: v.nullish(v.pipe(v.array(Uuid), v.maxLength(100))),
  shortId: v.optional(ShortId),
  /** One of the workspace's domains or the base host; null: the base host; absent on create: the workspace's default. */
  domain: v.nullish(HostName),
}

export const NewLink = v.strictObject({ url: HttpUrl, collectionId: Uuid, ...optionalFields })
export const LinkUpsert = v.strictObject({
  id: v.optional(Uuid),
  url: v.optional(HttpUrl),
  collectionId: v.optional(Uuid),
  ...optionalFields,
})

export const CreateLinksBody = batchOf(NewLink)
export const UpsertLinksBody = batchOf(LinkUpsert)

export const LinkQuery = listQuery({
  id: v.optional(Uuid),
  externalId: v.optional(text(255)),
  tenantId: v.optional(text(255)),
  partnerId: v.optional(Uuid),
  tagId: v.optional(Uuid),
  collectionId: v.optional(Uuid),
  /** Case-insensitive (A–Z) substring of shortId, url or title; narrows the id filters' answer. */
  search: v.optional(SearchText),
  domain: v.optional(HostName),
})

/** POST /api/links/import: the body is the CSV file itself; these say how to read it. */
export const ImportQuery = v.strictObject({
  format: v.optional(v.picklist(['auto', 'hoko', 'dub', 'bitly', 'shlink']), 'auto'),
  collectionId: v.optional(Uuid),
  onConflict: v.optional(v.picklist(['skip', 'fail']), 'skip'),
})
export const ExportLinksQuery = v.strictObject({ format: v.optional(v.picklist(['csv']), 'csv') })

export type LinkUpsert = v.InferOutput<typeof LinkUpsert>
export type LinkQuery = v.InferOutput<typeof LinkQuery>

/** The link object of every answer (built by linkView in ./view, whose type is checked against this). */
const nullableText = v.nullable(v.string())
export const LinkViewSchema = v.strictObject({
  id: v.string(),
  shortId: v.string(),
  domain: v.string(),
  url: v.string(),
  shortUrl: v.string(),
  qrCode: v.string(),
  title: nullableText,
  description: nullableText,
  image: nullableText,
  utm: v.nullable(v.record(v.string(), v.string())),
  expiresAt: nullableText,
  expiredUrl: nullableText,
  password: nullableText,
  cloaked: v.boolean(),
  ios: nullableText,
  android: nullableText,
  geo: v.nullable(v.record(v.string(), v.string())),
  collectionId: v.string(),
  tagIds: v.array(v.string()),
  externalId: nullableText,
  tenantId: nullableText,
  partnerId: nullableText,
  createdAt: v.string(),
  updatedAt: v.string(),
})
export const LinkViewList = v.array(LinkViewSchema)

const Reason = v.strictObject({ en: v.string(), ar: v.string() })
/** POST /api/links/import's report (ImportReport in ./import is checked against it). */
export const ImportReportSchema = v.strictObject({
  format: v.picklist(IMPORT_FORMATS),
  collectionId: v.nullable(v.string()),
  rows: v.number(),
  created: v.array(v.strictObject({ line: v.number(), id: v.string(), shortId: v.string() })),
  skipped: v.array(v.strictObject({ line: v.number(), shortId: v.nullable(v.string()), reason: Reason })),
  rejected: v.array(v.strictObject({ line: v.number(), reason: Reason })),
  tagsCreated: v.number(),
})
