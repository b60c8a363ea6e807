import type { RedisClient } from 'bun'
import { FREE_FAILURES, type LoginBrakeStore, MAX_WAIT_MS, wait, WINDOW_MS as LOGIN_WINDOW_MS } from '../accounts/brake'
import { addressBlock } from '../clicks/ip'
import { keyOf, MAX_FAILURES, type PasswordBrake, WINDOW_MS as PASSWORD_WINDOW_MS } from '../redirect/password-guard'
import { PREFIX, Script } from './redis'

/** A hash field as read back: absent (null) once the record has expired, which is when it is forgotten. */
const number = (s: string | null) => (s === null ? undefined : Number(s))

/**
 * LoginBrake's bump, atomic over both records (address and account): a record forgotten (or never
 * made) starts again at 1. Each expires when LoginBrake would forget it: its wait plus the window
 * after the last failure.
 */
const LOGIN_FAIL = new Script(`
local now, free, maxWait, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local function waitMs(count)
  if count < free then return 0 end
  return math.min(2 ^ (count - free + 1) * 1000, maxWait)
end
for _, key in ipairs(KEYS) do
  local f = redis.call('HMGET', key, 'count', 'last')
  local count, last = tonumber(f[1]), tonumber(f[2])
  if not count or now - last >= waitMs(count) + window then count = 1 else count = count + 1 end
  redis.call('HSET', key, 'count', count, 'last', now)
  redis.call('PEXPIRE', key, waitMs(count) + window)
end
return 0
`)

/** The login brake of src/accounts/brake.ts in Redis: every instance counts, and a restart forgets nothing. */
export class RedisLoginBrake implements LoginBrakeStore {
  constructor(private readonly redis: RedisClient) {}

  private readonly address = (ip: string | null) => `${PREFIX}brake:login:address:${addressBlock(ip)}`
  private readonly account = (email: string) => `${PREFIX}brake:login:account:${email}`

  private async read(key: string) {
    const [count, last] = await this.redis.hmget(key, ['count', 'last'])
    const c = number(count)
    return c === undefined ? undefined : { count: c, last: Number(last) }
  }

  async waitFor(ip: string | null, email: string, now: number): Promise<number> {
    // Sent together: Bun pipelines them, one round trip.
    const [byAddress, byAccount] = await Promise.all([this.read(this.address(ip)), this.read(this.account(email))])
    return Math.max(wait(byAddress, now), wait(byAccount, now))
  }

  async fail(ip: string | null, email: string, now: number): Promise<void> {
    await LOGIN_FAIL.run(this.redis, [this.address(ip), this.account(email)], [now, FREE_FAILURES, MAX_WAIT_MS, LOGIN_WINDOW_MS])
  }

  async succeed(email: string): Promise<void> {
    await this.redis.del(this.account(email))
  }
}

/**
 * PasswordGuard's rule, with each attempt counted as a failure when it is let through, in the same
 * atomic step as the check: instances answer attempts concurrently, and a burst of guesses checked
 * before any of them was counted would get past the 5. A right password then clears the record
 * (`succeed`), a wrong one is already counted (`fail`). A record older than the window starts again
 * at 1 and expires with its window. Returns the seconds to wait, 0 when the attempt may be made.
 */
const PASSWORD_ATTEMPT = new Script(`
local now, window, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local f = redis.call('HMGET', KEYS[1], 'count', 'since')
local count, since = tonumber(f[1]), tonumber(f[2])
if not count or now - since >= window then
  redis.call('HSET', KEYS[1], 'count', 1, 'since', now)
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
if count >= max then return math.ceil((since + window - now) / 1000) end
redis.call('HINCRBY', KEYS[1], 'count', 1)
return 0
`)

/** The password brake of src/redirect/password-guard.ts in Redis. */
export class RedisPasswordBrake implements PasswordBrake {
  constructor(private readonly redis: RedisClient) {}

  private readonly key = (ip: string | null, linkId: string) => `${PREFIX}brake:password:${keyOf(ip, linkId)}`

  blockedFor(ip: string | null, linkId: string, now: number): Promise<number> {
    return PASSWORD_ATTEMPT.run<number>(this.redis, [this.key(ip, linkId)], [now, PASSWORD_WINDOW_MS, MAX_FAILURES])
  }

  /** Counted already, when the attempt was let through. */
  async fail(): Promise<void> {}

  async succeed(ip: string | null, linkId: string): Promise<void> {
    await this.redis.del(this.key(ip, linkId))
  }
}
