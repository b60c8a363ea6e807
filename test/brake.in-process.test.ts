import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { hashPasswordSync } from '../src/accounts/passwords'
import { issueSetupToken } from '../src/accounts/setup'
import { insertUser, setMembership } from '../src/accounts/users'
import { sqliteData } from '../src/db/data'
import { startInProcess, type InProcess } from './in-process'

/** The login brake and the setup link's 24 hours, on a clock the test moves. */
let app: InProcess
let clock = Date.UTC(2026, 0, 1)
const EMAIL = 'user@example.test'
const PASSWORD = 'the-right-password'
beforeAll(async () => {
  app = await startInProcess({ env: { HOKO_TRUST_PROXY: '1' }, now: () => clock })
  const u = await insertUser(sqliteData(app.db), { email: EMAIL, name: 'U', passwordHash: hashPasswordSync(PASSWORD) })
  await setMembership(sqliteData(app.db), u.id, app.workspaceId, 'owner')
})
afterAll(() => app.close())

const attempt = (email: string, password: string, ip = '203.0.113.7') =>
  app.api('/login', { method: 'POST', key: null, redirect: 'manual', body: new URLSearchParams({ email, password }), headers: { 'x-forwarded-for': ip } })
const tick = (seconds: number) => {
  clock += seconds * 1000
}

async function refused(res: Response, wait: number) {
  expect(res.status).toBe(429)
  expect(res.headers.get('retry-after')).toBe(String(wait))
  expect(await res.text()).toContain(`Try again in ${wait} seconds.`)
}

describe('login brake', () => {
  test('per account: 5 failures, then each attempt waits 2, 4, 8 … seconds, the right password included', async () => {
    for (let i = 0; i < 5; i++) expect((await attempt(EMAIL, 'wrong', `198.51.100.${i}`)).status).toBe(401)
    // From yet another address: the account itself is braked.
    await refused(await attempt(EMAIL, PASSWORD, '198.51.100.99'), 2)
    tick(1)
    await refused(await attempt(EMAIL, PASSWORD, '198.51.100.99'), 1)
    tick(1)
    expect((await attempt(EMAIL, 'wrong', '198.51.100.98')).status).toBe(401)
    await refused(await attempt(EMAIL, PASSWORD, '198.51.100.97'), 4)
    tick(4)
    expect((await attempt(EMAIL, 'wrong', '198.51.100.96')).status).toBe(401)
    await refused(await attempt(EMAIL, PASSWORD, '198.51.100.95'), 8)
    tick(8)
    const ok = await attempt(EMAIL, PASSWORD, '198.51.100.94')
    expect(ok.status).toBe(303)
    // A success clears the account's failures.
    expect((await attempt(EMAIL, 'wrong', '198.51.100.93')).status).toBe(401)
    expect((await attempt(EMAIL, PASSWORD, '198.51.100.93')).status).toBe(303)
  }, 60_000)

  test('a burst of guesses sent at once gets 5 checked, the rest wait', async () => {
    tick(3600)
    // Checking a password takes a while (argon2); each attempt is counted when it is let through.
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt('burst@example.test', 'wrong', `198.51.100.${100 + i}`)))
    const statuses = answers.map((r) => r.status)
    expect(statuses.filter((s) => s === 401).length).toBe(5)
    expect(statuses.filter((s) => s === 429).length).toBe(15)
  }, 60_000)

  test('right passwords give their count back: many logins from one address are never braked', async () => {
    tick(3600)
    for (let i = 0; i < 8; i++) expect((await attempt(EMAIL, PASSWORD, '192.0.2.77')).status).toBe(303)
    for (let i = 0; i < 5; i++) expect((await attempt(`nobody-${i}@example.test`, 'wrong', '192.0.2.77')).status).toBe(401)
    await refused(await attempt(EMAIL, PASSWORD, '192.0.2.77'), 2)
  }, 60_000)

  test('per address: failures over many emails, known or not, brake the address and not others', async () => {
    tick(3600)
    for (let i = 0; i < 5; i++) expect((await attempt(`nobody-${i}@example.test`, 'wrong', '192.0.2.1')).status).toBe(401)
    await refused(await attempt(EMAIL, PASSWORD, '192.0.2.1'), 2)
    expect((await attempt(EMAIL, PASSWORD, '192.0.2.2')).status).toBe(303)
  }, 60_000)

  test('the waits stop growing at 15 minutes, and 15 quiet minutes forget the failures', async () => {
    tick(3600)
    const email = 'nobody@example.test'
    for (let i = 0; i < 5; i++) await attempt(email, 'wrong', `10.0.${i}.1`)
    for (let n = 1; n <= 12; n++) {
      const wait = Math.min(2 ** n, 900)
      await refused(await attempt(email, 'wrong', `10.1.${n}.1`), wait)
      tick(wait)
      expect((await attempt(email, 'wrong', `10.2.${n}.1`)).status).toBe(401)
    }
    await refused(await attempt(email, 'wrong', '10.3.0.1'), 900)
    // The wait ended, then 15 quiet minutes: a fresh start, 5 failures before any wait.
    tick(900 + 900)
    for (let i = 0; i < 5; i++) expect((await attempt(email, 'wrong', `10.4.${i}.1`)).status).toBe(401)
    await refused(await attempt(email, 'wrong', '10.5.0.1'), 2)
  }, 60_000)

  test('an IPv6 address is braked by its /64', async () => {
    tick(3600)
    for (let i = 0; i < 5; i++) await attempt(`v6-${i}@example.test`, 'wrong', `2001:db8:1:2::${i + 1}`)
    await refused(await attempt(EMAIL, PASSWORD, '2001:db8:1:2:ffff::9'), 2)
    expect((await attempt(EMAIL, PASSWORD, '2001:db8:1:3::1')).status).toBe(303)
  }, 60_000)
})

describe('setup link', () => {
  test('works for 24 hours', async () => {
    app.db.$client.run('DELETE FROM memberships')
    app.db.$client.run('DELETE FROM sessions')
    app.db.$client.run('DELETE FROM users')
    const token = await issueSetupToken(sqliteData(app.db), clock)
    tick(24 * 3600 - 1)
    expect((await app.api(`/setup?token=${token}`, { key: null })).status).toBe(200)
    tick(1)
    expect((await app.api(`/setup?token=${token}`, { key: null })).status).toBe(410)
    const late = await app.api('/setup', { method: 'POST', key: null, redirect: 'manual', body: new URLSearchParams({ token, email: 'late@example.test', name: 'L', password: 'a-long-password' }) })
    expect(late.status).toBe(410)
    expect(app.db.$client.query('SELECT count(*) AS n FROM users').get()).toEqual({ n: 0 })
  })
})
