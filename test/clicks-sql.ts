import type { Database } from 'bun:sqlite'
import type { ClickRow } from '../src/clicks/row'
import { packedId } from '../src/clicks/store'
import { ClickWriter } from '../src/clicks/writer'

/**
 * Tests that shape click data beside the server: clicks are stored compactly (src/clicks/store.ts)
 * and read through the `clicks` view, so writes go through the click writer or these helpers.
 */

/** The rollups have counted every click when `mark` equals `last`. */
export const ROLLUP_PROGRESS =
  'SELECT (SELECT click_rowid FROM rollup_state WHERE id = 1) AS mark, (SELECT max(rid) FROM click_rows) AS last'

const BLANK: Omit<ClickRow, 'id' | 'workspaceId' | 'linkId' | 'shortId' | 'createdAt' | 'destination'> = {
  domain: '', partnerId: null, externalId: null, tenantId: null, referrer: null, referrerHost: null, utm: null,
  visitorId: null, visitorSessionId: null, browserName: null, browserVersion: null, osName: null, osVersion: null,
  deviceType: null, language: null, country: null, countryCode: null, city: null, qr: 0, bot: 0, ip: null,
}

/** A click with every optional field empty, for tests of the storage itself; `over` sets what the test is about. */
export const blankClick = (over: Partial<ClickRow> = {}): ClickRow => ({
  ...BLANK, id: Bun.randomUUIDv7(), workspaceId: 'w1', linkId: 'l1', shortId: 'abc', createdAt: Date.UTC(2026, 0, 1), destination: 'https://example.com/', ...over,
})

type Needed = Pick<ClickRow, 'workspaceId' | 'linkId' | 'shortId' | 'createdAt' | 'destination'>
/** Writes clicks at their own times (ids made up unless given), in one transaction. */
export function insertClicks(db: Database, rows: (Needed & Partial<ClickRow>)[]): void {
  new ClickWriter(db).insertAll(rows.map((r) => ({ ...BLANK, id: Bun.randomUUIDv7(), ...r })))
}

/** Moves clicks to other times, keeping their ids (they become ids kept in click_legacy_ids) and their conversions. */
export function retimeClicks(db: Database, moves: { id: string; createdAt: number }[]): void {
  db.transaction(() => {
    for (const { id, createdAt } of moves) {
      const { rid } = db.query('SELECT rid FROM clicks WHERE id = ?').get(id) as { rid: number }
      const to = createdAt * 1024
      db.query('UPDATE click_rows SET rid = ?, nonce = NULL WHERE rid = ?').run(to, rid)
      db.query('DELETE FROM click_legacy_ids WHERE rid = ?').run(rid)
      db.query('INSERT INTO click_legacy_ids (rid, uuid) VALUES (?, ?)').run(to, packedId(id))
      for (const t of ['leads', 'sales']) db.query(`UPDATE ${t} SET click_rid = ? WHERE click_rid = ?`).run(to, rid)
    }
  })()
}

/** Deletes the clicks the view's condition selects, e.g. `link_id = ?`. */
export function deleteClicks(db: Database, where: string, ...params: (string | number)[]): void {
  db.transaction(() => {
    db.query(`DELETE FROM click_legacy_ids WHERE rid IN (SELECT rid FROM clicks WHERE ${where})`).run(...params)
    db.query(`DELETE FROM click_rows WHERE rid IN (SELECT rid FROM clicks WHERE ${where})`).run(...params)
  })()
}
