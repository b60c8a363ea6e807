import { basename, join } from 'node:path'
// In a compiled binary this is the bundle `bun build --compile` made of the page (files: JS, CSS,
// HTML); under `bun src/main.ts` it is a lazy handle with no files, and the sources are on disk.
import shell from './ui/index.html'

export type Asset = { body: Uint8Array<ArrayBuffer>; type: string; etag: string }
export type DashboardBundle = {
  /** By file name, served under ASSET_PREFIX. */
  assets: Map<string, Asset>
  scripts: string[]
  styles: string[]
}

/** Not a short id (those never contain a dot, and `app` is reserved), never shadowed by /:shortId. */
export const ASSET_PREFIX = '/app/assets/'

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
}
const typeOf = (name: string) => TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream'

function add(bundle: DashboardBundle, name: string, body: Uint8Array<ArrayBuffer>) {
  const etag = `"${new Bun.CryptoHasher('sha256').update(body).digest('base64url').slice(0, 22)}"`
  bundle.assets.set(name, { body, type: typeOf(name), etag })
  if (name.endsWith('.js')) bundle.scripts.push(ASSET_PREFIX + name)
  else if (name.endsWith('.css')) bundle.styles.push(ASSET_PREFIX + name)
}

/** The files `bun build --compile` embedded (see HTMLBundle.files). */
async function fromBinary(files: NonNullable<Bun.HTMLBundle['files']>): Promise<DashboardBundle> {
  const bundle: DashboardBundle = { assets: new Map(), scripts: [], styles: [] }
  for (const f of files) if (f.loader !== 'html') add(bundle, basename(f.path), new Uint8Array(await Bun.file(f.path).arrayBuffer()))
  return bundle
}

/** `npm start`: bundle the sources once per start, in memory (a few hundred ms), as the binary's build does. */
async function fromSource(): Promise<DashboardBundle> {
  const result = await Bun.build({
    entrypoints: [join(import.meta.dir, 'ui', 'index.html')],
    minify: true,
    naming: { entry: '[name]-[hash].[ext]', chunk: '[name]-[hash].[ext]', asset: '[name]-[hash].[ext]' },
    define: { 'process.env.NODE_ENV': '"production"' },
    throw: false,
  })
  if (!result.success) throw new AggregateError(result.logs, 'the dashboard did not build')
  const bundle: DashboardBundle = { assets: new Map(), scripts: [], styles: [] }
  for (const out of result.outputs) if (!out.path.endsWith('.html')) add(bundle, basename(out.path), new Uint8Array(await out.arrayBuffer()))
  return bundle
}

let loading: Promise<DashboardBundle> | undefined

/** Built or read once per process; later calls share the same promise. */
export function dashboardBundle(): Promise<DashboardBundle> {
  loading ??= shell.files?.length ? fromBinary(shell.files) : fromSource()
  return loading
}
