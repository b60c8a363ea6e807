/** The few HTML pages a visitor of a short link can see. Small, self-contained, no script. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c])

const BASE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}
const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;min-height:100vh;display:grid;place-items:center;background:#f8fafc;color:#0f172a}' +
  'main{max-width:28rem;padding:2rem;text-align:center}h1{font-size:1.4rem;margin:0 0 .5rem}p{margin:.25rem 0;color:#475569}' +
  'form{margin-top:1rem;display:flex;gap:.5rem;justify-content:center}input{padding:.5rem;border:1px solid #cbd5e1;border-radius:.375rem}' +
  'button{padding:.5rem 1rem;border:0;border-radius:.375rem;background:#0f172a;color:#fff}.err{color:#b91c1c}'

function page(status: number, title: string, body: string, extraHeaders: Record<string, string> = {}): Response {
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body><main>${body}</main></body></html>`
  return new Response(html, { status, headers: { ...BASE_HEADERS, 'content-security-policy': CSP, ...extraHeaders } })
}

const both = (en: string, ar: string) => `<p>${en}</p><p dir="rtl" lang="ar">${ar}</p>`

export const notFoundPage = () =>
  page(404, 'Link not found', `<h1>Link not found</h1>${both('This short link does not exist.', 'هذا الرابط المختصر غير موجود.')}`)

export const gonePage = () =>
  page(410, 'Link expired', `<h1>Link expired</h1>${both('This short link has expired.', 'انتهت صلاحية هذا الرابط المختصر.')}`)

export function passwordPage(opts: { title: string | null; wrong?: boolean; status?: number }): Response {
  const heading = escapeHtml(opts.title || 'Protected link')
  const error = opts.wrong ? `<p class="err">Wrong password.</p><p class="err" dir="rtl" lang="ar">كلمة المرور غير صحيحة.</p>` : ''
  return page(
    opts.status ?? 200,
    opts.title || 'Protected link',
    `<h1>${heading}</h1>${both('This link is protected by a password.', 'هذا الرابط محمي بكلمة مرور.')}${error}` +
      `<form method="post"><input type="password" name="password" aria-label="Password" required autofocus>` +
      `<button type="submit">Continue</button></form>`,
  )
}

export const tooManyAttemptsPage = (retryAfter: number) =>
  page(
    429,
    'Too many attempts',
    `<h1>Too many attempts</h1>${both(
      `Too many wrong passwords. Try again in ${retryAfter} seconds.`,
      `محاولات خاطئة كثيرة. حاول مرة أخرى بعد ${retryAfter} ثانية.`,
    )}`,
    { 'retry-after': String(retryAfter) },
  )

/** The per-address limit of the keyless endpoints (http/keyless-limit.ts), on a page a browser shows. */
export const tooManyRequestsPage = (retryAfter: number) =>
  page(
    429,
    'Too many requests',
    `<h1>Too many requests</h1>${both(
      `Too many requests from your network. Try again in ${retryAfter} seconds.`,
      `طلبات كثيرة من شبكتك. حاول مرة أخرى بعد ${retryAfter} ثانية.`,
    )}`,
    { 'retry-after': String(retryAfter) },
  )

/** A custom domain's root or not-found redirect: its settings can change at any time, so nothing caches it. */
/**
 * A redirect to an absolute URL as stored (a domain's rootUrl or notFoundUrl, kept as the user wrote
 * it): serialised first, so that an Arabic path or any other non-ASCII character goes out
 * percent-encoded, as a header value must be.
 */
export const redirectTo = (url: string) => new Response(null, { status: 302, headers: { location: new URL(url).href, 'cache-control': 'private, no-store' } })

/** `/` on a custom domain without a rootUrl: whose domain this is, nothing more. */
export const domainRootPage = (name: string) =>
  page(
    200,
    name,
    `<h1>${escapeHtml(name)}</h1>${both('This domain serves short links.', 'يقدّم هذا النطاق روابط مختصرة.')}`,
  )

export const unavailablePage = () =>
  page(
    503,
    'Try again',
    `<h1>Please try again</h1>${both('The link could not be opened just now.', 'تعذّر فتح الرابط الآن.')}`,
    { 'retry-after': '1' },
  )

/** The destination in a full-window frame; the address bar keeps the short URL. */
export function cloakPage(destination: string, title: string | null, headers: Headers): Response {
  const html =
    `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(title ?? '')}</title><style>html,body,iframe{margin:0;padding:0;border:0;width:100%;height:100%;overflow:hidden}</style>` +
    `</head><body><iframe src="${escapeHtml(destination)}" title="${escapeHtml(title ?? '')}" allow="fullscreen"></iframe></body></html>`
  for (const [name, value] of Object.entries(BASE_HEADERS)) headers.set(name, value)
  headers.set(
    'content-security-policy',
    "default-src 'none'; style-src 'unsafe-inline'; frame-src http: https:; frame-ancestors 'none'; base-uri 'none'",
  )
  return new Response(html, { status: 200, headers })
}
