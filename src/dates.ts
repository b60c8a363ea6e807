/** ISO 8601 date-time with a time zone (`2026-12-31T23:59:00Z`, `…+03:00`). */
export const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i
/** A plain ISO 8601 date (`2026-12-31`). */
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/

/** The string starts with a date that exists (no February 30th) and parses as a whole. */
export function isRealDate(s: string): boolean {
  const [y, m, d] = s.slice(0, 10).split('-').map(Number)
  const day = new Date(Date.UTC(y, m - 1, d))
  return day.getUTCMonth() === m - 1 && day.getUTCDate() === d && !Number.isNaN(Date.parse(s))
}
