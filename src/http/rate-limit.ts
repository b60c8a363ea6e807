import { Lru } from '../lru'

/**
 * Per-workspace sliding window over the last 60 seconds, kept as 60 one-second buckets: constant
 * memory per workspace and exact to the second, unlike a fixed window that lets a burst at the end
 * of one minute and another at the start of the next both through.
 */
export const WINDOW_SECONDS = 60

type Window = { counts: Int32Array; seconds: Float64Array }

export type RateLimitResult = {
  allowed: boolean
  limit: number
  remaining: number
  /** Unix seconds at which the oldest request still counted leaves the window. */
  reset: number
  /** Whole seconds to wait before a request can pass (0 when allowed). */
  retryAfter: number
}

/**
 * A per-key limit: this process's SlidingWindowLimiter, or the same window kept in Redis for every
 * instance (src/cluster/rate-limit.ts), whose answer comes back as a promise.
 */
export type RateLimiter = {
  hit(key: string, limit: number): RateLimitResult | Promise<RateLimitResult>
  /** Requests refused by this instance since start (for /metrics). */
  readonly refused: number
}

export class SlidingWindowLimiter implements RateLimiter {
  private readonly windows: Lru<string, Window>
  /** Requests refused since start (for /metrics). */
  refused = 0

  /**
   * `maxKeys` bounds memory where keys come from outside (client addresses): the least recently seen
   * key is forgotten first, which only ever gives that key a fresh window.
   */
  constructor(
    private readonly clock: () => number = Date.now,
    maxKeys = Number.POSITIVE_INFINITY,
  ) {
    this.windows = new Lru(maxKeys)
  }

  hit(key: string, limit: number): RateLimitResult {
    const nowMs = this.clock()
    const now = Math.floor(nowMs / 1000)
    let w = this.windows.get(key)
    if (!w) {
      w = { counts: new Int32Array(WINDOW_SECONDS), seconds: new Float64Array(WINDOW_SECONDS).fill(-Infinity) }
      this.windows.set(key, w)
    }
    let used = 0
    let oldest = now
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      if (now - w.seconds[i] < WINDOW_SECONDS && w.counts[i] > 0) {
        used += w.counts[i]
        if (w.seconds[i] < oldest) oldest = w.seconds[i]
      }
    }

    if (used >= limit) {
      this.refused++
      const freeAt = this.secondWhenFree(w, now, used - limit + 1)
      return {
        allowed: false,
        limit,
        remaining: 0,
        reset: freeAt,
        retryAfter: Math.max(1, Math.ceil((freeAt * 1000 - nowMs) / 1000)),
      }
    }

    const slot = now % WINDOW_SECONDS
    if (w.seconds[slot] !== now) {
      w.seconds[slot] = now
      w.counts[slot] = 0
    }
    w.counts[slot]++
    return { allowed: true, limit, remaining: limit - used - 1, reset: oldest + WINDOW_SECONDS, retryAfter: 0 }
  }

  /** The second at which at least `needed` of the counted requests have left the window. */
  private secondWhenFree(w: Window, now: number, needed: number): number {
    const live: number[] = []
    for (let i = 0; i < WINDOW_SECONDS; i++) if (now - w.seconds[i] < WINDOW_SECONDS && w.counts[i] > 0) live.push(i)
    live.sort((a, b) => w.seconds[a] - w.seconds[b])
    let freed = 0
    for (const i of live) {
      freed += w.counts[i]
      if (freed >= needed) return w.seconds[i] + WINDOW_SECONDS
    }
    return now + WINDOW_SECONDS
  }
}
