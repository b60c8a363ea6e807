import { UTM_KEYS } from '../links/model'

/** The short URL's own query parameters; null when it has none, the common case, which parses nothing. */
export function shortQuery(url: string): URLSearchParams | null {
  const q = url.indexOf('?')
  return q >= 0 && q < url.length - 1 ? new URLSearchParams(url.slice(q + 1)) : null
}

/**
 * The destination before its click id: the destination's own URL and query; the link's utm as utm_*
 * parameters the destination does not already carry; the short URL's own query parameters (except
 * `qr`), which override. The query is re-encoded only when something is added to it.
 */
export function baseDestination(destination: string, linkUtm: Record<string, string> | null, shortQuery: URLSearchParams | null): string {
  const url = new URL(destination)
  let params: URLSearchParams | null = null
  if (linkUtm)
    for (const key of UTM_KEYS) {
      const value = linkUtm[key]
      if (value !== undefined && !url.searchParams.has(`utm_${key}`)) (params ??= url.searchParams).set(`utm_${key}`, value)
    }
  if (shortQuery) {
    const overridden = new Set<string>()
    for (const [key, value] of shortQuery) {
      if (key === 'qr') continue
      params ??= url.searchParams
      if (!overridden.has(key)) {
        overridden.add(key)
        params.delete(key)
      }
      params.append(key, value)
    }
  }
  return url.toString()
}

/** Sets `hoko_id`, the click id a conversion is later attributed to, last in the query. */
export function withClickId(base: string, clickId: string): string {
  const hash = base.indexOf('#')
  const head = hash < 0 ? base : base.slice(0, hash)
  const q = head.indexOf('?')
  // includes() first: the regular expression costs more, and a destination rarely carries hoko_id.
  if (q >= 0 && head.includes('hoko_id=') && /[?&]hoko_id=/.test(head)) {
    const url = new URL(base)
    url.searchParams.set('hoko_id', clickId)
    return url.toString()
  }
  const sep = q < 0 ? '?' : q === head.length - 1 || head.endsWith('&') ? '' : '&'
  return `${head}${sep}hoko_id=${clickId}${hash < 0 ? '' : base.slice(hash)}`
}

export function buildDestination(
  destination: string,
  linkUtm: Record<string, string> | null,
  shortQuery: URLSearchParams | null,
  clickId: string | null,
): string {
  const base = baseDestination(destination, linkUtm, shortQuery)
  return clickId ? withClickId(base, clickId) : base
}

/** The click's utm: the link's, overlaid by utm_* on the short URL; `ref` or `referral` is utm.referral. */
export function clickUtm(linkUtm: Record<string, string> | null, shortQuery: URLSearchParams | null): Record<string, string> | null {
  if (!shortQuery) return linkUtm
  let utm: Record<string, string> | null = null
  for (const key of UTM_KEYS) {
    const value = shortQuery.get(`utm_${key}`) ?? (key === 'referral' ? (shortQuery.get('ref') ?? shortQuery.get('referral')) : null)
    if (value !== null && value !== '') (utm ??= { ...linkUtm })[key] = value
  }
  return utm ?? linkUtm
}
