import { escapeHtml } from '../http/pages'
import type { Role } from './roles'

/**
 * The pages around the dashboard: setup, login, invite, logout. Server-rendered forms, no script,
 * styles from /auth.css, in English or Arabic.
 */
export type Lang = 'en' | 'ar'

export const LANG_COOKIE = 'hoko_lang'
export const AUTH_CSS_PATH = '/auth.css'

const CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'content-security-policy': CSP,
}

export const AUTH_CSS =
  ':root{color-scheme:light}*{box-sizing:border-box}' +
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;min-height:100vh;background:#f8fafc;color:#0f172a;display:flex;flex-direction:column}' +
  'header{display:flex;justify-content:space-between;align-items:center;padding:.75rem 1rem}header strong{font-size:1.1rem}' +
  'main{flex:1;display:grid;place-items:center;padding:1rem}section{width:100%;max-width:24rem;background:#fff;border:1px solid #e2e8f0;border-radius:.5rem;padding:1.5rem}' +
  'h1{font-size:1.4rem;margin:0 0 1rem}p{margin:.5rem 0;color:#334155}label{display:block;margin:.75rem 0 .25rem;font-weight:600}' +
  'input{width:100%;padding:.55rem;border:1px solid #94a3b8;border-radius:.375rem;font:inherit}' +
  'button{margin-top:1rem;width:100%;padding:.6rem 1rem;border:0;border-radius:.375rem;background:#0f172a;color:#fff;font:inherit;cursor:pointer}' +
  'a{color:#1d4ed8}:focus-visible{outline:3px solid #2563eb;outline-offset:2px}' +
  '.error{color:#b91c1c;background:#fef2f2;border:1px solid #fecaca;border-radius:.375rem;padding:.5rem .75rem}'

const T = {
  en: {
    switchTo: 'العربية',
    switchLang: 'ar',
    loginTitle: 'Log in',
    email: 'Email',
    name: 'Name',
    password: 'Password',
    newPassword: 'Password (at least 8 characters)',
    submitLogin: 'Log in',
    wrong: 'Wrong email or password.',
    wait: (s: number) => `Too many failed attempts. Try again in ${s} seconds.`,
    setupTitle: 'Create the first user',
    setupIntro: 'This user becomes the instance admin and the owner of the default workspace.',
    submitSetup: 'Create user',
    setupInvalid: 'This setup link is invalid, expired or already used. Restart the server for a new one while no user exists.',
    inviteTitle: (ws: string, role: string) => `Join ${ws} as ${role}`,
    inviteIntro: 'Create your account to join.',
    haveAccount: 'Already have an account?',
    loginFirst: 'Log in first',
    joinAs: (email: string) => `You are logged in as ${email}.`,
    submitJoin: 'Join',
    submitCreate: 'Create account and join',
    inviteInvalid: 'This invite link is invalid, expired or already used. Ask an owner of the workspace for a new one.',
    emailTaken: 'An account with this email already exists: log in first, then open this invite link again.',
    logoutTitle: 'Log out',
    submitLogout: 'Log out',
    csrf: 'This form has expired or came from another site. Reload the page and try again.',
    roles: { owner: 'owner', member: 'member', viewer: 'viewer' } as Record<Role, string>,
  },
  ar: {
    switchTo: 'English',
    switchLang: 'en',
    loginTitle: 'تسجيل الدخول',
    email: 'البريد الإلكتروني',
    name: 'الاسم',
    password: 'كلمة المرور',
    newPassword: 'كلمة المرور (8 أحرف على الأقل)',
    submitLogin: 'دخول',
    wrong: 'البريد الإلكتروني أو كلمة المرور غير صحيحة.',
    wait: (s: number) => `محاولات فاشلة كثيرة. حاول مرة أخرى بعد ${s} ثانية.`,
    setupTitle: 'إنشاء المستخدم الأول',
    setupIntro: 'يصبح هذا المستخدم مسؤول الخادم ومالك مساحة العمل الافتراضية.',
    submitSetup: 'إنشاء المستخدم',
    setupInvalid: 'رابط الإعداد هذا غير صالح أو منتهي الصلاحية أو مستخدم من قبل. أعد تشغيل الخادم للحصول على رابط جديد ما دام لا يوجد أي مستخدم.',
    inviteTitle: (ws: string, role: string) => `انضم إلى ${ws} بدور ${role}`,
    inviteIntro: 'أنشئ حسابك للانضمام.',
    haveAccount: 'لديك حساب بالفعل؟',
    loginFirst: 'سجّل الدخول أولًا',
    joinAs: (email: string) => `أنت مسجّل الدخول باسم ${email}.`,
    submitJoin: 'انضمام',
    submitCreate: 'إنشاء الحساب والانضمام',
    inviteInvalid: 'رابط الدعوة هذا غير صالح أو منتهي الصلاحية أو مستخدم من قبل. اطلب رابطًا جديدًا من مالك مساحة العمل.',
    emailTaken: 'يوجد حساب بهذا البريد الإلكتروني بالفعل: سجّل الدخول أولًا ثم افتح رابط الدعوة مرة أخرى.',
    logoutTitle: 'تسجيل الخروج',
    submitLogout: 'خروج',
    csrf: 'انتهت صلاحية هذا النموذج أو أُرسل من موقع آخر. أعد تحميل الصفحة وحاول مرة أخرى.',
    roles: { owner: 'مالك', member: 'عضو', viewer: 'مشاهد' } as Record<Role, string>,
  },
}
export type Strings = (typeof T)['en']
export const strings = (lang: Lang): Strings => T[lang]

/** `?lang=` (remembered in a cookie), else the cookie, else the first of ar/en in Accept-Language. */
export function languageOf(request: Request): { lang: Lang; chosen: boolean } {
  const url = new URL(request.url)
  const asked = url.searchParams.get('lang')
  if (asked === 'en' || asked === 'ar') return { lang: asked, chosen: true }
  const cookie = /(?:^|;\s*)hoko_lang=(en|ar)(?:;|$)/.exec(request.headers.get('cookie') ?? '')
  if (cookie) return { lang: cookie[1] as Lang, chosen: false }
  const ranked = (request.headers.get('accept-language') ?? '')
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';')
      const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean)
      return { tag: tag.split('-')[0], q: q === undefined ? 1 : Number(q), i }
    })
    .filter((x) => (x.tag === 'ar' || x.tag === 'en') && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
  return { lang: ranked[0]?.tag === 'ar' ? 'ar' : 'en', chosen: false }
}

export type PageOpts = { lang: Lang; chosen?: boolean; status?: number; title: string; body: string; headers?: Record<string, string>; url: URL; secure: boolean }

export function authPage(o: PageOpts): Response {
  const t = strings(o.lang)
  const other = new URL(o.url)
  other.searchParams.set('lang', t.switchLang)
  const html =
    `<!doctype html><html lang="${o.lang}" dir="${o.lang === 'ar' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">` +
    `<title>${escapeHtml(o.title)} · Hoko</title><link rel="stylesheet" href="${AUTH_CSS_PATH}"></head><body>` +
    `<header><strong>Hoko</strong><a href="${escapeHtml(other.pathname + other.search)}" lang="${t.switchLang}" hreflang="${t.switchLang}">${t.switchTo}</a></header>` +
    `<main><section aria-labelledby="title"><h1 id="title">${escapeHtml(o.title)}</h1>${o.body}</section></main></body></html>`
  const headers = new Headers({ ...HEADERS, ...o.headers })
  if (o.chosen) headers.append('set-cookie', `${LANG_COOKIE}=${o.lang}; Path=/; Max-Age=31536000; SameSite=Lax${o.secure ? '; Secure' : ''}`)
  return new Response(html, { status: o.status ?? 200, headers })
}

export const errorBox = (text: string | undefined) => (text ? `<p class="error" role="alert">${escapeHtml(text)}</p>` : '')
export const hidden = (name: string, value: string | null | undefined) =>
  value ? `<input type="hidden" name="${name}" value="${escapeHtml(value)}">` : ''

export function field(o: { name: string; label: string; type?: string; value?: string; autocomplete?: string; required?: boolean; minlength?: number }) {
  const id = `f-${o.name}`
  return (
    `<label for="${id}">${escapeHtml(o.label)}</label><input id="${id}" name="${o.name}" type="${o.type ?? 'text'}"` +
    `${o.value ? ` value="${escapeHtml(o.value)}"` : ''}${o.autocomplete ? ` autocomplete="${o.autocomplete}"` : ''}` +
    `${o.minlength ? ` minlength="${o.minlength}"` : ''}${o.required === false ? '' : ' required'}>`
  )
}

export const button = (label: string) => `<button type="submit">${escapeHtml(label)}</button>`
export const paragraph = (text: string) => `<p>${escapeHtml(text)}</p>`
