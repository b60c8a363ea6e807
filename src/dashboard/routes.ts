import { Elysia } from 'elysia'
import { type Lang, languageOf } from '../accounts/pages'
import type { AppContext } from '../context'
import { log } from '../log'
import { ASSET_PREFIX, dashboardBundle, type DashboardBundle } from './assets'

/** The page may load only what this origin serves: no inline script or style, no frames, no other hosts. */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')

/** The HTML shell: language and direction are right before any script runs, so nothing flips on load. */
export function shellHtml(bundle: DashboardBundle, lang: Lang): string {
  return (
    `<!doctype html><html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Hoko</title>' +
    bundle.styles.map((href) => `<link rel="stylesheet" href="${attr(href)}">`).join('') +
    `</head><body><div id="app"></div><noscript>${lang === 'ar' ? 'تحتاج لوحة التحكم إلى JavaScript.' : 'The dashboard needs JavaScript.'}</noscript>` +
    bundle.scripts.map((src) => `<script type="module" src="${attr(src)}"></script>`).join('') +
    '</body></html>'
  )
}

const SHELL_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': DASHBOARD_CSP,
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
}

export type DashboardDeps = {
  /** Whether the request carries a live dashboard session; without one /app* sends the visitor to /login. */
  signedIn: (request: Request) => Promise<boolean>
}

/** /app, /app/* (the HTML shell of the browser app) and /app/assets/* (its bundled JS and CSS). */
export function dashboardRoutes(_ctx: AppContext, deps: DashboardDeps) {
  // Start bundling now, so that the first visitor does not wait; a broken bundle is logged at start.
  dashboardBundle().catch((e) => log('error', 'dashboard bundle failed', { error: String(e?.stack ?? e) }))

  async function page(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (!(await deps.signedIn(request))) {
      const next = url.pathname + url.search
      return new Response(null, { status: 303, headers: { location: `/login?next=${encodeURIComponent(next)}`, 'cache-control': 'no-store' } })
    }
    const bundle = await dashboardBundle()
    return new Response(shellHtml(bundle, languageOf(request).lang), { headers: SHELL_HEADERS })
  }

  async function asset(name: string, request: Request): Promise<Response> {
    const file = (await dashboardBundle()).assets.get(name)
    if (!file) return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } })
    if (request.headers.get('if-none-match') === file.etag) return new Response(null, { status: 304, headers: { etag: file.etag } })
    return new Response(file.body, {
      headers: {
        'content-type': file.type,
        etag: file.etag,
        // File names carry a content hash: a new build gets new names.
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
      },
    })
  }

  return new Elysia({ name: 'hoko-dashboard' })
    .get('/app', ({ request }) => page(request), { detail: { hide: true } })
    .get(`${ASSET_PREFIX}:name`, ({ params, request }) => asset(params.name, request), { detail: { hide: true } })
    .get('/app/*', ({ request }) => page(request), { detail: { hide: true } })
}
