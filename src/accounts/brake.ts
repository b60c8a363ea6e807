import { addressBlock } from '../clicks/ip'
import { Lru } from '../lru'

/** Failures allowed before waits begin; failures are forgotten this long after the last wait ends. */
export const FREE_FAILURES = 5
export const WINDOW_MS = 15 * 60_000
export const MAX_WAIT_MS = 15 * 60_000

type Failures = { count: number; last: number }

/**
 * The brake's interface: this process's LoginBrake, or the same rules in Redis (src/cluster/brakes.ts).
 * An attempt let through is counted as a failure in the same step as the check: checking a password
 * takes a while (argon2), and a burst of attempts checked before any of them was counted would all get
 * past the brake. A right password then takes its count back (`succeed`); a wrong one is already counted.
 */
export type LoginBrakeStore = {
  /** Seconds to wait, or 0 when the attempt may be made now (and is then counted). */
  attempt(ip: string | null, email: string, now: number): number | Promise<number>
  succeed(ip: string | null, email: string): void | Promise<void>
}

/**
 * Login brake, per address (an IPv4 address or IPv6 /64) and per account (the email as typed,
 * known or not, so the brake tells nothing about which emails exist). After 5 failures within 15
 * minutes each further attempt must wait 2, 4, 8 … seconds after the last failure, at most 15
 * minutes; an attempt before then is refused without checking the password. Failures are
 * forgotten 15 quiet minutes after the last wait ended.
 */
export class LoginBrake implements LoginBrakeStore {
  private readonly byAddress = new Lru<string, Failures>(100_000)
  private readonly byAccount = new Lru<string, Failures>(100_000)

  attempt(ip: string | null, email: string, now: number): number {
    const address = addressBlock(ip)
    const seconds = Math.max(wait(this.byAddress.get(address), now), wait(this.byAccount.get(email), now))
    if (seconds > 0) return seconds
    bump(this.byAddress, address, now)
    bump(this.byAccount, email, now)
    return 0
  }

  /**
   * A success clears the account's failures; the address only loses the count of this attempt (one
   * account must not reset the failures of others from the same address).
   */
  succeed(ip: string | null, email: string): void {
    this.byAccount.delete(email)
    const f = this.byAddress.get(addressBlock(ip))
    if (f && f.count > 0) f.count--
  }
}

/** How long after its last failure a record makes attempts wait. */
const waitMs = (count: number) => (count < FREE_FAILURES ? 0 : Math.min(2 ** (count - FREE_FAILURES + 1) * 1000, MAX_WAIT_MS))
const forgotten = (f: Failures, now: number) => now - f.last >= waitMs(f.count) + WINDOW_MS

function wait(f: Failures | undefined, now: number): number {
  if (!f || forgotten(f, now)) return 0
  return Math.max(0, Math.ceil((f.last + waitMs(f.count) - now) / 1000))
}

function bump(map: Lru<string, Failures>, key: string, now: number) {
  const f = map.get(key)
  if (!f || forgotten(f, now)) map.set(key, { count: 1, last: now })
  else {
    f.count++
    f.last = now
  }
}
