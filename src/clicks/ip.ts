import { isIP } from 'node:net'

/**
 * The visitor's address: the first X-Forwarded-For entry when Hoko runs behind a proxy that sets it
 * (HOKO_TRUST_PROXY=1), else the socket's. Trusting the header otherwise would let anyone choose
 * their own country.
 */
export function clientIp(request: Request, socketIp: () => string | undefined, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for')
    if (forwarded) {
      const comma = forwarded.indexOf(',')
      const first = (comma < 0 ? forwarded : forwarded.slice(0, comma)).trim()
      if (isIP(first)) return first
    }
  }
  // Asked only when needed: the socket address costs a call into the server.
  const ip = socketIp()
  return ip ? unmapV4(ip) : null
}

const unmapV4 = (ip: string) => (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip)

/** What is stored: IPv4 /24 (203.0.113.0), IPv6 /48 (2001:db8:1::). Never the whole address. */
export function truncateIp(ip: string | null): string | null {
  if (!ip) return null
  const kind = isIP(ip)
  if (kind === 4) return `${ip.slice(0, ip.lastIndexOf('.'))}.0`
  if (kind === 6) {
    const groups = expandV6(ip)
    return groups ? `${groups.slice(0, 3).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::` : null
  }
  return null
}

function expandV6(ip: string): string[] | null {
  const [head, tail] = ip.split('::')
  const h = head ? head.split(':') : []
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : []
  if (tail === undefined && h.length !== 8) return null
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
  return groups.length === 8 ? groups : null
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
    const first = Number.parseInt(expandV6(ip)?.[0] ?? '0', 16)
    if (ip === '::' || ip === '::1') return false
    if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00) return false
    return true
  }
  return false
}
