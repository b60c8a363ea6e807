import { isIP } from 'node:net'

/**
 * The visitor's address. Behind `trustedHops` reverse proxies (HOKO_TRUST_PROXY=N), the X-Forwarded-For
 * entry N places from the right: each proxy appends the address it was reached from, so the right-most
 * N entries are written by proxies Hoko trusts and everything left of them by the client, who can
 * write anything. Otherwise, and when the header is missing or that entry is no address, the socket's.
 */
export function clientIp(request: Request, socketIp: () => string | undefined, trustedHops: number): string | null {
  if (trustedHops > 0) {
    // Several header lines arrive joined with commas, in order, so the last line's last entry stays last.
    const forwarded = request.headers.get('x-forwarded-for')
    const entry = forwarded ? entryFromRight(forwarded, trustedHops) : undefined
    const ip = entry ? parseIp(entry) : null
    if (ip) return ip
  }
  // Asked only when needed: the socket address costs a call into the server.
  const ip = socketIp()
  return ip ? parseIp(ip) : null
}

/**
 * The n-th non-empty entry from the right, or the left-most when there are fewer: a request that went
 * through all n proxies always has n entries, so a shorter header skipped a proxy, and its sender could as
 * well have padded it to n; the left-most is then the best guess, and better than the socket, which is a
 * proxy shared by every visitor.
 */
function entryFromRight(header: string, n: number): string | undefined {
  let found: string | undefined
  let seen = 0
  for (let end = header.length; end > 0; ) {
    const comma = header.lastIndexOf(',', end - 1)
    const entry = header.slice(comma + 1, end).trim()
    if (entry) {
      found = entry
      if (++seen === n) return entry
    }
    end = comma
  }
  return found
}

/**
 * One spelling per address: IPv4 dotted (also when written IPv4-mapped, `::ffff:203.0.113.7`), IPv6 in
 * lower case; a port some proxies add (`203.0.113.7:51234`, `[2001:db8::1]:443`) and brackets removed.
 * Null when it is not an address (`unknown`, an RFC 7239 obfuscated name, a zone index).
 */
export function parseIp(raw: string): string | null {
  let s = raw.trim()
  const bracketed = /^\[([^\]]*)\](?::\d{1,5})?$/.exec(s)
  if (bracketed) s = bracketed[1]
  else if (/^[\d.]+:\d{1,5}$/.test(s)) s = s.slice(0, s.indexOf(':'))
  const kind = isIP(s)
  if (kind === 4) return s
  if (kind !== 6 || s.includes('%')) return null
  s = s.toLowerCase()
  const g = v6Groups(s)
  if (!g) return null
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff)
    return `${g[6] >> 8}.${g[6] & 0xff}.${g[7] >> 8}.${g[7] & 0xff}`
  return s
}

/**
 * What the brakes count: one IPv4 address, or one IPv6 /64. A single subscriber or server is usually
 * given a whole /64 and can use any of its 2^64 addresses, so counting whole IPv6 addresses would let one
 * attacker look like endless visitors.
 */
export function addressBlock(ip: string | null): string {
  const parsed = ip ? parseIp(ip) : null
  if (!parsed) return 'unknown'
  if (isIP(parsed) === 4) return parsed
  const g = v6Groups(parsed)!
  return `${g.slice(0, 4).map((n) => n.toString(16)).join(':')}::/64`
}

/** The eight 16-bit groups of a valid IPv6 address, an embedded IPv4 tail included. */
function v6Groups(ip: string): number[] | null {
  let text = ip
  const dot = text.lastIndexOf(':')
  const tail = text.slice(dot + 1)
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number)
    text = `${text.slice(0, dot + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, rest] = text.split('::')
  const h = head ? head.split(':') : []
  const t = rest !== undefined ? (rest ? rest.split(':') : []) : []
  const missing = 8 - h.length - t.length
  if (missing < 0) return null
  const groups = [...h, ...Array(missing).fill('0'), ...t].map((x) => Number.parseInt(x, 16))
  return groups.length === 8 && groups.every((x) => x >= 0 && x <= 0xffff) ? groups : null
}

/** What is stored: IPv4 /24 (203.0.113.0), IPv6 /48 (2001:db8:1::). Never the whole address. */
export function truncateIp(ip: string | null): string | null {
  if (!ip) return null
  const kind = isIP(ip)
  if (kind === 4) return `${ip.slice(0, ip.lastIndexOf('.'))}.0`
  if (kind === 6) {
    const groups = v6Groups(ip)
    return groups ? `${groups.slice(0, 3).map((g) => g.toString(16)).join(':')}::` : null
  }
  return null
}

/** Private, loopback, link-local and other non-routable addresses have no location. */
export function isPublicIp(ip: string): boolean {
  const kind = isIP(ip)
  if (kind === 4) {
    const [a, b] = ip.split('.').map(Number)
    return !(
      a === 0 ||
      a === 10 ||
      a === 127 ||
      a >= 224 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 192 && b === 0) ||
      (a === 198 && (b === 18 || b === 19))
    )
  }
  if (kind === 6) {
    const first = v6Groups(ip)?.[0] ?? 0
    if (ip === '::' || ip === '::1') return false
    if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00) return false
    return true
  }
  return false
}
