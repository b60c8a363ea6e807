import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { SlidingWindowLimiter } from '../src/http/rate-limit'
import { expectBilingual, removeDir, startServer, type TestServer } from './harness'

describe('sliding window', () => {
  test('counts the last 60 seconds, not the calendar minute: a burst across a minute boundary is refused', () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 50) // 12:00:50
    const rl = new SlidingWindowLimiter(() => now)
    for (let i = 0; i < 5; i++) expect(rl.hit('ws', 5).allowed).toBe(true)
    expect(rl.hit('ws', 5).allowed).toBe(false)
    // 12:01:05 — a fixed per-minute window would have reset at 12:01:00 and allowed 5 more.
    now = Date.UTC(2026, 0, 1, 12, 1, 5)
    const refused = rl.hit('ws', 5)
    expect(refused.allowed).toBe(false)
    expect(refused.remaining).toBe(0)
    // The five requests of 12:00:50 leave the window at 12:01:50.
    expect(refused.reset).toBe(Date.UTC(2026, 0, 1, 12, 1, 50) / 1000)
    expect(refused.retryAfter).toBe(45)
    now = Date.UTC(2026, 0, 1, 12, 1, 50)
    expect(rl.hit('ws', 5)).toMatchObject({ allowed: true, remaining: 4 })
  })

  test('requests spread over the window free their slots one second at a time', () => {
    let now = 1_000_000_000_000
    const rl = new SlidingWindowLimiter(() => now)
    for (let i = 0; i < 3; i++) {
      expect(rl.hit('ws', 3).allowed).toBe(true)
      now += 20_000
    }
    // t=60s: the first request (t=0) has just left, the others (20s, 40s) are still counted.
    expect(rl.hit('ws', 3)).toMatchObject({ allowed: true, remaining: 0 })
    const refused = rl.hit('ws', 3)
    expect(refused.allowed).toBe(false)
    expect(refused.reset).toBe((1_000_000_000_000 + 80_000) / 1000)
    expect(refused.retryAfter).toBe(20)
  })

  test('refused requests do not count, and each key has its own window', () => {
    let now = 5_000_000
    const rl = new SlidingWindowLimiter(() => now)
    expect(rl.hit('a', 1).allowed).toBe(true)
    for (let i = 0; i < 10; i++) expect(rl.hit('a', 1).allowed).toBe(false)
    expect(rl.hit('b', 1).allowed).toBe(true)
    now += 60_000
    expect(rl.hit('a', 1).allowed).toBe(true)
  })

  test('retryAfter is at least one second', () => {
    const now = 7_000_999 // just before a second boundary
    const rl = new SlidingWindowLimiter(() => now)
    rl.hit('a', 1)
    expect(rl.hit('a', 1).retryAfter).toBeGreaterThanOrEqual(1)
  })
})

describe('sliding window with outside keys', () => {
  test('keeps at most maxKeys windows: the least recently seen key is forgotten, which only frees it', () => {
    const rl = new SlidingWindowLimiter(() => 1_000_000_000_000, 2)
    expect(rl.hit('a', 1).allowed).toBe(true)
    expect(rl.hit('a', 1).allowed).toBe(false)
    expect(rl.hit('b', 1).allowed).toBe(true)
    expect(rl.hit('a', 1).allowed).toBe(false)
    // c pushes out b, the least recently seen; a is still counted.
    expect(rl.hit('c', 1).allowed).toBe(true)
    expect(rl.hit('a', 1).allowed).toBe(false)
    expect(rl.hit('b', 1).allowed).toBe(true)
  })
})

describe('rate limits over HTTP', () => {
  let s: TestServer
  beforeAll(async () => {
    s = await startServer({ env: { HOKO_RATE_LIMIT: '7' } })
    s.cliJson(['workspace', 'create', '--name', 'Tiny', '--slug', 'tiny', '--rate-limit', '3'])
  })
  afterAll(async () => {
    await s.stop()
    removeDir(s.dir)
  })

  test('HOKO_RATE_LIMIT is the default limit and every authenticated response carries the headers', async () => {
    const res = await s.api('/api/__probe')
    expect(res.status).toBe(404)
    expect(res.headers.get('x-ratelimit-limit')).toBe('7')
    expect(res.headers.get('x-ratelimit-remaining')).toBe('6')
    const reset = Number(res.headers.get('x-ratelimit-reset'))
    const now = Date.now() / 1000
    expect(reset).toBeGreaterThan(now + 58)
    expect(reset).toBeLessThanOrEqual(now + 61)
  })

  test('all keys of a workspace share one pool; over it a 429 with retryAfter and Retry-After', async () => {
    const k1 = s.newKey('all', 'tiny')
    const k2 = s.newKey('linksRead', 'tiny')
    const remaining: string[] = []
    for (const key of [k1, k2, k1]) {
      const res = await s.api('/api/__probe', { key })
      expect(res.headers.get('x-ratelimit-limit')).toBe('3')
      remaining.push(res.headers.get('x-ratelimit-remaining')!)
    }
    expect(remaining).toEqual(['2', '1', '0'])

    const res = await s.api('/api/__probe', { key: k2 })
    expect(res.status).toBe(429)
    const body = await res.json()
    expect(body.error).toEqual({ en: 'Rate limit exceeded', ar: 'تم تجاوز حد المعدل' })
    expectBilingual(body)
    expect(Number.isInteger(body.retryAfter)).toBe(true)
    expect(body.retryAfter).toBeGreaterThanOrEqual(1)
    expect(body.retryAfter).toBeLessThanOrEqual(60)
    expect(res.headers.get('retry-after')).toBe(String(body.retryAfter))
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000))

    // The default workspace is untouched by tiny's traffic.
    const other = await s.api('/api/__probe')
    expect(other.status).toBe(404)
  })

  test('one key written in any accepted form counts against the same pool', async () => {
    s.cliJson(['workspace', 'create', '--name', 'Forms', '--slug', 'forms', '--rate-limit', '4'])
    const k = s.newKey('all', 'forms')
    const forms = [`Bearer ${k}`, k, `bearer   ${k}`, `  BEARER ${k}  `]
    const remaining: string[] = []
    for (const authorization of forms) {
      const res = await s.api('/api/__probe', { key: null, headers: { authorization } })
      remaining.push(res.headers.get('x-ratelimit-remaining')!)
    }
    expect(remaining).toEqual(['3', '2', '1', '0'])
    for (const authorization of forms) expect((await s.api('/api/__probe', { key: null, headers: { authorization } })).status).toBe(429)
  })

  test('the plan sets the limit when the workspace has no explicit one', async () => {
    s.cliJson(['workspace', 'create', '--name', 'Free one', '--plan', 'free'])
    const key = s.newKey('all', 'free-one')
    const res = await s.api('/api/__probe', { key })
    expect(res.headers.get('x-ratelimit-limit')).toBe('60')
  })

  test('the limiter stays exact under parallel requests', async () => {
    s.cliJson(['workspace', 'create', '--name', 'Parallel', '--rate-limit', '25'])
    const key = s.newKey('all', 'parallel')
    const statuses = await Promise.all(Array.from({ length: 60 }, () => s.api('/api/__probe', { key }).then((r) => r.status)))
    expect(statuses.filter((x) => x === 404)).toHaveLength(25)
    expect(statuses.filter((x) => x === 429)).toHaveLength(35)
  })
})
