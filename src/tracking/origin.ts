/**
 * Which pages may embed a link's click tracking, decided on origins parsed by the WHATWG URL parser —
 * the one browsers use — never on a host cut out of the raw text by a pattern, which a parser reads
 * differently (`https://evil.com\@shop.example.com/` is evil.com to a browser).
 *
 * A page qualifies when, against the link's destination URL:
 * - its host is the destination's, or the www. twin of it (either way round), compared exactly as
 *   parsed: lower case, punycode, and a trailing dot kept, so `shop.example.com.` is another host;
 * - its port is the destination's (both written as parsed: none means the scheme's default);
 * - its scheme is the destination's, except that an https page may embed an http destination's link
 *   (an upgrade; an http page never gets a token for an https destination: anyone on its network path
 *   could rewrite it).
 * Refused outright, before parsing: user-info (`user@`, even empty), backslashes, whitespace and control
 * characters, anything but http and https (so `null`, the Origin of sandboxed pages).
 */

const UNSAFE = /[\\\s\u0000-\u001f\u007f]/
const USER_INFO = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i

/** The URL of a page as the browser would load it, or null for any form this module refuses. */
export function pageUrl(raw: string | null | undefined): URL | null {
  if (!raw || raw.length > 4096 || UNSAFE.test(raw) || USER_INFO.test(raw)) return null
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return null
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
  if (url.username !== '' || url.password !== '' || url.hostname === '') return null
  return url
}

/** Whether a page at `page` may embed click tracking for a link to `destination` (see above). */
export function onDestination(page: URL, destination: URL): boolean {
  const scheme = page.protocol === destination.protocol || (page.protocol === 'https:' && destination.protocol === 'http:')
  const host = page.hostname, dest = destination.hostname
  const sameHost = host === dest || host === `www.${dest}` || `www.${host}` === dest
  return scheme && sameHost && page.port === destination.port
}
