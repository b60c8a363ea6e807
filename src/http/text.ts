/**
 * Text no database of Hoko's can keep as sent: PostgreSQL's text refuses U+0000, and an unpaired
 * surrogate has no UTF-8 form (SQLite would keep a replacement character instead). Refused at every
 * entry, on both engines alike, with a 400 that names where it was.
 */
export const unstorable = (s: string): boolean => s.includes('\0') || !s.isWellFormed()

/** The path of the first unstorable string (key or value) in a parsed JSON value, or null. */
export function firstUnstorable(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return unstorable(value) ? path || '(body)' : null
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstUnstorable(value[i], `${path}[${i}]`)
      if (found !== null) return found
    }
  } else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k
      if (unstorable(k)) return at
      const found = firstUnstorable(v, at)
      if (found !== null) return found
    }
  return null
}

/** The first query parameter (name or value) of a URL that is unstorable, or null. */
export function unstorableParam(url: string): string | null {
  const q = url.indexOf('?')
  if (q < 0) return null
  for (const [k, v] of new URLSearchParams(url.slice(q))) if (unstorable(k) || unstorable(v)) return k
  return null
}
