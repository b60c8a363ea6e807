import { countClick, FENCE_LOCK, FENCE_SQL, ROLLUP_LOCK, type RollupCounts, upsertCounts } from '../analytics/rollups'
import type { Data } from '../db/data'
import { compactId, compactIp, decodeId, Destinations, encodeId, ID_MARK, Nonces, packedId, PER_MS, ridAt, ridTime, type ClickInput } from './store'

/**
 * The compact click storage of src/clicks/store.ts on PostgreSQL: the same rows, dictionaries and
 * ids, written a batch at a time (multi-row inserts, ≤500 rows a statement) since every statement is
 * a round trip. Two-typed columns are split in two (src/db/pg/schema.ts: `dest` and `dest_text`, …).
 */

/** Rows per INSERT statement: 20 parameters a row, well inside PostgreSQL's 65,535. */
const ROWS_PER_STATEMENT = 500

/** A dictionary id not known yet when a click is encoded: filled in before the rows are inserted. */
type Ref = { id: number }

/**
 * A dictionary table, as ClickStore's Dict: values to ids, the recent ones in memory. Values missing
 * from memory are collected while a batch is encoded and resolved together: for a dictionary with a
 * unique index, one INSERT … ON CONFLICT DO NOTHING RETURNING and one SELECT for those another
 * instance had added; for the others (no unique index, so a second instance may add a second id for
 * the same value, which reads the same), a lookup, then an insert, per new value.
 */
class PgDict {
  private readonly cache = new Map<string, number>()
  private pending = new Map<string, { values: (string | null)[]; ref: Ref }>()

  constructor(
    private readonly table: string,
    private readonly columns: string[],
    private readonly unique: boolean,
    private readonly capacity = 50_000,
  ) {}

  cached(...values: (string | null)[]): number | undefined {
    return this.cache.get(keyOf(values))
  }

  ref(...values: (string | null)[]): Ref {
    const key = keyOf(values)
    const id = this.cache.get(key)
    if (id !== undefined) return { id }
    let p = this.pending.get(key)
    if (!p) this.pending.set(key, (p = { values, ref: { id: 0 } }))
    return p.ref
  }

  async resolve(tx: Data): Promise<void> {
    if (this.pending.size === 0) return
    // In one order on every instance: two batches adding the same new values wait for each other
    // (a unique index), and in opposite orders they would deadlock.
    const items = [...this.pending].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    this.pending = new Map()
    const found = new Map<string, number>()
    const cols = this.columns.join(', ')
    if (this.unique) {
      // The unique column is the first; the others (a referrer's host) follow from it.
      const first = this.columns[0]
      for (let i = 0; i < items.length; i += ROWS_PER_STATEMENT) {
        const part = items.slice(i, i + ROWS_PER_STATEMENT)
        const row = `(${this.columns.map(() => '?').join(', ')})`
        const added = await tx.all<{ id: number; v: string }>(
          `INSERT INTO ${this.table} (${cols}) VALUES ${part.map(() => row).join(', ')} ON CONFLICT DO NOTHING RETURNING id, ${first} AS v`,
          part.flatMap(([, p]) => p.values),
        )
        for (const { id, v } of added) found.set(v, id)
        const others = part.filter(([, p]) => !found.has(p.values[0]!)).map(([, p]) => p.values[0])
        if (others.length > 0)
          for (const { id, v } of await tx.all<{ id: number; v: string }>(
            `SELECT id, ${first} AS v FROM ${this.table} WHERE ${first} IN (SELECT value FROM ${tx.list})`,
            [JSON.stringify(others)],
          ))
            found.set(v, id)
      }
      for (const [key, p] of items) this.set(key, p.ref, found.get(p.values[0]!)!)
    } else
      for (const [key, p] of items) {
        const where = this.columns.map((c, i) => (p.values[i] === null ? `${c} IS NULL` : `${c} = ?`)).join(' AND ')
        const known = await tx.get<{ id: number }>(`SELECT id FROM ${this.table} WHERE ${where} LIMIT 1`, p.values.filter((v) => v !== null))
        const id =
          known?.id ??
          (await tx.get<{ id: number }>(`INSERT INTO ${this.table} (${cols}) VALUES (${this.columns.map(() => '?').join(', ')}) RETURNING id`, p.values))!.id
        this.set(key, p.ref, id)
      }
  }

  private set(key: string, ref: Ref, id: number): void {
    ref.id = id
    if (this.cache.size >= this.capacity) this.cache.clear()
    this.cache.set(key, id)
  }

  /** After a rolled-back transaction: ids it wrote are gone. */
  clear(): void {
    this.cache.clear()
    this.pending = new Map()
  }
}

function keyOf(values: (string | null)[]): string {
  if (values.length === 1) return String(values[0])
  let key = ''
  for (const v of values) key += v === null ? '\u0002\u0001' : `${v}\u0001`
  return key
}

/** A click ready to insert: its values, with dictionary ids that may be filled in later. */
type Encoded = { c: ClickInput; values: (number | string | Uint8Array | Ref | null)[] }

const COLUMNS =
  'rid, nonce, ws, link, dest, dest_text, dest_tail, referrer, utm, visitor, visitor_text, session, session_text, agent, lang, place, ip, ip_text, qr, bot'
const ROW = `(${COLUMNS.split(', ').map(() => '?').join(', ')})`

export class PgClickStore {
  /** The highest rid handed out (ids are made in order). */
  private last = 0
  /**
   * Where this instance's rids start within a millisecond: instances writing at once make ids from
   * the same clock, and a random lane of its own (16 lanes of 64) keeps them mostly apart. A rid
   * another instance took anyway is resolved in insert (a new rid, as on SQLite).
   */
  private readonly lane = Math.floor(Math.random() * 16) * 64
  private readonly nonces = new Nonces()
  private readonly destinations: Destinations<Ref> = new Destinations(
    (t) => {
      const known = this.texts.cached(t)
      return known === undefined ? undefined : { id: known }
    },
    (t) => this.texts.ref(t),
  )
  private readonly workspaces = new PgDict('click_workspaces', ['workspace_id'], true)
  private readonly links = new PgDict('click_links', ['link_id', 'workspace_id', 'short_id', 'domain', 'partner_id', 'external_id', 'tenant_id'], false, 200_000)
  private readonly agents = new PgDict('click_agents', ['browser_name', 'browser_version', 'os_name', 'os_version', 'device_type'], false)
  private readonly places = new PgDict('click_places', ['country', 'country_code', 'city'], false)
  private readonly referrers = new PgDict('click_referrers', ['url', 'host'], true)
  private readonly texts = new PgDict('click_texts', ['value'], true)

  /** A new click id in time order (see ClickStore.newId), in this instance's lane. */
  newId(now = Date.now()): { id: string; rid: number; nonce: Uint8Array } {
    const rid = Math.max(now * PER_MS + this.lane, this.last + 1)
    this.last = rid
    const nonce = this.nonces.next()
    return { id: encodeId(rid, nonce), rid, nonce }
  }

  /** A new rid above `floor` for a click whose own was taken or is behind the rollup fence; `c` carries its new id. */
  private renew(c: ClickInput, floor: number): void {
    const rid = Math.max(Date.now() * PER_MS + this.lane, this.last + 1, floor + 1)
    this.last = rid
    const nonce = c.nonce ?? decodeId(c.id)!.nonce
    const id = encodeId(rid, nonce)
    c.destination = c.destination.replaceAll(c.id, id)
    c.id = id
    c.rid = rid
    c.nonce = nonce
    c.createdAt = ridTime(rid)
  }

  private encode(c: ClickInput): Encoded {
    const destination = c.destination.indexOf(c.id) < 0 ? c.destination : c.destination.replaceAll(c.id, ID_MARK)
    const hasAgent = c.browserName ?? c.browserVersion ?? c.osName ?? c.osVersion ?? c.deviceType
    const hasPlace = c.country ?? c.countryCode ?? c.city
    const [dest, tail] = this.destinations.choose(destination, c.linkId)
    const visitor = compactId(c.visitorId)
    const session = compactId(c.visitorSessionId)
    const ip = compactIp(c.ip)
    return {
      c,
      values: [
        c.nonce ?? (c.rid !== undefined ? decodeId(c.id)!.nonce : null),
        this.workspaces.ref(c.workspaceId),
        this.links.ref(c.linkId, c.workspaceId, c.shortId, c.domain, c.partnerId, c.externalId, c.tenantId),
        typeof dest === 'string' ? null : dest,
        typeof dest === 'string' ? dest : null,
        tail,
        c.referrer === null ? null : this.referrers.ref(c.referrer, c.referrerHost),
        c.utm === null ? null : this.texts.ref(c.utm),
        typeof visitor === 'string' ? null : visitor,
        typeof visitor === 'string' ? visitor : null,
        typeof session === 'string' ? null : session,
        typeof session === 'string' ? session : null,
        hasAgent == null ? null : this.agents.ref(c.browserName, c.browserVersion, c.osName, c.osVersion, c.deviceType),
        c.language === null ? null : this.texts.ref(c.language),
        hasPlace == null ? null : this.places.ref(c.country, c.countryCode, c.city),
        typeof ip === 'string' ? null : ip,
        typeof ip === 'string' ? ip : null,
        c.qr,
        c.bot,
      ],
    }
  }

  /** Inserts the rows with the rids they carry now; the rids inserted (a rid already taken is skipped). */
  private async insertRows(tx: Data, rows: Encoded[]): Promise<{ rids: Set<number>; fence: number | null }> {
    const rids = new Set<number>()
    let fence: number | null = null
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const part = rows.slice(i, i + ROWS_PER_STATEMENT)
      const params: unknown[] = []
      for (const e of part) {
        params.push(e.c.rid)
        for (const v of e.values) params.push(v !== null && typeof v === 'object' && 'id' in v ? v.id : v)
      }
      const inserted = await tx.all<{ rid: number; f: number | null }>(
        `INSERT INTO click_rows (${COLUMNS}) VALUES ${part.map(() => ROW).join(', ')} ON CONFLICT (rid) DO NOTHING RETURNING rid, (${FENCE_SQL}) AS f`,
        params,
      )
      for (const r of inserted) rids.add(r.rid)
      if (inserted.length > 0) fence = inserted[0].f ?? 0
    }
    return { rids, fence }
  }

  /**
   * Writes the clicks, in the caller's transaction. A click made by the redirect (with a rid) keeps
   * its rid unless another instance took it or it is not above the rollup fence (see FENCE_LOCK in
   * analytics/rollups.ts); then it gets a new one, and `c` its new id. A click with a time of its own
   * (import, seeding) takes the first free rid of its millisecond and keeps its id in
   * click_legacy_ids; if the rollups are past it, it is counted here.
   */
  async insert(tx: Data, clicks: ClickInput[]): Promise<void> {
    const encoded = clicks.map((c) => this.encode(c))
    for (const d of [this.workspaces, this.links, this.agents, this.places, this.referrers, this.texts]) await d.resolve(tx)
    const own = encoded.filter((e) => e.c.rid !== undefined)
    const historic = encoded.filter((e) => e.c.rid === undefined)
    // Always in this order (see ROLLUP_LOCK): the rollup lock for clicks behind the mark, then the fence.
    if (historic.length > 0) await tx.run(`SELECT pg_advisory_xact_lock(${ROLLUP_LOCK})`)
    await tx.run(`SELECT pg_advisory_xact_lock_shared(${FENCE_LOCK})`)
    let pending = own
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 10) throw new Error('no free click id after 10 attempts')
      const { rids, fence: seen } = await this.insertRows(tx, pending)
      const fence = seen ?? (await tx.get<{ f: number }>(FENCE_SQL))?.f ?? 0
      const behind = [...rids].filter((rid) => rid <= fence)
      if (behind.length > 0) await tx.run(`DELETE FROM click_rows WHERE rid IN (SELECT CAST(value AS BIGINT) FROM ${tx.list})`, [JSON.stringify(behind)])
      pending = pending.filter((e) => !rids.has(e.c.rid!) || e.c.rid! <= fence)
      for (const e of pending) this.renew(e.c, fence)
    }
    if (historic.length > 0)
      try {
        await this.insertHistoric(tx, historic)
      } finally {
        // As on SQLite, such a click is still known by its own id (and without a rid, should it be written again).
        for (const h of historic) h.c.rid = undefined
      }
  }

  private async insertHistoric(tx: Data, rows: Encoded[]): Promise<void> {
    let pending = rows
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 10) throw new Error('no free click id after 10 attempts')
      // The first free rid of each millisecond, as ClickStore's insertHistoric (a full one borrows from the next).
      const msList = [...new Set(pending.map((e) => e.c.createdAt))]
      const next = new Map<number, number>()
      for (const { ms, m } of await tx.all<{ ms: number; m: number | null }>(
        `SELECT CAST(value AS BIGINT) AS ms, (SELECT max(rid) FROM click_rows WHERE rid >= CAST(value AS BIGINT) * ${PER_MS}
           AND rid < CAST(value AS BIGINT) * ${PER_MS} + ${PER_MS}) AS m FROM ${tx.list}`,
        [JSON.stringify(msList.map(String))],
      ))
        next.set(ms, m === null ? ridAt(ms) : m + 1)
      for (const e of pending) {
        const rid = next.get(e.c.createdAt)!
        next.set(e.c.createdAt, rid + 1)
        e.c.rid = rid
      }
      const { rids } = await this.insertRows(tx, pending)
      const done = pending.filter((e) => rids.has(e.c.rid!))
      if (done.length > 0) {
        const legacy = done.map((e) => {
          const packed = packedId(e.c.id)
          return [e.c.rid, typeof packed === 'string' ? null : packed, typeof packed === 'string' ? packed : null]
        })
        for (let i = 0; i < legacy.length; i += ROWS_PER_STATEMENT) {
          const part = legacy.slice(i, i + ROWS_PER_STATEMENT)
          await tx.run(`INSERT INTO click_legacy_ids (rid, uuid, uuid_text) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}`, part.flat())
        }
        // Behind the mark, the rollups would never read these clicks: they are counted here (the
        // rollup lock, taken in insert, keeps the mark where it is until this commits).
        const mark = (await tx.get<{ m: number }>('SELECT click_rowid AS m FROM rollup_state WHERE id = 1'))?.m ?? 0
        const counts: RollupCounts = new Map()
        for (const e of done) if (e.c.rid! <= mark) countClick(counts, e.c)
        if (counts.size > 0) await upsertCounts(tx, counts)
        for (const e of done) if (e.c.rid! > this.last) this.last = e.c.rid!
      }
      pending = pending.filter((e) => !rids.has(e.c.rid!))
      // A clash with another writer: the rid is looked for again.
      for (const e of pending) e.c.rid = undefined
    }
  }

  /** After a rolled-back transaction: dictionary ids it wrote are gone. */
  forget(): void {
    for (const d of [this.workspaces, this.links, this.agents, this.places, this.referrers, this.texts]) d.clear()
  }
}
