import { Elysia } from 'elysia'
import * as v from 'valibot'
import type { AppContext } from '../context'
import { clientIp } from '../clicks/ip'
import { keylessLimit } from '../http/keyless-limit'
import { validationError } from '../http/validation'
import { findWorkspace, listWorkspaces } from '../workspaces/service'
import { acceptInvite, findOpenInvite, type OpenInvite } from './invites'
import { isUniqueViolation } from '../db/unique'
import { AUTH_CSS, AUTH_CSS_PATH, authPage, button, errorBox, field, hidden, languageOf, type Lang, paragraph, strings } from './pages'
import { hashPassword, Password, verifyPassword } from './passwords'
import { checkCsrf, clearSessionCookie, createSession, endSession, originAllowed, sessionCookie, sessionFromRequest } from './sessions'
import { consumeSetupToken, setupTokenValid } from './setup'
import { countUsers, Email, findUserByEmail, insertUser, normalizeEmail, setMembership, UserName } from './users'

/** Where a login may lead: a path of this server under /app (or an invite), never another origin. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2000 || /[\\\u0000-\u001f\u007f]/.test(next)) return '/app'
  if (!/^\/(?:app|invite)(?:[/?#]|$)/.test(next)) return '/app'
  const url = new URL(next, 'http://hoko.invalid')
  return url.origin === 'http://hoko.invalid' ? url.pathname + url.search + url.hash : '/app'
}

type Form = Record<string, unknown>
const str = (form: Form, name: string, max = 1024) => {
  const value = form[name]
  return typeof value === 'string' ? value.slice(0, max) : ''
}
const formOf = (body: unknown): Form => (body && typeof body === 'object' && !Array.isArray(body) ? (body as Form) : {})

const SignUp = v.object({ email: Email, name: UserName, password: Password })

/** The first problem with an email, name and password, in the page's language. */
function signUpProblem(form: Form, lang: Lang): string | undefined {
  const r = v.safeParse(SignUp, { email: str(form, 'email'), name: str(form, 'name'), password: str(form, 'password') })
  if (r.success) return undefined
  const e = validationError(r.issues[0], undefined)
  return lang === 'ar' ? e.ar : e.en
}

const see = (location: string, cookies: string[] = []) => {
  const headers = new Headers({ location, 'cache-control': 'no-store' })
  for (const c of cookies) headers.append('set-cookie', c)
  return new Response(null, { status: 303, headers })
}

/** GET/POST /login, /setup, /invite and /logout, and the stylesheet they share. */
export function accountPageRoutes(ctx: AppContext) {
  const { data } = ctx
  const secure = () => ctx.baseUrl.startsWith('https:')

  function page(request: Request, o: { status?: number; title: (t: ReturnType<typeof strings>) => string; body: (t: ReturnType<typeof strings>, lang: Lang) => string; headers?: Record<string, string> }) {
    const { lang, chosen } = languageOf(request)
    const t = strings(lang)
    return authPage({ lang, chosen, status: o.status, title: o.title(t), body: o.body(t, lang), headers: o.headers, url: new URL(request.url), secure: secure() })
  }

  const csrfPage = (request: Request) => page(request, { status: 403, title: (t) => t.loginTitle, body: (t) => errorBox(t.csrf) })

  function loginPage(request: Request, o: { next: string; email?: string; error?: (t: ReturnType<typeof strings>) => string; status?: number; headers?: Record<string, string> }) {
    return page(request, {
      status: o.status,
      headers: o.headers,
      title: (t) => t.loginTitle,
      body: (t) =>
        errorBox(o.error?.(t)) +
        `<form method="post" action="/login">${hidden('next', o.next === '/app' ? '' : o.next)}` +
        field({ name: 'email', label: t.email, type: 'email', value: o.email, autocomplete: 'username' }) +
        field({ name: 'password', label: t.password, type: 'password', autocomplete: 'current-password' }) +
        `${button(t.submitLogin)}</form>`,
    })
  }

  function setupForm(request: Request, token: string, o: { status?: number; error?: string; email?: string; name?: string } = {}) {
    return page(request, {
      status: o.status,
      title: (t) => t.setupTitle,
      body: (t) =>
        paragraph(t.setupIntro) +
        errorBox(o.error) +
        `<form method="post" action="/setup">${hidden('token', token)}` +
        field({ name: 'email', label: t.email, type: 'email', value: o.email, autocomplete: 'username' }) +
        field({ name: 'name', label: t.name, value: o.name, autocomplete: 'name' }) +
        field({ name: 'password', label: t.newPassword, type: 'password', autocomplete: 'new-password', minlength: 8 }) +
        `${button(t.submitSetup)}</form>`,
    })
  }
  const setupInvalid = (request: Request) => page(request, { status: 410, title: (t) => t.setupTitle, body: (t) => errorBox(t.setupInvalid) })
  const inviteInvalid = (request: Request) => page(request, { status: 410, title: (t) => t.submitJoin, body: (t) => errorBox(t.inviteInvalid) })

  async function inviteForm(request: Request, token: string, invite: OpenInvite, o: { status?: number; error?: string; email?: string; name?: string } = {}) {
    const session = await sessionFromRequest(ctx, request)
    const next = `/invite?token=${encodeURIComponent(token)}`
    return page(request, {
      status: o.status,
      title: (t) => t.inviteTitle(invite.workspaceName, t.roles[invite.role]),
      body: (t) =>
        errorBox(o.error) +
        (session
          ? paragraph(t.joinAs(session.email)) +
            `<form method="post" action="/invite">${hidden('token', token)}${hidden('csrf', session.csrfToken)}${button(t.submitJoin)}</form>`
          : paragraph(t.inviteIntro) +
            `<form method="post" action="/invite">${hidden('token', token)}` +
            field({ name: 'email', label: t.email, type: 'email', value: o.email, autocomplete: 'username' }) +
            field({ name: 'name', label: t.name, value: o.name, autocomplete: 'name' }) +
            field({ name: 'password', label: t.newPassword, type: 'password', autocomplete: 'new-password', minlength: 8 }) +
            `${button(t.submitCreate)}</form>` +
            `<p>${t.haveAccount} <a href="/login?next=${encodeURIComponent(next)}">${t.loginFirst}</a></p>`),
    })
  }

  const query = (request: Request, name: string) => new URL(request.url).searchParams.get(name)
  const loggedIn = async (userId: string, userAgent: string | null, location: string) =>
    see(location, [sessionCookie((await createSession(data, userId, userAgent, ctx.now())).secret, ctx.baseUrl)])

  return new Elysia({ name: 'hoko-account-pages' })
    .use(keylessLimit(ctx))
    .get(AUTH_CSS_PATH, () => new Response(AUTH_CSS, { headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' } }), {
      detail: { hide: true },
    })
    .get(
      '/login',
      async ({ request }) => {
        const next = safeNext(query(request, 'next'))
        if (await sessionFromRequest(ctx, request)) return see(next)
        return loginPage(request, { next })
      },
      { detail: { hide: true } },
    )
    .post(
      '/login',
      async ({ request, body, server }) => {
        if (!originAllowed(request, ctx.baseUrl)) return csrfPage(request)
        const form = formOf(body)
        const next = safeNext(form.next)
        const email = normalizeEmail(str(form, 'email', 254))
        const password = str(form, 'password')
        const ip = clientIp(request, () => server?.requestIP(request)?.address, ctx.config.trustProxy)
        const now = ctx.now()
        // Counted as a failure from here on; a right password takes it back below.
        const wait = await ctx.brake.attempt(ip, email, now)
        if (wait > 0) return loginPage(request, { next, email, status: 429, error: (t) => t.wait(wait), headers: { 'retry-after': String(wait) } })
        const user = email ? await findUserByEmail(data, email) : undefined
        const ok = await verifyPassword(password, user?.passwordHash ?? null)
        if (!ok || !user) return loginPage(request, { next, email, status: 401, error: (t) => t.wrong })
        await ctx.brake.succeed(ip, email)
        return loggedIn(user.id, request.headers.get('user-agent'), next)
      },
      { keyless: 'account', detail: { hide: true } },
    )
    .get(
      '/setup',
      async ({ request }) => {
        const token = query(request, 'token')
        if (!token || !(await setupTokenValid(data, token, ctx.now())) || (await countUsers(data)) > 0) return setupInvalid(request)
        return setupForm(request, token)
      },
      { detail: { hide: true } },
    )
    .post(
      '/setup',
      async ({ request, body }) => {
        if (!originAllowed(request, ctx.baseUrl)) return csrfPage(request)
        const form = formOf(body)
        const token = str(form, 'token', 128)
        if (!(await setupTokenValid(data, token, ctx.now())) || (await countUsers(data)) > 0) return setupInvalid(request)
        const problem = signUpProblem(form, languageOf(request).lang)
        if (problem) return setupForm(request, token, { status: 400, error: problem, email: str(form, 'email'), name: str(form, 'name') })
        const passwordHash = await hashPassword(str(form, 'password'))
        const user = await data.tx(async (tx) => {
          // Checked again inside the transaction: two forms sent at once (also to two instances) create one user.
          if (tx.engine === 'pg') await tx.run("SELECT pg_advisory_xact_lock(hashtext('hoko setup'))")
          if (!(await setupTokenValid(tx, token, ctx.now())) || (await countUsers(tx)) > 0) return null
          const u = await insertUser(tx, { email: str(form, 'email'), name: str(form, 'name'), passwordHash, isAdmin: true, language: languageOf(request).lang })
          const ws = (await findWorkspace(tx, 'default')) ?? (await listWorkspaces(tx))[0]
          if (ws) await setMembership(tx, u.id, ws.id, 'owner')
          await consumeSetupToken(tx)
          return u
        })
        if (!user) return setupInvalid(request)
        return loggedIn(user.id, request.headers.get('user-agent'), '/app')
      },
      { keyless: 'account', detail: { hide: true } },
    )
    .get(
      '/invite',
      async ({ request }) => {
        const token = query(request, 'token')
        const invite = await findOpenInvite(data, token, ctx.now())
        return invite && token ? inviteForm(request, token, invite) : inviteInvalid(request)
      },
      { detail: { hide: true } },
    )
    .post(
      '/invite',
      async ({ request, body }) => {
        if (!originAllowed(request, ctx.baseUrl)) return csrfPage(request)
        const form = formOf(body)
        const token = str(form, 'token', 128)
        const invite = await findOpenInvite(data, token, ctx.now())
        if (!invite) return inviteInvalid(request)
        const session = await sessionFromRequest(ctx, request)
        if (session) {
          try {
            checkCsrf(request, ctx.baseUrl, str(form, 'csrf', 128) || request.headers.get('x-csrf-token'), session.csrfToken)
          } catch {
            return csrfPage(request)
          }
          await data.tx((tx) => acceptInvite(tx, invite, session.userId, ctx.now()))
          return see('/app')
        }
        const { lang } = languageOf(request)
        const again = (error: string) => inviteForm(request, token, invite, { status: 400, error, email: str(form, 'email'), name: str(form, 'name') })
        const problem = signUpProblem(form, lang)
        if (problem) return again(problem)
        if (await findUserByEmail(data, str(form, 'email'))) return again(strings(lang).emailTaken)
        const passwordHash = await hashPassword(str(form, 'password'))
        let user
        try {
          user = await data.tx(async (tx) => {
            if (await findUserByEmail(tx, str(form, 'email'))) return 'taken' as const
            const u = await insertUser(tx, { email: str(form, 'email'), name: str(form, 'name'), passwordHash, language: lang })
            // Rolls the new user back when the invite was used meanwhile.
            if (!(await acceptInvite(tx, invite, u.id, ctx.now()))) throw new InviteUsed()
            return u
          })
        } catch (e) {
          if (e instanceof InviteUsed) return inviteInvalid(request)
          // The same email signed up meanwhile (on another instance, say).
          if (isUniqueViolation(e)) return again(strings(lang).emailTaken)
          throw e
        }
        if (user === 'taken') return again(strings(lang).emailTaken)
        return loggedIn(user.id, request.headers.get('user-agent'), '/app')
      },
      { keyless: 'account', detail: { hide: true } },
    )
    .get(
      '/logout',
      async ({ request }) => {
        const session = await sessionFromRequest(ctx, request)
        if (!session) return see('/login')
        return page(request, {
          title: (t) => t.logoutTitle,
          body: (t) => `<form method="post" action="/logout">${hidden('csrf', session.csrfToken)}${button(t.submitLogout)}</form>`,
        })
      },
      { detail: { hide: true } },
    )
    .post(
      '/logout',
      async ({ request, body }) => {
        const session = await sessionFromRequest(ctx, request)
        if (session) {
          try {
            checkCsrf(request, ctx.baseUrl, str(formOf(body), 'csrf', 128) || request.headers.get('x-csrf-token'), session.csrfToken)
          } catch {
            return csrfPage(request)
          }
          await endSession(data, session.id)
        }
        return see('/login', [clearSessionCookie(ctx.baseUrl)])
      },
      { keyless: 'account', detail: { hide: true } },
    )
}

class InviteUsed extends Error {}
