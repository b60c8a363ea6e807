import type { RedisClient } from 'bun'
import { type RateLimiter, type RateLimitResult, WINDOW_SECONDS } from '../http/rate-limit'
import { PREFIX, Script } from './redis'

/**
 * SlidingWindowLimiter's window (one-second buckets over the last 60 seconds, refused requests not
 * counted), as a hash of second → count per key, read and bumped in one atomic script: every
 * instance counts into the same window, and a request costs one round trip. The clock is Redis's
 * (TIME), so instances whose clocks differ a little still agree on the buckets.
 * Returns { allowed (1/0), remaining, reset (unix seconds), now (ms) }.
 */
const HIT = new Script(`
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local now = tonumber(t[1])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local buckets = redis.call('HGETALL', KEYS[1])
local used, oldest, live = 0, now, {}
for i = 1, #buckets, 2 do
  local second, count = tonumber(buckets[i]), tonumber(buckets[i + 1])
  if now - second < window then
    used = used + count
    if second < oldest then oldest = second end
    live[#live + 1] = { second, count }
  else
    redis.call('HDEL', KEYS[1], buckets[i])
  end
end
if used >= limit then
  -- The second at which enough counted requests have left the window for one more to pass.
  table.sort(live, function(a, b) return a[1] < b[1] end)
  local needed, freed, freeAt = used - limit + 1, 0, now + window
  for _, b in ipairs(live) do
    freed = freed + b[2]
    if freed >= needed then freeAt = b[1] + window break end
  end
  return { 0, 0, freeAt, nowMs }
end
redis.call('HINCRBY', KEYS[1], now, 1)
redis.call('EXPIRE', KEYS[1], window)
return { 1, limit - used - 1, oldest + window, nowMs }
`)

export class RedisWindowLimiter implements RateLimiter {
  refused = 0

  constructor(
    private readonly redis: RedisClient,
    private readonly name: string,
  ) {}

  async hit(key: string, limit: number): Promise<RateLimitResult> {
    const [allowed, remaining, reset, nowMs] = await HIT.run<number[]>(this.redis, [`${PREFIX}rl:${this.name}:${key}`], [limit, WINDOW_SECONDS])
    if (allowed === 1) return { allowed: true, limit, remaining, reset, retryAfter: 0 }
    this.refused++
    return { allowed: false, limit, remaining: 0, reset, retryAfter: Math.max(1, Math.ceil((reset * 1000 - nowMs) / 1000)) }
  }
}
