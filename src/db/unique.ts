/**
 * Whether an error is a unique constraint's (on either engine, wrapped by drizzle or not): where two
 * requests or instances race past a check, the constraint decides, and the loser gets the documented 4xx.
 */
export function isUniqueViolation(error: unknown): boolean {
  for (let e = error as { code?: unknown; errno?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++)
    if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e.errno === '23505') return true
  return false
}
