import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { ADMIN, adminSession, login, type Session, sessionHeaders, userSession } from './endpoints'
import { openStorage } from '../src/db/open'
import { expectBilingual, removeDir, startServer, type TestServer } from './harness'

/** Accounts, sessions and roles over real HTTP: the server side of the dashboard. */
// Servers start and argon2id hashes run in most tests: room for a busy machine.
setDefaultTimeout(30_000)
let s: TestServer
let admin: Session
beforeAll(async () => {
  s = await startServer({ env: { HOKO_RATE_LIMIT: '100000000', HOKO_KEYLESS_RATE_LIMIT: '0' } })
  admin = await adminSession(s)
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(s.url + path, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual', headers })
const as = (session: Session, path: string, init: RequestInit & { json?: unknown } = {}) =>
  s.api(path, { ...init, key: null, headers: { ...sessionHeaders(session), ...(init.headers as Record<string, string>) } })
const cookieOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith('hoko_session='))
/** A restart on the same database (on PostgreSQL each start gets a new one unless told). */
const again = (t: TestServer): Record<string, string> => (t.databaseUrl ? { HOKO_DATABASE_URL: t.databaseUrl } : {})
const setupLink = (stdout: string) => /create the first dashboard user: (\S+)/.exec(stdout)?.[1]
/** A write straight into a server's database (either engine), as another process would. */
async function write(t: TestServer, text: string, params: unknown[] = []) {
  const storage = await openStorage({ dbPath: t.dbPath, databaseUrl: t.databaseUrl })
  try {
    return await storage.data.run(text, params)
  } finally {
    await storage.close()
  }
}

describe('first start', () => {
  test('prints a setup link beside the first key; it creates the first user, admin and owner of default, once', async () => {
    const t = await startServer()
    try {
      expect(t.stdout).toMatch(/HOKO_API_KEY=hk_\S+\nOpen this link within 24 hours to create the first dashboard user: http:\/\/localhost:\d+\/setup\?token=\S+/)
      const link = new URL(setupLink(t.stdout)!)
      const page = await fetch(`${t.url}/setup${link.search}`)
      expect(page.status).toBe(200)
      const html = await page.text()
      for (const name of ['email', 'name', 'password']) expect(html).toContain(`name="${name}"`)
      expect(page.headers.get('content-security-policy')).toBe("default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
      expect(html).not.toContain('<script')
      expect(html).not.toContain('style=')

      const token = link.searchParams.get('token')!
      const weak = await fetch(`${t.url}/setup`, { method: 'POST', body: new URLSearchParams({ token, email: 'a@example.test', name: 'A', password: 'short' }) })
      expect(weak.status).toBe(400)
      expect(await weak.text()).toContain('password: must be at least 8 characters long')

      const made = await fetch(`${t.url}/setup`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ token, email: 'Owner@Example.test', name: 'Owner', password: 'first-password' }) })
      expect(made.status).toBe(303)
      expect(made.headers.get('location')).toBe('/app')
      const cookie = /hoko_session=([^;]+)/.exec(cookieOf(made)!)![1]
      const me = await (await fetch(`${t.url}/api/me`, { headers: { cookie: `hoko_session=${cookie}` } })).json()
      expect(me.user).toMatchObject({ email: 'owner@example.test', name: 'Owner', isAdmin: true })
      expect(me.workspace).toMatchObject({ slug: 'default', role: 'owner' })
      expect(me.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/)

      // The token stops working, by GET and by POST; no second user comes of it.
      expect((await fetch(`${t.url}/setup${link.search}`)).status).toBe(410)
      const again = await fetch(`${t.url}/setup`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ token, email: 'b@example.test', name: 'B', password: 'second-password' }) })
      expect(again.status).toBe(410)
      expect(await t.rows('SELECT email, is_admin FROM users')).toEqual([{ email: 'owner@example.test', is_admin: 1 }])
      expect(await t.rows("SELECT count(*) AS n FROM settings WHERE key = 'setup_token'")).toEqual([{ n: 0 }])
    } finally {
      await t.stop()
    }
    // Once a user exists, a start prints no setup link.
    const restarted = await startServer({ dir: t.dir, env: again(t) })
    await restarted.stop()
    removeDir(t.dir)
    expect(setupLink(restarted.stdout)).toBeUndefined()
  })

  test('each start while no user exists prints a new link and the old one stops working; a link expires after 24 hours', async () => {
    const first = await startServer()
    const old = new URL(setupLink(first.stdout)!).search
    await first.stop()
    const second = await startServer({ dir: first.dir, env: again(first) })
    try {
      const fresh = new URL(setupLink(second.stdout)!).search
      expect(fresh).not.toBe(old)
      expect((await fetch(`${second.url}/setup${old}`)).status).toBe(410)
      expect((await fetch(`${second.url}/setup${fresh}`)).status).toBe(200)
      expect((await fetch(`${second.url}/setup?token=${'x'.repeat(43)}`)).status).toBe(410)
      // Issued 24 hours ago: as if the stored expiry had passed.
      const [row] = await second.rows<{ value: string }>("SELECT value FROM settings WHERE key = 'setup_token'")
      const stored = JSON.parse(row.value)
      expect(stored.expiresAt - Date.now()).toBeGreaterThan(23.9 * 3600_000)
      expect(stored.expiresAt - Date.now()).toBeLessThanOrEqual(24 * 3600_000)
      await write(second, "UPDATE settings SET value = ? WHERE key = 'setup_token'", [JSON.stringify({ ...stored, expiresAt: Date.now() - 1 })])
      const page = await fetch(`${second.url}/setup${fresh}`)
      expect(page.status).toBe(410)
      expect(await page.text()).toContain('invalid, expired or already used')
    } finally {
      await second.stop()
      removeDir(first.dir)
    }
  })
})

describe('login and logout', () => {
  test('the login form; a login lands on /app or on a safe next, with the documented cookie', async () => {
    const page = await fetch(`${s.url}/login`)
    const html = await page.text()
    expect(html).toContain('name="email"')
    expect(html).toContain('name="password"')
    expect(html).toContain('type="submit"')
    expect(html).toContain('<html lang="en" dir="ltr">')

    const res = await form('/login', { email: ADMIN.email, password: ADMIN.password })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/app')
    const cookie = cookieOf(res)!
    expect(cookie).toMatch(/^hoko_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/)
    // Only a hash of the session id is stored.
    const secret = /hoko_session=([^;]+)/.exec(cookie)![1]
    expect(JSON.stringify(await s.rows('SELECT * FROM sessions'))).not.toContain(secret)

    for (const [next, location] of [
      ['/app/links?take=5', '/app/links?take=5'],
      ['https://evil.example/app', '/app'],
      ['//evil.example/app', '/app'],
      ['/\\evil.example', '/app'],
      ['/api/keys', '/app'],
      ['/application', '/app'],
    ]) {
      const r = await form('/login', { email: ADMIN.email, password: ADMIN.password, next })
      expect({ next, location: r.headers.get('location') }).toEqual({ next, location })
    }
  })

  test('the session cookie is Secure when the base URL is https', async () => {
    const t = await startServer({ env: { HOKO_BASE_URL: 'https://go.example.test' } })
    try {
      const token = new URL(setupLink(t.stdout)!).searchParams.get('token')!
      const res = await fetch(`${t.url}/setup`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ token, email: 'a@example.test', name: 'A', password: 'a-long-password' }) })
      expect(res.status).toBe(303)
      expect(cookieOf(res)).toMatch(/; HttpOnly; SameSite=Lax; Secure$/)
    } finally {
      await t.stop()
      removeDir(t.dir)
    }
  })

  test('a wrong password and an unknown email get the same answer', async () => {
    const wrong = await form('/login', { email: ADMIN.email, password: 'not-the-password' })
    const unknown = await form('/login', { email: 'nobody@example.test', password: 'not-the-password' })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    const [a, b] = [await wrong.text(), await unknown.text()]
    expect(a).toContain('Wrong email or password.')
    expect(a.replace(ADMIN.email, 'EMAIL')).toBe(b.replace('nobody@example.test', 'EMAIL'))
    expect(cookieOf(wrong)).toBeUndefined()
  })

  test('logout needs the CSRF token, ends the session server-side and clears the cookie', async () => {
    const session = await login(s, ADMIN.email, ADMIN.password)
    const cookie = `hoko_session=${session.cookie}`
    const refused = await form('/logout', {}, { cookie })
    expect(refused.status).toBe(403)
    expect((await as(session, '/api/me')).status).toBe(200)
    const foreign = await form('/logout', { csrf: session.csrf }, { cookie, origin: 'https://evil.example' })
    expect(foreign.status).toBe(403)

    const page = await fetch(`${s.url}/logout`, { headers: { cookie } })
    expect(await page.text()).toContain(`name="csrf" value="${session.csrf}"`)
    const out = await form('/logout', { csrf: session.csrf }, { cookie })
    expect(out.status).toBe(303)
    expect(out.headers.get('location')).toBe('/login')
    expect(cookieOf(out)).toContain('Max-Age=0')
    const res = await as(session, '/api/me')
    expect(res.status).toBe(401)
    expect(expectBilingual(await res.json()).en).toBe('Your session has ended or is not valid: log in again')
  })

  test('a session ends after 14 days idle, not before', async () => {
    const session = await login(s, ADMIN.email, ADMIN.password)
    const id = (await (await as(session, '/api/sessions')).json()).find((x: any) => x.current).id
    await write(s, 'UPDATE sessions SET last_seen_at = ? WHERE id = ?', [Date.now() - 13 * 24 * 3600_000, id])
    expect((await as(session, '/api/me')).status).toBe(200)
    // Seen again just now: refreshed.
    expect((await s.rows<{ t: number }>('SELECT last_seen_at AS t FROM sessions WHERE id = ?', [id]))[0].t).toBeGreaterThan(Date.now() - 60_000)
    await write(s, 'UPDATE sessions SET last_seen_at = ? WHERE id = ?', [Date.now() - 14 * 24 * 3600_000 - 1000, id])
    expect((await as(session, '/api/me')).status).toBe(401)
    expect(await s.rows('SELECT count(*) AS n FROM sessions WHERE id = ?', [id])).toEqual([{ n: 0 }])
  })

  test('changing the password ends the other sessions', async () => {
    const user = await userSession(s, s.key, 'member')
    const other = await login(s, user.email, user.password)
    const wrong = await as(user, '/api/me/password', { method: 'POST', json: { currentPassword: 'nope-nope', newPassword: 'brand-new-password' } })
    expect(wrong.status).toBe(400)
    expect((await as(other, '/api/me')).status).toBe(200)
    const res = await as(user, '/api/me/password', { method: 'POST', json: { currentPassword: user.password, newPassword: 'brand-new-password' } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ endedSessions: 1 })
    expect((await as(other, '/api/me')).status).toBe(401)
    expect((await as(user, '/api/me')).status).toBe(200)
    expect((await form('/login', { email: user.email, password: user.password })).status).toBe(401)
    expect((await form('/login', { email: user.email, password: 'brand-new-password' })).status).toBe(303)
  })

  test('sessions: listed without their secret, and ended one by one', async () => {
    const user = await userSession(s, s.key, 'viewer')
    const other = await login(s, user.email, user.password)
    const list = await (await as(user, '/api/sessions')).json()
    expect(list).toHaveLength(2)
    expect(Object.keys(list[0]).sort()).toEqual(['createdAt', 'current', 'id', 'lastSeenAt', 'userAgent'])
    expect(JSON.stringify(list)).not.toContain(user.cookie)
    const otherId = list.find((x: any) => !x.current).id
    expect(await (await as(user, '/api/sessions', { method: 'DELETE', json: [otherId] })).json()).toEqual({ deletedIds: [otherId] })
    expect((await as(other, '/api/me')).status).toBe(401)
    const again = await as(user, '/api/sessions', { method: 'DELETE', json: [otherId] })
    expect(again.status).toBe(400)
  })

  test('PUT /api/me changes the name and language', async () => {
    const user = await userSession(s, s.key, 'viewer')
    const res = await as(user, '/api/me', { method: 'PUT', json: { name: 'Layla', language: 'ar' } })
    expect(res.status).toBe(200)
    expect((await res.json()).user).toMatchObject({ name: 'Layla', language: 'ar' })
    expect((await as(user, '/api/me', { method: 'PUT', json: { language: 'fr' } })).status).toBe(400)
  })
})

describe('the API with a session', () => {
  const link = (session: Session, headers: Record<string, string> = {}) =>
    as(session, '/api/collections', { method: 'POST', json: [{ name: `c-${crypto.randomUUID()}` }], headers })
  const collectionCount = async () => (await s.rows<{ n: number }>('SELECT count(*) AS n FROM collections'))[0].n

  test('CSRF: a write without the token, with a wrong one, or from another origin is 403 and writes nothing', async () => {
    const before = await collectionCount()
    const cookie = `hoko_session=${admin.cookie}`
    for (const headers of <Record<string, string>[]>[
      { cookie },
      { cookie, 'x-csrf-token': 'wrong' },
      { cookie, 'x-csrf-token': admin.csrf.slice(0, -1) + (admin.csrf.endsWith('A') ? 'B' : 'A') },
      { cookie, 'x-csrf-token': admin.csrf, origin: 'https://evil.example' },
      { cookie, 'x-csrf-token': admin.csrf, origin: 'null' },
    ]) {
      const res = await s.api('/api/collections', { method: 'POST', key: null, headers, json: [{ name: 'csrf' }] })
      expect(res.status).toBe(403)
      expect(res.headers.get('x-hoko-error')).toBe('csrf_failed')
      expectBilingual(await res.json())
    }
    // A cross-site form post: a form body, another origin, no token.
    const formPost = await s.api('/api/collections', { method: 'POST', key: null, headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' })
    expect(formPost.status).toBe(403)
    expect(await collectionCount()).toBe(before)

    expect((await link(admin)).status).toBe(201)
    expect((await link(admin, { origin: s.url })).status).toBe(201)
    expect((await link(admin, { origin: 'http://localhost:' + new URL(s.url).port })).status).toBe(201)
    expect(await collectionCount()).toBe(before + 3)
    // Reading needs no token.
    expect((await s.api('/api/collections', { key: null, headers: { cookie } })).status).toBe(200)
  })

  test('Bearer requests ignore the cookie entirely', async () => {
    const me = await (await s.api('/api/me', { headers: { cookie: `hoko_session=${admin.cookie}` } })).json()
    expect(me.user).toBeNull()
    expect(me.csrfToken).toBeNull()
    expect(me.workspace.role).toBeNull()
    const bad = await s.api('/api/me', { key: `hk_${'x'.repeat(40)}`, headers: { cookie: `hoko_session=${admin.cookie}` } })
    expect(bad.status).toBe(401)
    // A key needs no CSRF token.
    expect((await s.api('/api/collections', { method: 'POST', json: [{ name: 'by key' }], headers: { origin: 'https://evil.example' } })).status).toBe(201)
  })

  test('roles: a viewer reads, a member writes but not keys or members, an owner does all', async () => {
    const viewer = await userSession(s, s.key, 'viewer')
    const member = await userSession(s, s.key, 'member')
    const viewerMe = await (await as(viewer, '/api/me')).json()
    expect(viewerMe.scopes).toEqual(['linksRead', 'collectionsRead', 'tagsRead', 'analyticsRead', 'customersRead', 'partnersRead', 'membersRead', 'workspaceRead', 'domainsRead', 'commissionsRead'])
    expect(viewerMe.workspace.role).toBe('viewer')
    expect((await as(viewer, '/api/commissions')).status).toBe(200)
    expect(await (await as(viewer, '/api/commissions', { method: 'PUT', json: [{ id: crypto.randomUUID(), status: 'paid' }] })).json()).toMatchObject({ missingScopes: ['commissionsWrite'] })
    expect((await as(viewer, '/api/links')).status).toBe(200)
    const denied = await link(viewer)
    expect(denied.status).toBe(403)
    expect(await denied.json()).toMatchObject({ missingScopes: ['collectionsWrite'] })
    expect((await as(viewer, '/api/keys')).status).toBe(403)
    expect((await as(viewer, '/api/members')).status).toBe(200)

    expect((await link(member)).status).toBe(201)
    expect((await as(member, '/api/members')).status).toBe(200)
    expect((await as(member, '/api/workspace')).status).toBe(200)
    expect((await as(member, '/api/commissions?status=pending')).status).toBe(200)
    expect((await (await as(member, '/api/me')).json()).scopes).toContain('commissionsWrite')
    expect((await as(member, '/api/commissions/export')).status).toBe(200)
    for (const [method, path, json] of [
      ['GET', '/api/keys', undefined],
      ['POST', '/api/keys', [{ name: 'k' }]],
      ['PUT', '/api/members', [{ userId: viewer.userId, role: 'owner' }]],
      ['POST', '/api/invites', [{ role: 'owner' }]],
      ['PUT', '/api/workspace', { name: 'Mine now' }],
    ] as const)
      expect({ path, status: (await as(member, path, { method, json })).status }).toEqual({ path, status: 403 })
    expect((await as(admin, '/api/keys')).status).toBe(200)
  })

  test('the workspace is chosen by X-Hoko-Workspace, among the user\'s own', async () => {
    const created = await as(admin, '/api/admin/workspaces', { method: 'POST', json: [{ name: 'Second', slug: 'second' }] })
    expect(created.status).toBe(201)
    const [second] = await created.json()
    const there = await (await as({ ...admin, workspace: 'second' }, '/api/me')).json()
    expect(there.workspace).toEqual({ id: second.id, slug: 'second', name: 'Second', role: 'owner' })
    expect(there.workspaces.map((w: any) => w.slug)).toEqual(['default', 'second'])
    const outsider = await userSession(s, s.key, 'member')
    const res = await as({ ...outsider, workspace: 'second' }, '/api/links')
    expect(res.status).toBe(403)
    expect(res.headers.get('x-hoko-error')).toBe('not_a_member')
    expect((await as({ ...outsider, workspace: second.id }, '/api/links')).status).toBe(403)
  })

  test('the last owner can be neither removed nor demoted', async () => {
    const ws = await (await as(admin, '/api/admin/workspaces', { method: 'POST', json: [{ name: 'Solo' }] })).json()
    const solo = { ...admin, workspace: ws[0].id }
    const me = await (await as(solo, '/api/me')).json()
    const demote = await as(solo, '/api/members', { method: 'PUT', json: [{ userId: me.user.id, role: 'member' }] })
    expect(demote.status).toBe(400)
    expect(expectBilingual(await demote.json()).en).toBe(`members[0].userId: ${ADMIN.email} is the last owner of this workspace and can be neither removed nor demoted`)
    const remove = await as(solo, '/api/members', { method: 'DELETE', json: [me.user.id] })
    expect(remove.status).toBe(400)
    expect((await (await as(solo, '/api/members')).json()).map((m: any) => m.role)).toEqual(['owner'])

    // With a second owner, the first may step down, in one atomic batch.
    const [invite] = await (await as(solo, '/api/invites', { method: 'POST', json: [{ role: 'member' }] })).json()
    const token = new URL(invite.url).searchParams.get('token')!
    expect((await form('/invite', { token, email: `o-${crypto.randomUUID()}@example.test`, name: 'O', password: 'a-long-password' })).status).toBe(303)
    const members = await (await as(solo, '/api/members')).json()
    const other = members.find((m: any) => m.userId !== me.user.id)
    expect(other.role).toBe('member')
    const both = await as(solo, '/api/members', { method: 'PUT', json: [{ userId: other.userId, role: 'owner' }, { userId: me.user.id, role: 'viewer' }] })
    expect(both.status).toBe(200)
    expect((await both.json()).map((m: any) => m.role)).toEqual(['owner', 'viewer'])
  })
})

describe('invites', () => {
  test('one-time, with the role they name; expired and deleted ones fail', async () => {
    const res = await as(admin, '/api/invites', { method: 'POST', json: [{ role: 'viewer' }, { role: 'member', expiresInDays: 1 }, { role: 'owner' }] })
    expect(res.status).toBe(201)
    const [viewerInvite, memberInvite, ownerInvite] = await res.json()
    expect(Object.keys(viewerInvite).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'role', 'url'])
    expect(viewerInvite.url).toMatch(/^http:\/\/localhost:\d+\/invite\?token=[A-Za-z0-9_-]{43}$/)
    const path = (u: string) => new URL(u).pathname + new URL(u).search
    const token = (u: string) => new URL(u).searchParams.get('token')!

    const page = await fetch(s.url + path(viewerInvite.url))
    const html = await page.text()
    expect(page.status).toBe(200)
    for (const name of ['email', 'name', 'password']) expect(html).toContain(`name="${name}"`)
    const email = `v-${crypto.randomUUID()}@example.test`
    const joined = await form('/invite', { token: token(viewerInvite.url), email, name: 'V', password: 'a-long-password' })
    expect(joined.status).toBe(303)
    expect(joined.headers.get('location')).toBe('/app')
    const cookie = /hoko_session=([^;]+)/.exec(cookieOf(joined)!)![1]
    const me = await (await s.api('/api/me', { key: null, headers: { cookie: `hoko_session=${cookie}` } })).json()
    expect(me.workspace.role).toBe('viewer')

    // Used: neither page nor form works again.
    expect((await fetch(s.url + path(viewerInvite.url))).status).toBe(410)
    expect((await form('/invite', { token: token(viewerInvite.url), email: `x-${email}`, name: 'X', password: 'a-long-password' })).status).toBe(410)

    // Expired.
    await write(s, 'UPDATE invites SET expires_at = ? WHERE id = ?', [Date.now() - 1, memberInvite.id])
    expect((await fetch(s.url + path(memberInvite.url))).status).toBe(410)

    // Deleted; the list shows pending ones only.
    const pending = await (await as(admin, '/api/invites')).json()
    expect(pending.map((i: any) => i.id)).toContain(ownerInvite.id)
    expect(pending.map((i: any) => i.id)).not.toContain(viewerInvite.id)
    expect(JSON.stringify(pending)).not.toContain(token(ownerInvite.url))
    expect(await (await as(admin, '/api/invites', { method: 'DELETE', json: [ownerInvite.id] })).json()).toEqual({ deletedIds: [ownerInvite.id] })
    expect((await fetch(s.url + path(ownerInvite.url))).status).toBe(410)
  })

  test('a logged-in user joins with one click (and the CSRF token); an existing email must log in first', async () => {
    const { id: wsId } = (await (await as(admin, '/api/admin/workspaces', { method: 'POST', json: [{ name: 'Join me' }] })).json())[0]
    const owner = { ...admin, workspace: wsId }
    const user = await userSession(s, s.key, 'viewer')
    const [invite] = await (await as(owner, '/api/invites', { method: 'POST', json: [{ role: 'member' }] })).json()
    const token = new URL(invite.url).searchParams.get('token')!
    const taken = await form('/invite', { token, email: user.email, name: 'Again', password: 'a-long-password' })
    expect(taken.status).toBe(400)
    expect(await taken.text()).toContain('log in first')

    const cookie = `hoko_session=${user.cookie}`
    const page = await (await fetch(`${s.url}/invite?token=${token}`, { headers: { cookie } })).text()
    expect(page).toContain(`You are logged in as ${user.email}`)
    expect((await form('/invite', { token }, { cookie })).status).toBe(403)
    const joined = await form('/invite', { token, csrf: user.csrf }, { cookie })
    expect(joined.status).toBe(303)
    expect((await (await as({ ...user, workspace: wsId }, '/api/me')).json()).workspace.role).toBe('member')
  })
})

describe('API keys through the API', () => {
  test('a session creates a key with two scopes, the key works, revoked it is a 401', async () => {
    const res = await as(admin, '/api/keys', { method: 'POST', json: [{ name: 'Zapier', scopes: ['linksRead', 'tagsWrite'] }] })
    expect(res.status).toBe(201)
    const [key] = await res.json()
    expect(Object.keys(key).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'key', 'lastUsedAt', 'name', 'prefix', 'revoked', 'revokedAt', 'scopes'])
    expect(key.scopes).toEqual(['linksRead', 'tagsWrite'])
    expect(key.key.startsWith(key.prefix)).toBe(true)
    expect((await s.api('/api/links', { key: key.key })).status).toBe(200)
    expect((await s.api('/api/tags', { method: 'POST', key: key.key, json: [{ name: 'by new key' }] })).status).toBe(201)
    expect((await s.api('/api/collections', { key: key.key })).status).toBe(403)

    const list = await (await as(admin, '/api/keys')).json()
    expect(list[0]).toMatchObject({ id: key.id, name: 'Zapier', revoked: false })
    expect(list[0].key).toBeUndefined()
    expect(JSON.stringify(list)).not.toContain(key.key)

    expect(await (await as(admin, '/api/keys', { method: 'DELETE', json: [key.id] })).json()).toEqual({ deletedIds: [key.id] })
    const after = await s.api('/api/links', { key: key.key })
    expect(after.status).toBe(401)
    const [revoked] = await (await as(admin, '/api/keys?take=1')).json()
    expect(revoked).toMatchObject({ id: key.id, revoked: true })
    expect((await as(admin, '/api/keys', { method: 'DELETE', json: [key.id] })).status).toBe(400)
  })

  test('a key hands out only scopes it has', async () => {
    const limited = s.newKey('keysWrite,linksRead')
    const escalate = await s.api('/api/keys', { method: 'POST', key: limited, json: [{ name: 'more', scopes: ['linksRead', 'linksWrite'] }] })
    expect(escalate.status).toBe(403)
    expect(expectBilingual(await escalate.json()).en).toBe('keys[0].scopes: you cannot give a key scopes you do not have: linksWrite')
    expect((await s.api('/api/keys', { method: 'POST', key: limited, json: [{ name: 'all', scopes: ['all'] }] })).status).toBe(403)
    const ok = await s.api('/api/keys', { method: 'POST', key: limited, json: [{ name: 'same', scopes: ['linksRead'] }, { name: 'default' }] })
    expect(ok.status).toBe(201)
    expect((await ok.json()).map((k: any) => k.scopes)).toEqual([['linksRead'], ['linksRead', 'keysWrite']])
    const past = await s.api('/api/keys', { method: 'POST', key: limited, json: [{ name: 'old', expiresAt: '2001-01-01T00:00:00Z' }] })
    expect(past.status).toBe(400)
    expect(expectBilingual(await past.json()).en).toBe('keys[0].expiresAt: must be in the future')
  })
})

describe('instance admin', () => {
  test('creates users and workspaces; nobody else can, nor change a plan', async () => {
    const owner = await userSession(s, s.key, 'owner')
    for (const [method, path, json] of [
      ['GET', '/api/admin/users', undefined],
      ['POST', '/api/admin/workspaces', [{ name: 'Nope' }]],
    ] as const) {
      const res = await as(owner, path, { method, json })
      expect(res.status).toBe(403)
      expect(res.headers.get('x-hoko-error')).toBe('admin_required')
    }
    const plan = await as(owner, '/api/workspace', { method: 'PUT', json: { plan: 'free' } })
    expect(plan.status).toBe(403)
    expect((await s.api('/api/workspace', { method: 'PUT', json: { rateLimit: 5 } })).status).toBe(403)
    expect((await as(owner, '/api/workspace', { method: 'PUT', json: { name: 'Default' } })).status).toBe(200)

    const ws = (await (await s.api('/api/workspace')).json()) as { id: string; plan: string }
    const byAdmin = await as(admin, '/api/workspace', { method: 'PUT', json: { plan: 'pro', rateLimit: 100000000 } })
    expect(await byAdmin.json()).toMatchObject({ plan: 'pro', rateLimit: 100000000 })
    await as(admin, '/api/workspace', { method: 'PUT', json: { plan: ws.plan } })

    const email = `made-${crypto.randomUUID()}@example.test`
    const made = await as(admin, '/api/admin/users', { method: 'POST', json: [{ email, name: 'Made', password: 'a-long-password', workspaceId: ws.id, role: 'member' }] })
    expect(made.status).toBe(201)
    expect((await made.json())[0]).toMatchObject({ email, workspaceId: ws.id, role: 'member', isAdmin: false })
    expect((await as(admin, '/api/admin/users', { method: 'POST', json: [{ email, name: 'Again', password: 'a-long-password', workspaceId: ws.id, role: 'member' }] })).status).toBe(400)
    const users = await (await as(admin, '/api/admin/users')).json()
    expect(users.find((u: any) => u.email === email).workspaces).toEqual([expect.objectContaining({ slug: 'default', role: 'member' })])
    expect(JSON.stringify(users)).not.toContain('argon2')
    expect((await form('/login', { email, password: 'a-long-password' })).status).toBe(303)
  })

  test('the same user or workspace created four times at once: one is made, the others get the documented 400', async () => {
    const { id: workspaceId } = await (await s.api('/api/workspace')).json()
    const email = `twice-${crypto.randomUUID()}@example.test`
    const user = () => as(admin, '/api/admin/users', { method: 'POST', json: [{ email, name: 'Twice', password: 'a-long-password', workspaceId, role: 'viewer' }] })
    const users = await Promise.all([user(), user(), user(), user()])
    expect(users.map((r) => r.status).sort()).toEqual([201, 400, 400, 400])
    expect(users.find((r) => r.status === 400)!.headers.get('x-hoko-error')).toBe('email_taken')
    expect(await s.rows('SELECT count(*) AS n FROM users WHERE email = ?', [email])).toEqual([{ n: 1 }])

    const slug = `twice-${crypto.randomUUID().slice(0, 8)}`
    const workspace = () => as(admin, '/api/admin/workspaces', { method: 'POST', json: [{ name: 'Twice', slug }] })
    const workspaces = await Promise.all([workspace(), workspace(), workspace(), workspace()])
    expect(workspaces.map((r) => r.status).sort()).toEqual([201, 400, 400, 400])
    expect(workspaces.find((r) => r.status === 400)!.headers.get('x-hoko-error')).toBe('slug_taken')
    expect(await s.rows('SELECT count(*) AS n FROM workspaces WHERE slug = ?', [slug])).toEqual([{ n: 1 }])
  })
})

describe('pages', () => {
  test('Arabic from Accept-Language, a remembered switch, right to left', async () => {
    const ar = await (await fetch(`${s.url}/login`, { headers: { 'accept-language': 'ar-SA,ar;q=0.9,en;q=0.5' } })).text()
    expect(ar).toContain('<html lang="ar" dir="rtl">')
    expect(ar).toContain('تسجيل الدخول')
    expect(ar).toContain('href="/login?lang=en"')
    const switched = await fetch(`${s.url}/login?lang=ar`)
    expect(switched.headers.get('set-cookie')).toBe('hoko_lang=ar; Path=/; Max-Age=31536000; SameSite=Lax')
    const remembered = await (await fetch(`${s.url}/login`, { headers: { cookie: 'hoko_lang=ar', 'accept-language': 'en' } })).text()
    expect(remembered).toContain('dir="rtl"')
    const css = await fetch(`${s.url}/auth.css`)
    expect(css.headers.get('content-type')).toContain('text/css')
  })

  test('the forms take at most 16 KB, as every keyless POST', async () => {
    const res = await form('/login', { email: ADMIN.email, password: 'x'.repeat(20_000) })
    expect(res.status).toBe(413)
    expectBilingual(await res.json())
  })

  test('user input on the pages is escaped', async () => {
    const html = await (await form('/login', { email: '"><script>alert(1)</script>', password: 'x' })).text()
    expect(html).not.toContain('<script>')
    expect(html).toContain('&quot;&gt;&lt;script&gt;')
  })

  test('the pages are not short links, and no link can take their names', async () => {
    for (const shortId of ['login', 'setup', 'invite', 'logout', 'app']) {
      const res = await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com', collectionId: (await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'c' }] })).json())[0].id, shortId }] })
      expect({ shortId, status: res.status }).toEqual({ shortId, status: 400 })
    }
    expect((await fetch(`${s.url}/login`)).headers.get('content-type')).toContain('text/html')
  })
})

describe('command line', () => {
  test('user create, list and set-password', async () => {
    const created = s.cliJson(['user', 'create', '--email', 'Cli@Example.test', '--password', 'cli-password', '--workspace', 'default', '--role', 'viewer'])
    expect(Object.keys(created).sort()).toEqual(['email', 'id', 'role', 'workspaceId'])
    expect(created).toMatchObject({ email: 'cli@example.test', role: 'viewer' })
    // Existing user: the membership changes.
    expect(s.cliJson(['user', 'create', '--email', 'cli@example.test', '--workspace', 'second', '--role', 'owner'])).toMatchObject({ id: created.id, role: 'owner' })
    const list = s.cliJson(['user', 'list'])
    expect(list.find((u: any) => u.email === 'cli@example.test').workspaces.map((w: any) => `${w.slug}:${w.role}`)).toEqual(['default:viewer', 'second:owner'])

    const session = await login(s, 'cli@example.test', 'cli-password')
    expect((await as(session, '/api/me')).status).toBe(200)
    const reset = s.cli(['user', 'set-password', '--email', 'cli@example.test', '--password', 'new-cli-password'])
    expect(reset.code).toBe(0)
    expect(reset.stdout).toContain('1 session(s) ended')
    expect((await as(session, '/api/me')).status).toBe(401)
    expect((await form('/login', { email: 'cli@example.test', password: 'new-cli-password' })).status).toBe(303)
  })

  const mistakes: [string[], RegExp][] = [
    [['user', 'create', '--password', 'long-enough', '--workspace', 'default', '--role', 'owner'], /--email is required/],
    [['user', 'create', '--email', 'not-an-email', '--password', 'long-enough', '--workspace', 'default', '--role', 'owner'], /--email must be a valid email/],
    [['user', 'create', '--email', 'x@example.test', '--password', 'long-enough', '--workspace', 'default', '--role', 'king'], /--role must be one of: owner, member, viewer/],
    [['user', 'create', '--email', 'x@example.test', '--password', 'long-enough', '--workspace', 'nope', '--role', 'owner'], /unknown workspace "nope"/],
    [['user', 'create', '--email', 'x@example.test', '--password', 'short', '--workspace', 'default', '--role', 'owner'], /--password must be at least 8 characters/],
    [['user', 'create', '--email', 'new@example.test', '--workspace', 'default', '--role', 'owner'], /--password is required for a new user/],
    [['user', 'set-password', '--email', 'nobody@example.test', '--password', 'long-enough'], /no user with email/],
    [['user', 'frobnicate'], /unknown command/],
  ]
  test.each(mistakes.map(([args, message]): [string, RegExp] => [args.join(' '), message]))('hoko %s exits 2 with one line', (args, message) => {
    const r = s.cli(args.split(' '))
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(message)
  })
})
