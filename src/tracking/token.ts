import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { Lru } from '../lru'

/** How long a page has to send its capture request after loading the script. */
export const TOKEN_TTL_MS = 5 * 60_000

type Claims = { l: string; h: string; e: number; n: string }

/** Used nonces: in this process (below), or in Redis for every instance (src/cluster/capture-nonces.ts). */
export type UsedNonces = {
  /** True the first time a nonce is claimed; it is remembered until `expiresAt` (ms since the epoch). */
  claim(nonce: string, expiresAt: number): boolean | Promise<boolean>
}

/** In memory: a restart forgets them (but not the tokens' expiry), and another instance never knew them. */
export class MemoryNonces implements UsedNonces {
  private readonly used = new Lru<string, number>(200_000)

  claim(nonce: string, expiresAt: number): boolean {
    if (this.used.get(nonce) !== undefined) return false
    this.used.set(nonce, expiresAt)
    return true
  }
}

/**
 * Capture tokens of embedded click tracking: HMAC-SHA256 (HOKO_SECRET) over the link, the verified
 * page origin (scheme, host and port: see origin.ts), an expiry and a nonce. Each nonce is accepted once; used nonces are remembered until
 * their token has expired (see UsedNonces).
 */
export class CaptureTokens {
  constructor(
    private readonly secret: string,
    private readonly used: UsedNonces = new MemoryNonces(),
  ) {}

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url')
  }

  issue(linkId: string, origin: string, now = Date.now()): string {
    const claims: Claims = { l: linkId, h: origin, e: now + TOKEN_TTL_MS, n: randomBytes(12).toString('base64url') }
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url')
    return `${payload}.${this.sign(payload)}`
  }

  /** The page origin the token was issued for, once; null when forged, expired, for another link, or used. */
  redeem(token: string, linkId: string, now = Date.now()): string | null | Promise<string | null> {
    const [payload, signature, extra] = token.split('.')
    if (!payload || !signature || extra !== undefined) return null
    const expected = Buffer.from(this.sign(payload))
    const given = Buffer.from(signature)
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null
    let claims: Claims
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    } catch {
      return null
    }
    if (claims.l !== linkId || typeof claims.e !== 'number' || claims.e <= now || typeof claims.h !== 'string') return null
    if (typeof claims.n !== 'string') return null
    const fresh = this.used.claim(claims.n, claims.e)
    return fresh instanceof Promise ? fresh.then((ok) => (ok ? claims.h : null)) : fresh ? claims.h : null
  }
}
