import { addressBlock } from '../clicks/ip'
import { Lru } from '../lru'

export const MAX_FAILURES = 5
export const WINDOW_MS = 15 * 60_000

/**
 * The brake's interface: this process's PasswordGuard, or the same rule in Redis (src/cluster/brakes.ts).
 * When `blockedFor` says 0, the attempt is checked and exactly one of `fail` and `succeed` follows.
 */
export type PasswordBrake = {
  blockedFor(ip: string | null, linkId: string, now: number): number | Promise<number>
  fail(ip: string | null, linkId: string, now: number): void | Promise<void>
  succeed(ip: string | null, linkId: string): void | Promise<void>
}

/**
 * Brute-force brake for password-protected links: after 5 wrong passwords from one address for one
 * link within 15 minutes, further attempts are refused until the window passes. An IPv6 "address" here
 * is its /64 (see addressBlock), so rotating through one subscriber's addresses does not reset it.
 */
export class PasswordGuard implements PasswordBrake {
  private readonly failures = new Lru<string, { count: number; since: number }>(50_000)

  /** Seconds to wait, or 0 when an attempt may be made. */
  blockedFor(ip: string | null, linkId: string, now = Date.now()): number {
    const f = this.failures.get(keyOf(ip, linkId))
    if (!f || now - f.since >= WINDOW_MS || f.count < MAX_FAILURES) return 0
    return Math.ceil((f.since + WINDOW_MS - now) / 1000)
  }

  fail(ip: string | null, linkId: string, now = Date.now()): void {
    const key = keyOf(ip, linkId)
    const f = this.failures.get(key)
    if (!f || now - f.since >= WINDOW_MS) this.failures.set(key, { count: 1, since: now })
    else f.count++
  }

  succeed(ip: string | null, linkId: string): void {
    this.failures.delete(keyOf(ip, linkId))
  }
}

export const keyOf = (ip: string | null, linkId: string) => `${addressBlock(ip)}|${linkId}`
