/**
 * Whether an error is a unique constraint's (on either engine, wrapped by drizzle or not): where two
 * requests or instances race past a check, the constraint decides, and the loser gets the documented 4xx.
 */
export function isUniqueViolation(error: unknown): boolean {
  return codesOf(error).some((c) => c === 'SQLITE_CONSTRAINT_UNIQUE' || c === 'SQLITE_CONSTRAINT_PRIMARYKEY' || c === '23505')
}

/** SQLSTATEs of PostgreSQL's that mean "try again": a deadlock, a serialization failure, a lock not available in time. */
const TRY_AGAIN = new Set(['40P01', '40001', '55P03'])

/** What an error of either engine means to the API: a unique value taken, a busy database, text it cannot store. */
export function dbErrorKind(error: unknown): 'unique' | 'busy' | 'text' | null {
  for (const c of codesOf(error)) {
    if (c === 'SQLITE_CONSTRAINT_UNIQUE' || c === 'SQLITE_CONSTRAINT_PRIMARYKEY' || c === '23505') return 'unique'
    if (c === 'SQLITE_BUSY' || TRY_AGAIN.has(c)) return 'busy'
    // character_not_in_repertoire (U+0000), untranslatable_character: caught at the API's entries already.
    if (c === '22021' || c === '22P05') return 'text'
  }
  return null
}

/** The codes along an error's cause chain (drizzle wraps the driver's): SQLite's `code`, PostgreSQL's SQLSTATE in `errno`. */
function codesOf(error: unknown): string[] {
  const out: string[] = []
  for (let e = error as { code?: unknown; errno?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') out.push(e.code)
    if (typeof e.errno === 'string') out.push(e.errno)
  }
  return out
}
