import { Elysia } from 'elysia'
// Relative, not a package specifier: the package's exports map does not list its browser build.
// `type: 'file'` makes `bun build --compile` carry the file inside the binary.
import scalarFile from '../../node_modules/@scalar/api-reference/dist/browser/standalone.js' with { type: 'file' }

/**
 * The API reference page, served entirely by Hoko: Scalar's standalone browser build comes from the
 * npm package pinned in package.json (devDependencies, exact version), embedded in the binary. Users
 * paste API keys into this page, so nothing on it may come from, or talk to, another origin: the
 * Content-Security-Policy below says so to the browser, and Scalar is configured not to ask
 * (no hosted fonts, no request proxy, no telemetry, no AI agent).
 */
export const SCALAR_VERSION = '1.72.1'
/** A dot in the name: short ids are [A-Za-z0-9_-], and this is two segments deep anyway. */
export const SCALAR_PATH = `/docs/assets/scalar-${SCALAR_VERSION}.js`

const CONFIGURATION = {
  url: '/openapi.json',
  withDefaultFonts: false,
  proxyUrl: '',
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  hideClientButton: false,
  showDeveloperTools: 'never',
}

/**
 * Measured in Chromium (test/docs.test.ts): Scalar needs no eval and no inline script, but sets
 * inline styles and adds <style> elements as it renders ('unsafe-inline' for styles only), draws
 * icons from data: and blob: images, and fetches /openapi.json and the "Try it" requests from this
 * origin. Nothing else is allowed.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const escapeAttr = (s: string) => s.replaceAll('&', '&amp;').replaceAll("'", '&#39;')

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Hoko API</title>
  </head>
  <body>
    <script id="api-reference" data-url="/openapi.json" data-configuration='${escapeAttr(JSON.stringify(CONFIGURATION))}'></script>
    <script src="${SCALAR_PATH}"></script>
  </body>
</html>
`

const scalar = Bun.file(scalarFile)

export const docsRoutes = () =>
  new Elysia({ name: 'hoko-docs' })
    .get(
      '/docs',
      // A Response built per request: a static one would go to Bun's static routes, where /:shortId shadows it.
      () =>
        new Response(PAGE, {
          headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': DOCS_CSP, 'referrer-policy': 'no-referrer' },
        }),
      { detail: { hide: true } },
    )
    .get(
      SCALAR_PATH,
      () =>
        new Response(scalar, {
          headers: {
            'content-type': 'text/javascript; charset=utf-8',
            // The version is in the path: a new release gets a new URL.
            'cache-control': 'public, max-age=31536000, immutable',
            'x-content-type-options': 'nosniff',
          },
        }),
      { detail: { hide: true } },
    )
