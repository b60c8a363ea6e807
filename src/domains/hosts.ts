/**
 * Hosts: which one a request was sent to, and the origin of a link's short URL. Links store the host
 * of HOKO_BASE_URL as '' (see links.domain in db/schema.ts), so that changing HOKO_BASE_URL keeps them
 * on it; the API shows that host by its name.
 */

/**
 * Paths served on the base host only: on a registered custom domain they answer 404 (domains/guard.ts).
 * Features that add such pages (the dashboard) add their prefix here; a prefix matches itself and
 * everything below it (`/app`, `/app/links`), not a longer name (`/apple` stays a short id).
 */
export const BASE_HOST_ONLY_PATHS: string[] = ['/api', '/docs', '/openapi.json', '/app', '/login', '/setup', '/invite', '/logout', '/auth.css', '/metrics']

let memo = { baseUrl: '', host: '' }
/** The hostname of HOKO_BASE_URL (lower-case, no port), what a link with domain '' answers on. */
export function baseHostOf(baseUrl: string): string {
  if (memo.baseUrl !== baseUrl) memo = { baseUrl, host: new URL(baseUrl).hostname }
  return memo.host
}

/** Where a link's short URL starts: HOKO_BASE_URL, or its own domain with the scheme of HOKO_BASE_URL. */
export const shortOrigin = (baseUrl: string, domain: string) => (domain === '' ? baseUrl : `${baseUrl.slice(0, baseUrl.indexOf(':'))}://${domain}`)

/** Lower-case, without port, brackets kept on an IPv6 literal, without a trailing dot. */
export function hostWithoutPort(raw: string): string {
  let end = raw.length
  if (raw.charCodeAt(0) === 91 /* [ */) end = raw.indexOf(']') + 1 || end
  else {
    const colon = raw.indexOf(':')
    if (colon >= 0) end = colon
  }
  if (raw.charCodeAt(end - 1) === 46 /* . */) end--
  return raw.slice(0, end).trim().toLowerCase()
}

/**
 * The host a request was sent to. Behind a trusted reverse proxy (HOKO_TRUST_PROXY ≥ 1) the first
 * X-Forwarded-Host, which the proxy sets to the Host it received (Caddy replaces any the client sent);
 * otherwise the Host header, which a client could set to anything and a proxy might rewrite.
 */
export function requestHost(request: Request, trustProxy: number): string {
  if (trustProxy > 0) {
    const forwarded = request.headers.get('x-forwarded-host')
    if (forwarded) {
      const comma = forwarded.indexOf(',')
      const first = comma < 0 ? forwarded : forwarded.slice(0, comma)
      if (first.trim()) return hostWithoutPort(first.trim())
    }
  }
  return hostWithoutPort(request.headers.get('host') ?? '')
}
