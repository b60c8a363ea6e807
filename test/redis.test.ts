import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expectBilingual, removeDir, ROOT, startServer, type TestServer, UA } from './harness'
import { haveRedis, startRedis, type TestRedis } from './redis'

setDefaultTimeout(20_000)

/**
 * Two `hoko serve` processes on one SQLite file and one private Redis: what they must agree on
 * (rate limits, brakes, used capture tokens, link cache) holds across both and across a restart.
 *
 * HOKO_COHERENCE_MS is an hour on both: the SQLite check (data_version) that also makes instances on
 * one file notice each other's link writes then looks once at start and not again, so only Redis
 * pub/sub can bring a link change to the other instance within a second. A third instance without
 * Redis, same knob, shows that the check alone would not.
 */
const HOUR = '3600000'

let redis: TestRedis
let a: TestServer
let b: TestServer
let dir: string
/** The shared PostgreSQL database (HOKO_TEST_ENGINE=pg); on SQLite, `dir` holds the shared file. */
let databaseUrl: string | undefined
let key: string
let collectionId: string
const same = (): Record<string, string> => (databaseUrl ? { HOKO_DATABASE_URL: databaseUrl } : {})
const env = () => ({ HOKO_REDIS_URL: redis.url, HOKO_COHERENCE_MS: HOUR, HOKO_TRUST_PROXY: '1', ...same() })
// Only the first start of a database prints its key: every instance, restarted ones too, uses that one.
const api = (s: TestServer, path: string, init: Parameters<TestServer['api']>[1] = {}) => s.api(path, { key, ...init })

describe.skipIf(!haveRedis)('two instances, one database, one Redis', () => {
  beforeAll(async () => {
    redis = await startRedis()
    a = await startServer({ env: env() })
    ;({ dir, key, databaseUrl } = a)
    b = await startServer({ dir, env: env() })
    ;[{ id: collectionId }] = await (await api(a, '/api/collections', { method: 'POST', json: [{ name: 'c' }] })).json()
  })

  afterAll(async () => {
    await a?.stop()
    await b?.stop()
    await redis?.stop()
    if (dir) removeDir(dir)
  })

  const newLink = async (fields: Record<string, unknown>) => {
    const res = await api(a, '/api/links', { method: 'POST', json: [{ collectionId, ...fields }] })
    expect(res.status).toBe(201)
    return (await res.json())[0]
  }

  const restartA = async () => {
    await a.stop()
    a = await startServer({ dir, env: env() })
  }

  describe('the per-workspace API rate limit', () => {
    test('holds across instances: requests alternating between them share one window of N', async () => {
      a.cliJson(['workspace', 'create', '--name', 'Tiny', '--slug', 'tiny', '--rate-limit', '5'])
      const key = a.newKey('all', 'tiny')
      const answers: Response[] = []
      for (let i = 0; i < 12; i++) answers.push(await (i % 2 === 0 ? a : b).api('/api/links', { key }))
      const allowed = answers.filter((r) => r.status === 200)
      // Two separate in-memory windows would have let 10 through.
      expect(allowed).toHaveLength(5)
      expect(allowed.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['4', '3', '2', '1', '0'])
      expect(answers.slice(0, 5).every((r) => r.status === 200)).toBe(true)

      for (const refused of answers.slice(5)) {
        expect(refused.status).toBe(429)
        expect(refused.headers.get('x-ratelimit-limit')).toBe('5')
        expect(refused.headers.get('x-ratelimit-remaining')).toBe('0')
        const body = await refused.json()
        expect(body.error).toEqual({ en: 'Rate limit exceeded', ar: 'تم تجاوز حد المعدل' })
        expectBilingual(body)
        expect(Number.isInteger(body.retryAfter)).toBe(true)
        expect(body.retryAfter).toBeGreaterThanOrEqual(1)
        expect(body.retryAfter).toBeLessThanOrEqual(60)
        expect(refused.headers.get('retry-after')).toBe(String(body.retryAfter))
        const reset = Number(refused.headers.get('x-ratelimit-reset'))
        expect(reset).toBeGreaterThan(Date.now() / 1000)
        expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 61)
      }
      // Another workspace has its own window.
      expect((await api(b, '/api/links')).status).toBe(200)
    })
  })

  describe('the login brake', () => {
    const login = (s: TestServer, email: string, ip = '198.51.100.20') =>
      fetch(`${s.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: s.url, 'x-forwarded-for': ip },
        body: new URLSearchParams({ email, password: 'not-the-password' }),
      })

    test('a burst of guesses spread over both instances at once gets 5 checked, the rest wait', async () => {
      // Each attempt is counted in the same atomic step as its check (src/cluster/brakes.ts): 12
      // guesses sent together, before any password check ends, must not all be checked.
      const email = 'burst@example.test'
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => login(i % 2 ? b : a, email, `198.51.100.${100 + i}`)))
      const statuses = answers.map((r) => r.status).sort()
      expect(statuses.filter((s) => s === 401).length).toBe(5)
      expect(statuses.filter((s) => s === 429).length).toBe(7)
    })

    test('right passwords give their count back: many logins from one address, on both instances, are never braked', async () => {
      const email = 'member@example.test'
      const password = 'a-long-enough-password-1'
      a.cliJson(['user', 'create', '--email', email, '--password', password, '--workspace', 'default', '--role', 'member'])
      for (let i = 0; i < 8; i++) {
        const res = await fetch(`${(i % 2 ? b : a).url}/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: (i % 2 ? b : a).url, 'x-forwarded-for': '198.51.100.30' },
          body: new URLSearchParams({ email, password }),
        })
        expect(res.status).toBe(303)
      }
      // The address's own failures still count: 5 wrong ones for other accounts, then it waits.
      for (let i = 0; i < 5; i++) expect((await login(i % 2 ? b : a, `other-${i}@example.test`, '198.51.100.30')).status).toBe(401)
      expect((await login(a, 'another@example.test', '198.51.100.30')).status).toBe(429)
    })

    test('failures on one instance count on the other, and after a restart', async () => {
      const email = 'someone@example.test'
      for (let i = 0; i < 5; i++) expect((await login(i % 2 ? b : a, email)).status).toBe(401)
      // The sixth attempt must wait (2 s after the fifth failure), wherever it is made.
      const braked = await login(b, email)
      expect(braked.status).toBe(429)
      expect(Number(braked.headers.get('retry-after'))).toBeGreaterThan(0)

      await restartA()
      // An instance that forgot would answer 401 twice here. One that remembers answers 429 while the
      // 2-second wait lasts; if the restart outlasted it, the attempt is checked (401, the sixth
      // failure), and the next one must wait again.
      const first = await login(a, email, '198.51.100.21')
      if (first.status !== 429) {
        expect(first.status).toBe(401)
        expect((await login(a, email, '198.51.100.22')).status).toBe(429)
      }
    })
  })

  describe('the password brake', () => {
    test('wrong passwords on one instance count on the other, and after a restart', async () => {
      const link = await newLink({ url: 'https://example.com/secret', password: 'correct horse' })
      const post = (s: TestServer, password: string) =>
        fetch(`${s.url}/${link.shortId}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.50' },
          body: new URLSearchParams({ password }),
        })
      for (let i = 0; i < 5; i++) expect((await post(i % 2 ? b : a, `guess${i}`)).status).toBe(401)
      // Blocked for the rest of the 15 minutes, even with the right password.
      const blocked = await post(b, 'correct horse')
      expect(blocked.status).toBe(429)
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(800)

      await restartA()
      expect((await post(a, 'correct horse')).status).toBe(429)
    })

    test('a burst of guesses sent at once to both instances gets 5 checked, no more', async () => {
      const link = await newLink({ url: 'https://example.com/burst', password: 'correct horse' })
      const guesses = Array.from({ length: 12 }, (_, i) =>
        fetch(`${(i % 2 ? b : a).url}/${link.shortId}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.60' },
          body: new URLSearchParams({ password: `guess${i}` }),
        }).then((r) => r.status),
      )
      const statuses = await Promise.all(guesses)
      expect(statuses.filter((s) => s === 401)).toHaveLength(5)
      expect(statuses.filter((s) => s === 429)).toHaveLength(7)
    })
  })

  describe('embedded tracking capture tokens', () => {
    test('a token used on one instance is refused on the other', async () => {
      const link = await newLink({ url: 'https://shop.example.com/pricing' })
      const token = async (s: TestServer) => {
        const js = await (await fetch(`${s.url}/${link.shortId}/analytics.js`, { headers: { 'user-agent': UA.chromeWindows, referer: 'https://shop.example.com/' } })).text()
        return /var T="([^"]+)"/.exec(js)![1]
      }
      const capture = (s: TestServer, t: string) =>
        fetch(`${s.url}/${link.shortId}/analytics.js`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', 'user-agent': UA.chromeWindows, origin: 'https://shop.example.com' },
          body: JSON.stringify({ token: t, url: 'https://shop.example.com/pricing', sessionId: 'visitor-1' }),
        })
      const t1 = await token(a)
      expect((await capture(a, t1)).status).toBe(200)
      const replay = await capture(b, t1)
      expect(replay.status).toBe(400)
      expect(expectBilingual(await replay.json()).en).toContain('already used')
      // A token issued by one instance is good once on the other (the secret is in the shared database).
      const t2 = await token(b)
      expect((await capture(a, t2)).status).toBe(200)
      expect((await capture(b, t2)).status).toBe(400)
    })
  })

  describe('link cache coherence', () => {
    /** The redirect of `shortId` on `s`, polled for up to one second until `until` holds. */
    async function locationOn(s: TestServer, shortId: string, until: (location: string | null, status: number) => boolean) {
      const deadline = Date.now() + 1000
      for (;;) {
        const res = await fetch(`${s.url}/${shortId}`, { method: 'HEAD', redirect: 'manual' })
        const location = res.headers.get('location')
        if (until(location, res.status) || Date.now() > deadline) return { location, status: res.status }
        await Bun.sleep(20)
      }
    }

    test('a PUT and a DELETE on one instance reach the other instance’s redirect within a second', async () => {
      const link = await newLink({ url: 'https://example.com/old' })
      // b caches the link; a third instance without Redis, with the same hour-long check, too.
      const alone = await startServer({ dir, env: { HOKO_COHERENCE_MS: HOUR, ...same() } })
      try {
        for (const s of [b, alone]) expect((await fetch(`${s.url}/${link.shortId}`, { method: 'HEAD', redirect: 'manual' })).headers.get('location')).toBe('https://example.com/old')

        expect((await api(a, '/api/links', { method: 'PUT', json: [{ id: link.id, url: 'https://example.com/new' }] })).status).toBe(200)
        expect((await locationOn(b, link.shortId, (l) => l === 'https://example.com/new')).location).toBe('https://example.com/new')
        // Without Redis the change is not seen: the SQLite check does not run for an hour.
        expect((await fetch(`${alone.url}/${link.shortId}`, { method: 'HEAD', redirect: 'manual' })).headers.get('location')).toBe('https://example.com/old')

        expect((await api(a, '/api/links', { method: 'DELETE', json: [link.id] })).status).toBe(200)
        expect((await locationOn(b, link.shortId, (_, status) => status === 404)).status).toBe(404)
      } finally {
        await alone.stop()
      }
    })

    test('a domain created on one instance is served by the other at once', async () => {
      const [domain] = await (await api(a, '/api/domains', { method: 'POST', json: [{ name: 'go.shared.test' }] })).json()
      expect(domain.name).toBe('go.shared.test')
      const link = await newLink({ url: 'https://example.com/on-domain', domain: 'go.shared.test' })
      const deadline = Date.now() + 1000
      let res: Response
      do {
        res = await fetch(`${b.url}/${link.shortId}`, { method: 'HEAD', redirect: 'manual', headers: { host: 'go.shared.test' } })
      } while (res.status !== 302 && Date.now() < deadline && (await Bun.sleep(20), true))
      expect(res.headers.get('location')).toBe('https://example.com/on-domain')
    })
  })

  describe('a Redis outage', () => {
    test('while Redis is down, API calls and the password form get a 503; afterwards link changes reach the other instance again', async () => {
      const link = await newLink({ url: 'https://example.com/before-outage' })
      const locked = await newLink({ url: 'https://example.com/locked', password: 'correct horse' })
      expect((await fetch(`${b.url}/${link.shortId}`, { method: 'HEAD', redirect: 'manual' })).headers.get('location')).toBe('https://example.com/before-outage')

      await redis.crash()
      const refused = await api(a, '/api/links')
      expect(refused.status).toBe(503)
      expect(refused.headers.get('x-hoko-error')).toBe('shared_state_unavailable')
      expectBilingual(await refused.json())
      // The brake cannot be asked: the form is refused rather than let through unbraked.
      const form = await fetch(`${a.url}/${locked.shortId}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ password: 'a guess' }),
      })
      expect(form.status).toBe(503)
      // Redirects do not need Redis.
      expect((await fetch(`${b.url}/${link.shortId}`, { method: 'HEAD', redirect: 'manual' })).status).toBe(302)

      await redis.restart()
      const deadline = Date.now() + 10_000
      while ((await api(a, '/api/links')).status !== 200 && Date.now() < deadline) await Bun.sleep(100)
      expect((await api(a, '/api/links', { method: 'PUT', json: [{ id: link.id, url: 'https://example.com/after-outage' }] })).status).toBe(200)
      // Whether b's subscription came back before the PUT (the message) or after (it starts again
      // from the database), it follows the change; with an hour-long SQLite check, nothing else would.
      let location: string | null = null
      while (Date.now() < deadline) {
        location = (await fetch(`${b.url}/${link.shortId}`, { method: 'HEAD', redirect: 'manual' })).headers.get('location')
        if (location === 'https://example.com/after-outage') break
        await Bun.sleep(50)
      }
      expect(location).toBe('https://example.com/after-outage')
    })
  })
})

describe('starting with HOKO_REDIS_URL', () => {
  test('a Redis that cannot be reached stops the start with a clear message, before the database is touched', () => {
    const empty = mkdtempSync(join(tmpdir(), 'hoko-test-'))
    try {
      // Port 1 on loopback: nothing listens there, the connection is refused.
      const r = Bun.spawnSync([process.execPath, 'src/main.ts', 'serve'], {
        cwd: ROOT,
        env: { ...process.env, PORT: '0', HOST: '127.0.0.1', HOKO_DB: join(empty, 'hoko.db'), HOKO_REDIS_URL: 'redis://127.0.0.1:1' },
        stdout: 'pipe',
        stderr: 'pipe',
        timeout: 15_000,
      })
      expect(r.exitCode).not.toBe(0)
      expect(r.stderr.toString()).toContain('hoko: cannot reach Redis at redis://127.0.0.1:1 (HOKO_REDIS_URL)')
      expect(r.stdout.toString()).not.toContain('Hoko listening')
      expect(existsSync(join(empty, 'hoko.db'))).toBe(false)
    } finally {
      removeDir(empty)
    }
  })

  test('a URL that is not a Redis URL is a configuration error', () => {
    const r = Bun.spawnSync([process.execPath, 'src/main.ts', 'serve'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', HOKO_DB: ':memory:', HOKO_REDIS_URL: 'http://127.0.0.1:6379' },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    expect(r.exitCode).toBe(2)
    expect(r.stderr.toString()).toContain('HOKO_REDIS_URL must be a redis://, rediss:// or redis+unix:// URL')
  })
})
