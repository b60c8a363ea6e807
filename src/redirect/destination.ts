import { UTM_KEYS } from '../links/model'

/**
 * The URL a visitor is sent to: the destination's own URL and query; the link's utm as utm_*
 * parameters the destination does not already carry; the short URL's own query parameters (except
 * `qr`), which override; and last `hoko_id`, the click id a conversion is later attributed to.
 */
export function buildDestination(
  destination: string,
  linkUtm: Record<string, string> | null,
  shortQuery: URLSearchParams | null,
  clickId: string | null,
): string {
  const url = new URL(destination)
  const params = url.searchParams
  if (linkUtm)
    for (const key of UTM_KEYS) {
      const value = linkUtm[key]
      if (value !== undefined && !params.has(`utm_${key}`)) params.set(`utm_${key}`, value)
    }
  if (shortQuery) {
    const overridden = new Set<string>()
    for (const [key, value] of shortQuery) {
      if (key === 'qr') continue
      if (!overridden.has(key)) {
        overridden.add(key)
        params.delete(key)
      }
      params.append(key, value)
    }
  }
  if (clickId) params.set('hoko_id', clickId)
  return url.toString()
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
