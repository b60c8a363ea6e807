import { Elysia } from 'elysia'

/**
 * The API reference page loads Scalar from a CDN until the binary carries it. Users paste API keys
 * into this page, so the script is pinned to one version and the browser checks it against a hash
 * (Subresource Integrity): a changed or compromised CDN file is refused instead of run.
 * The hash is the sha384 of this file in the npm tarball of that version, which jsDelivr serves
 * unchanged (its on-the-fly `.min.js` is not in the tarball, so it could not be checked).
 * To upgrade: `npm pack @scalar/api-reference@<version>`, then
 * `tar -xzOf scalar-api-reference-<version>.tgz package/dist/browser/standalone.js | openssl dgst -sha384 -binary | openssl base64 -A`.
 */
export const SCALAR_VERSION = '1.72.1'
export const SCALAR_FILE = 'dist/browser/standalone.js'
export const SCALAR_URL = `https://cdn.jsdelivr.net/npm/@scalar/api-reference@${SCALAR_VERSION}/${SCALAR_FILE}`
export const SCALAR_INTEGRITY = 'sha384-U11tb2XnKvmwt8RlTvnwUnYgrN+ur4Xyh9htLhjajWNR/Oyl5AX5DEz00qRmlrmK'

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Hoko API</title>
  </head>
  <body>
    <script id="api-reference" data-url="/openapi.json"></script>
    <script src="${SCALAR_URL}" integrity="${SCALAR_INTEGRITY}" crossorigin="anonymous" referrerpolicy="no-referrer"></script>
  </body>
</html>
`

export const docsRoutes = () =>
  new Elysia({ name: 'hoko-docs' }).get(
    '/docs',
    // A Response built per request: a static one would go to Bun's static routes, where /:shortId shadows it.
    () => new Response(PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } }),
    { detail: { hide: true } },
  )
