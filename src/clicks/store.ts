import type { Database, SQLQueryBindings, Statement } from 'bun:sqlite'
import { rollupSql } from '../analytics/rollups'
import { Lru } from '../lru'
import type { ClickRow } from './row'

/**
 * The compact click storage (src/db/schema.ts, click_rows): how a logical click (ClickRow, the API's
 * fields) becomes one narrow row plus dictionary references, and how a public click id maps to its
 * rowid. Only the click writer's thread writes through it; readers use the `clicks` view.
 */

/** Clicks per millisecond the rowid has room for; a busier millisecond borrows from the next. */
export const PER_MS = 1024
/** The millisecond of a click's rowid, and the first rowid of a millisecond (time ranges as rowid ranges). */
export const ridTime = (rid: number) => Math.floor(rid / PER_MS)
export const ridAt = (ms: number) => ms * PER_MS

/** A shared beginning shorter than this is not worth a dictionary entry. */
export const MIN_PREFIX = 24

/** Marks where the click's own id stood in its destination: destinations of one link share one text. */
export const ID_MARK = '\u0001'

/** A click to store; `rid` is set when its id came from ClickStore.newId (the redirect, embedded tracking). */
export type ClickInput = ClickRow & { rid?: number; nonce?: Uint8Array }

const OWN_ID = /^([0-9a-f]{8})-([0-9a-f]{4})-7([0-9a-f]{3})-([89ab][0-9a-f]{3})-([0-9a-f]{12})$/

/** The rowid and nonce a click id of the compact form encodes, or null for any other UUID. */
export function decodeId(id: string): { rid: number; nonce: Uint8Array } | null {
  const m = OWN_ID.exec(id)
  if (!m) return null
  const seq = parseInt(m[3], 16)
  if (seq >= PER_MS) return null
  return { rid: parseInt(m[1] + m[2], 16) * PER_MS + seq, nonce: Buffer.from(m[4] + m[5], 'hex') }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** The UUIDv7 of a rowid and nonce: 48 bits of milliseconds, version 7, the sequence, then the nonce. */
export function encodeId(rid: number, nonce: Uint8Array): string {
  const ms = Math.floor(rid / PER_MS).toString(16).padStart(12, '0')
  const seq = rid % PER_MS
  const n = nonce
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${(seq >> 8).toString(16)}${HEX[seq & 255]}-${HEX[n[0]]}${HEX[n[1]]}-${HEX[n[2]]}${HEX[n[3]]}${HEX[n[4]]}${HEX[n[5]]}${HEX[n[6]]}${HEX[n[7]]}`
}

/** 22 base64url characters whose last 4 bits are zero: exactly 16 bytes, read back the same. */
const SIXTEEN_BYTES = /^[A-Za-z0-9_-]{21}[AQgw]$/
/** Redirect-made visitor and session ids (22 base64url characters) as their 16 bytes; anything else as is. */
export function compactId(value: string | null): string | Uint8Array | null {
  return value !== null && value.length === 22 && SIXTEEN_BYTES.test(value) ? Buffer.from(value, 'base64url') : value
}

/** A stored visitor or session id back as the text the API shows. */
export const visitorText = (stored: unknown): string | null =>
  stored === null || stored === undefined ? null : typeof stored === 'string' ? stored : Buffer.from(stored as Uint8Array).toString('base64url')

/** The decimal octet at `from` up to the dot at `end` (no leading zero, at most 255), or -1. */
function octet(ip: string, from: number, end: number): number {
  if (end <= from || end - from > 3 || (end - from > 1 && ip.charCodeAt(from) === 48)) return -1
  let n = 0
  for (let i = from; i < end; i++) {
    const d = ip.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    n = n * 10 + d
  }
  return n < 256 ? n : -1
}

/** `a.b.c.0` as a·65536 + b·256 + c, or -1: by hand, since this runs for every click. */
function v4(ip: string): number {
  if (!ip.endsWith('.0')) return -1
  const d1 = ip.indexOf('.')
  const d2 = ip.indexOf('.', d1 + 1)
  const d3 = ip.length - 2
  if (d1 < 0 || d2 < 0 || ip.indexOf('.', d2 + 1) !== d3) return -1
  const [a, b, c] = [octet(ip, 0, d1), octet(ip, d1 + 1, d2), octet(ip, d2 + 1, d3)]
  return a < 0 || b < 0 || c < 0 ? -1 : a * 65536 + b * 256 + c
}

const V6 = /^([0-9a-f]{1,4}):([0-9a-f]{1,4}):([0-9a-f]{1,4})::$/
/** A truncated address (ip.ts) as an integer, in the form the clicks view turns back into the same text. */
export function compactIp(ip: string | null): string | number | null {
  if (ip === null) return null
  const four = v4(ip)
  if (four >= 0) return four
  const m = V6.exec(ip)
  if (m) {
    const [x, y, z] = [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)]
    if (`${x.toString(16)}:${y.toString(16)}:${z.toString(16)}::` === ip) return 2 ** 48 + x * 2 ** 32 + y * 65536 + z
  }
  return ip
}

const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** A legacy id as click_legacy_ids keeps it: a lower-case UUID as its 16 bytes, anything else as text. */
export const packedId = (id: string): string | Uint8Array => (CANONICAL.test(id) ? Buffer.from(id.replaceAll('-', ''), 'hex') : id)

/** Finds the rowid of a click id (null when no click has it): decoded, checked against its nonce, else a legacy id. */
export function clickRids(db: Database): (id: string) => number | null {
  const own = db.prepare<{ rid: number }, [number, Uint8Array]>('SELECT rid FROM click_rows WHERE rid = ? AND nonce = ?')
  const legacy = db.prepare<{ rid: number }, [string | Uint8Array]>('SELECT rid FROM click_legacy_ids WHERE uuid = ?')
  return (id) => {
    const decoded = decodeId(id)
    const hit = decoded ? own.get(decoded.rid, decoded.nonce) : null
    return hit ? hit.rid : (legacy.get(packedId(id))?.rid ?? null)
  }
}

/**
 * A dictionary table: values to ids, with the recently used ones in memory. Ids written in a
 * transaction that rolls back are forgotten with `clear`. Another process may add the same value:
 * unique dictionaries then find it, the others get a second id for it, which reads the same.
 */
class Dict<V extends SQLQueryBindings[]> {
  /** Values to ids; emptied when full (cheaper per click than an LRU's bookkeeping, and refilled by lookups). */
  private readonly cache = new Map<string, number>()
  private readonly find: Statement<{ id: number }, SQLQueryBindings[]>
  private readonly add: Statement<{ id: number }, SQLQueryBindings[]>

  constructor(db: Database, table: string, columns: string[], unique: boolean, private readonly capacity = 50_000) {
    this.find = db.prepare<{ id: number }, SQLQueryBindings[]>(`SELECT id FROM ${table} WHERE ${columns.map((c) => `${c} IS ?`).join(' AND ')} LIMIT 1`)
    this.add = db.prepare<{ id: number }, SQLQueryBindings[]>(
      `INSERT ${unique ? 'OR IGNORE ' : ''}INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) RETURNING id`,
    )
  }

  /** The id of a value already in memory, without asking the database. */
  cached(...values: V): number | undefined {
    return this.cache.get(keyOf(values))
  }

  id(...values: V): number {
    const key = keyOf(values)
    let id = this.cache.get(key)
    if (id === undefined) {
      // A new value: its id from the insert itself; a value another process added meanwhile (the
      // insert of a unique dictionary is then ignored and returns nothing): found again.
      id = this.find.get(...values)?.id ?? this.add.get(...values)?.id ?? this.find.get(...values)!.id
      if (this.cache.size >= this.capacity) this.cache.clear()
      this.cache.set(key, id)
    }
    return id
  }

  clear(): void {
    this.cache.clear()
  }
}

/** A dictionary's memory key: cheaper than JSON, and no value holds the separators (control characters). */
function keyOf(values: SQLQueryBindings[]): string {
  if (values.length === 1) return String(values[0])
  let key = ''
  for (const v of values) key += v === null ? '\u0002\u0001' : `${v}\u0001`
  return key
}

/** An 8-byte nonce with the UUID variant bits, from a pool of random bytes. */
export class Nonces {
  private pool = new Uint8Array(0)
  private at = 0
  next(): Uint8Array {
    if (this.at + 8 > this.pool.length) {
      this.pool = crypto.getRandomValues(new Uint8Array(8192))
      this.at = 0
    }
    const n = this.pool.slice(this.at, (this.at += 8))
    n[0] = 0x80 | (n[0] & 0x3f)
    return n
  }
}

/**
 * How a click's destination is stored, on either engine: a dictionary entry once it has been seen twice
 * (a link's usual destination). Seen once (a visitor's own fbclid or gclid makes it unique), the text
 * itself — a dictionary entry and its index would store it twice — or, when it shares a beginning with
 * the link's usual destination, that beginning from the dictionary and the rest as text. `R` is how
 * the store refers to a dictionary entry: SQLite's id, or PostgreSQL's entry resolved at commit.
 */
export class Destinations<R> {
  private readonly seenOnce = new Lru<string, true>(20_000)
  /** Each link's usual destination (one that went to the dictionary), for the prefix of its unusual ones. */
  private readonly usual = new Map<string, string>()

  constructor(
    /** The entry of a text already in the dictionary, without writing. */
    private readonly cached: (text: string) => R | undefined,
    /** The entry of a text, added to the dictionary when new. */
    private readonly entry: (text: string) => R,
  ) {}

  /** [dest, dest_tail] */
  choose(template: string, linkId: string): [R | string, string | null] {
    const known = this.cached(template)
    if (known !== undefined) {
      if (this.usual.get(linkId) !== template) this.remember(linkId, template)
      return [known, null]
    }
    if (this.seenOnce.get(template) === undefined) {
      this.seenOnce.set(template, true)
      const usual = this.usual.get(linkId)
      if (usual !== undefined) {
        let n = 0
        const max = Math.min(usual.length, template.length)
        while (n < max && usual.charCodeAt(n) === template.charCodeAt(n)) n++
        if (n >= MIN_PREFIX) return [this.entry(template.slice(0, n)), template.slice(n)]
      }
      return [template, null]
    }
    this.seenOnce.delete(template)
    this.remember(linkId, template)
    return [this.entry(template), null]
  }

  /** A link's usual destination; the map is bounded like the dictionaries' (emptied when full). */
  private remember(linkId: string, template: string): void {
    if (this.usual.size >= 200_000) this.usual.clear()
    this.usual.set(linkId, template)
  }
}

export class ClickStore {
  /** The highest rowid handed out: ids are made in order, so rowids grow with time. */
  private last: number
  private readonly nonces = new Nonces()
  private readonly destinations: Destinations<number>
  private readonly workspaces: Dict<[string]>
  private readonly links: Dict<[string, string, string, string, string | null, string | null, string | null]>
  private readonly agents: Dict<[string | null, string | null, string | null, string | null, string | null]>
  private readonly places: Dict<[string | null, string | null, string | null]>
  private readonly referrers: Dict<[string, string | null]>
  private readonly texts: Dict<[string]>
  private readonly insertRow: Statement
  private readonly insertHistoric: Statement
  private readonly insertLegacyId: Statement
  private readonly rollupMark: Statement<{ m: number }, []>
  private readonly rollUp: Statement<unknown, [number]>[]
  /** The rowid of a click id, or null when no click has it. */
  readonly ridOf: (id: string) => number | null

  constructor(db: Database) {
    this.last = db.query<{ m: number | null }, []>('SELECT max(rid) AS m FROM click_rows').get()?.m ?? 0
    this.workspaces = new Dict(db, 'click_workspaces', ['workspace_id'], true)
    // One entry per link (and per change of its partner, tenant, …): room for many links.
    this.links = new Dict(db, 'click_links', ['link_id', 'workspace_id', 'short_id', 'domain', 'partner_id', 'external_id', 'tenant_id'], false, 200_000)
    this.agents = new Dict(db, 'click_agents', ['browser_name', 'browser_version', 'os_name', 'os_version', 'device_type'], false)
    this.places = new Dict(db, 'click_places', ['country', 'country_code', 'city'], false)
    this.referrers = new Dict(db, 'click_referrers', ['url', 'host'], true)
    this.texts = new Dict(db, 'click_texts', ['value'], true)
    this.destinations = new Destinations((t) => this.texts.cached(t), (t) => this.texts.id(t))
    const columns = 'nonce, ws, link, dest, dest_tail, referrer, utm, visitor, session, agent, lang, place, ip, qr, bot'
    const values = '?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?'
    // A rowid already taken is skipped here and given anew below (see insert).
    this.insertRow = db.prepare(`INSERT INTO click_rows (rid, ${columns}) VALUES (?, ${values}) ON CONFLICT (rid) DO NOTHING`)
    // A click with a time of its own and an id from elsewhere (seeding, import): the first free rowid of its millisecond.
    this.insertHistoric = db.prepare(
      `INSERT INTO click_rows (rid, ${columns}) VALUES (
         (SELECT coalesce(max(rid) + 1, ?1) FROM click_rows WHERE rid >= ?1 AND rid < ?1 + ${PER_MS}), ${values})
       RETURNING rid`,
    )
    this.insertLegacyId = db.prepare('INSERT INTO click_legacy_ids (rid, uuid) VALUES (?, ?)')
    this.rollupMark = db.prepare('SELECT click_rowid AS m FROM rollup_state WHERE id = 1')
    this.rollUp = rollupSql('rid = ?1').map((sql) => db.prepare<unknown, [number]>(sql))
    this.ridOf = clickRids(db)
  }

  /** A new click id, in time order: its rowid is now's millisecond and a sequence number. */
  newId(now = Date.now()): { id: string; rid: number; nonce: Uint8Array } {
    const rid = Math.max(now * PER_MS, this.last + 1)
    this.last = rid
    const nonce = this.nonces.next()
    return { id: encodeId(rid, nonce), rid, nonce }
  }

  /** Writes one click; inside the writer's transaction. */
  insert(c: ClickInput): void {
    const destination = c.destination.indexOf(c.id) < 0 ? c.destination : c.destination.replaceAll(c.id, ID_MARK)
    const hasAgent = c.browserName ?? c.browserVersion ?? c.osName ?? c.osVersion ?? c.deviceType
    const hasPlace = c.country ?? c.countryCode ?? c.city
    const values = [
      this.workspaces.id(c.workspaceId),
      this.links.id(c.linkId, c.workspaceId, c.shortId, c.domain, c.partnerId, c.externalId, c.tenantId),
      ...this.destinations.choose(destination, c.linkId),
      c.referrer === null ? null : this.referrers.id(c.referrer, c.referrerHost),
      c.utm === null ? null : this.texts.id(c.utm),
      compactId(c.visitorId),
      compactId(c.visitorSessionId),
      hasAgent == null ? null : this.agents.id(c.browserName, c.browserVersion, c.osName, c.osVersion, c.deviceType),
      c.language === null ? null : this.texts.id(c.language),
      hasPlace == null ? null : this.places.id(c.country, c.countryCode, c.city),
      compactIp(c.ip),
      c.qr,
      c.bot,
    ]
    if (c.rid !== undefined) {
      const nonce = c.nonce ?? decodeId(c.id)!.nonce
      if (this.insertRow.run(c.rid, nonce, ...values).changes === 1) return
      // Another process on this database (a second server) made the same rowid: each makes its ids
      // from the clock and its own sequence. The click takes the next free rowid of its millisecond
      // and so a new id, which `c` now carries for the caller (the redirect puts it in the
      // destination it answers with, after this commit).
      const { rid } = this.insertHistoric.get(ridAt(ridTime(c.rid)), nonce, ...values) as { rid: number }
      c.rid = rid
      c.id = encodeId(rid, nonce)
      c.createdAt = ridTime(rid)
      if (rid > this.last) this.last = rid
      return
    }
    const { rid } = this.insertHistoric.get(c.createdAt * PER_MS, null, ...values) as { rid: number }
    this.insertLegacyId.run(rid, packedId(c.id))
    if (rid > this.last) this.last = rid
    // Behind the rollup thread's mark: it would never read this click, so it is counted here.
    else if (rid <= (this.rollupMark.get()?.m ?? 0)) for (const st of this.rollUp) st.run(rid)
  }

  /** After a rolled-back transaction: dictionary ids it wrote are gone. */
  forget(): void {
    for (const d of [this.workspaces, this.links, this.agents, this.places, this.referrers, this.texts]) d.clear()
  }
}
