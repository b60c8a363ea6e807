import type { RedisClient } from 'bun'
import { FREE_FAILURES, type LoginBrakeStore, MAX_WAIT_MS, WINDOW_MS as LOGIN_WINDOW_MS } from '../accounts/brake'
import { addressBlock } from '../clicks/ip'
import { keyOf, MAX_FAILURES, type PasswordBrake, WINDOW_MS as PASSWORD_WINDOW_MS } from '../redirect/password-guard'
import { PREFIX, Script } from './redis'

/**
 * LoginBrake.attempt, atomic over both records (address and account): the seconds to wait when
 * either record makes attempts wait (nothing counted then); otherwise the attempt is counted in both
 * (a record forgotten, or never made, starts again at 1) and 0 returned. Each record expires when
 * LoginBrake would forget it: its wait plus the window after the last failure.
 */
const LOGIN_ATTEMPT = new Script(`
local now, free, maxWait, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local function waitMs(count)
  if count < free then return 0 end
  return math.min(2 ^ (count - free + 1) * 1000, maxWait)
end
local records, seconds = {}, 0
for i, key in ipairs(KEYS) do
  local f = redis.call('HMGET', key, 'count', 'last')
  local count, last = tonumber(f[1]), tonumber(f[2])
  if count and now - last >= waitMs(count) + window then count = nil end
  records[i] = count
  if count then seconds = math.max(seconds, math.ceil((last + waitMs(count) - now) / 1000)) end
end
if seconds > 0 then return seconds end
for i, key in ipairs(KEYS) do
  local count = (records[i] or 0) + 1
  redis.call('HSET', key, 'count', count, 'last', now)
  redis.call('PEXPIRE', key, waitMs(count) + window)
end
return 0
`)

/** The address record gives back one counted attempt (a right password), if it still exists. */
const LOGIN_GIVE_BACK = new Script(`
if redis.call('HGET', KEYS[1], 'count') then redis.call('HINCRBY', KEYS[1], 'count', -1) end
redis.call('DEL', KEYS[2])
return 0
`)

/** The login brake of src/accounts/brake.ts in Redis: every instance counts, and a restart forgets nothing. */
export class RedisLoginBrake implements LoginBrakeStore {
  constructor(private readonly redis: RedisClient) {}

  private readonly address = (ip: string | null) => `${PREFIX}brake:login:address:${addressBlock(ip)}`
  private readonly account = (email: string) => `${PREFIX}brake:login:account:${email}`

  attempt(ip: string | null, email: string, now: number): Promise<number> {
    return LOGIN_ATTEMPT.run<number>(this.redis, [this.address(ip), this.account(email)], [now, FREE_FAILURES, MAX_WAIT_MS, LOGIN_WINDOW_MS])
  }

  async succeed(ip: string | null, email: string): Promise<void> {
    await LOGIN_GIVE_BACK.run(this.redis, [this.address(ip), this.account(email)], [])
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
