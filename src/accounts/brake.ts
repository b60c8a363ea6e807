import { addressBlock } from '../clicks/ip'
import { Lru } from '../lru'

/** Failures allowed before waits begin; failures are forgotten after this long without one. */
export const FREE_FAILURES = 5
export const WINDOW_MS = 15 * 60_000
const MAX_WAIT_MS = 15 * 60_000

type Failures = { count: number; last: number }

/**
 * Login brake, per address (an IPv4 address or IPv6 /64) and per account (the email as typed,
 * known or not, so the brake tells nothing about which emails exist). After 5 failures within 15
 * minutes each further attempt must wait 2, 4, 8 … seconds after the last failure, at most 15
 * minutes; an attempt before then is refused without checking the password.
 */
export class LoginBrake {
  private readonly byAddress = new Lru<string, Failures>(100_000)
  private readonly byAccount = new Lru<string, Failures>(100_000)

  /** Seconds to wait, or 0 when an attempt may be made now. */
  waitFor(ip: string | null, email: string, now: number): number {
    return Math.max(wait(this.byAddress.get(addressBlock(ip)), now), wait(this.byAccount.get(email), now))
  }

  fail(ip: string | null, email: string, now: number): void {
    bump(this.byAddress, addressBlock(ip), now)
    bump(this.byAccount, email, now)
  }

  /** A success clears the account's failures; the address keeps its own (one account must not reset them for others). */
  succeed(email: string): void {
    this.byAccount.delete(email)
  }
}

function wait(f: Failures | undefined, now: number): number {
  if (!f || f.count < FREE_FAILURES || now - f.last >= WINDOW_MS) return 0
  const ms = Math.min(2 ** (f.count - FREE_FAILURES + 1) * 1000, MAX_WAIT_MS)
  return Math.max(0, Math.ceil((f.last + ms - now) / 1000))
}

function bump(map: Lru<string, Failures>, key: string, now: number) {
  const f = map.get(key)
  if (!f || now - f.last >= WINDOW_MS) map.set(key, { count: 1, last: now })
  else {
    f.count++
    f.last = now
  }
}
