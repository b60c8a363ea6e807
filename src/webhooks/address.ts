import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'

/**
 * The SSRF rule of webhook deliveries: an address a webhook may not reach (without
 * HOKO_WEBHOOK_ALLOW_PRIVATE), and why; null for an ordinary public address. IPv4-mapped,
 * IPv4-compatible, NAT64 and 6to4 IPv6 forms are judged by the IPv4 address they carry.
 */
export function forbiddenReason(ip: string): string | null {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  const kind = isIP(bare)
  if (kind === 4) return v4Reason(bare.split('.').map(Number))
  if (kind === 6) return v6Reason(bare)
  return 'not an IP address'
}

function v4Reason([a, b, c, d]: number[]): string | null {
  if (a === 169 && b === 254 && c === 169 && d === 254) return 'a cloud metadata address'
  if (a === 0) return 'an unspecified address'
  if (a === 127) return 'a loopback address'
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'a private address'
  if (a === 100 && b >= 64 && b <= 127) return 'a shared (carrier-grade NAT) address'
  if (a === 169 && b === 254) return 'a link-local address'
  if (a >= 224 && a <= 239) return 'a multicast address'
  if (a >= 240) return 'a reserved address'
  if ((a === 192 && b === 0 && (c === 0 || c === 2)) || (a === 198 && (b === 18 || b === 19)) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113))
    return 'a reserved address'
  return null
}

/** The 8 groups of an IPv6 address, a trailing dotted IPv4 part included. */
function groups(ip: string): number[] {
  let text = ip.toLowerCase()
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number)
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null]
  const h = head ? head.split(':') : []
  const t = tail ? tail.split(':') : []
  const middle = tail === null ? [] : Array(8 - h.length - t.length).fill('0')
  return [...h, ...middle, ...t].map((g) => parseInt(g, 16))
}

function v6Reason(ip: string): string | null {
  const g = groups(ip)
  const embedded = () => v4Reason([g[6] >> 8, g[6] & 255, g[7] >> 8, g[7] & 255])
  if (g.slice(0, 7).every((x) => x === 0)) return g[7] === 0 ? 'an unspecified address' : g[7] === 1 ? 'a loopback address' : 'a reserved address'
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return embedded() // ::ffff:a.b.c.d
  if (g.slice(0, 6).every((x) => x === 0)) return embedded() // ::a.b.c.d (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return embedded() // NAT64
  if (g[0] === 0x2002) return v4Reason([g[1] >> 8, g[1] & 255, g[2] >> 8, g[2] & 255]) // 6to4
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && g.slice(2, 7).every((x) => x === 0) && g[7] === 0x254) return 'a cloud metadata address'
  if ((g[0] & 0xfe00) === 0xfc00) return 'a unique-local (private) address'
  if ((g[0] & 0xffc0) === 0xfe80 || (g[0] & 0xffc0) === 0xfec0) return 'a link-local address'
  if ((g[0] & 0xff00) === 0xff00) return 'a multicast address'
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'a reserved address'
  return null
}

export type Target = { address: string; refused?: undefined } | { refused: string; address?: undefined }

/**
 * Where a delivery to `url` connects: its host resolved now (not when the webhook was saved: DNS
 * may have changed since), every address checked, and one of them used, so that nothing can
 * resolve differently between the check and the connection.
 */
export async function resolveTarget(url: URL, allowPrivate: boolean): Promise<Target> {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  let addresses: string[]
  if (isIP(host)) addresses = [host]
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)
    } catch (e) {
      return { refused: `${host} could not be resolved (${(e as { code?: string }).code ?? String(e)})` }
    }
    if (addresses.length === 0) return { refused: `${host} has no address` }
  }
  if (!allowPrivate)
    for (const a of addresses) {
      const reason = forbiddenReason(a)
      if (reason) return { refused: `${host === a ? a : `${host} resolves to ${a}`}, ${reason}: refused (HOKO_WEBHOOK_ALLOW_PRIVATE=1 allows it)` }
    }
  // IPv4 first, as Node did before `verbatim`: a local receiver often listens on 127.0.0.1 only.
  return { address: addresses.find((a) => isIP(a) === 4) ?? addresses[0] }
}
