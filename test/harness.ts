import { Database } from 'bun:sqlite'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dollarParams } from '../src/db/data'
import { type PgCluster, startPostgres } from './postgres'

export const ROOT = join(import.meta.dir, '..')
const BUN = process.execPath

export type CliResult = { code: number; stdout: string; stderr: string }

/** The variables whose value is not undefined: undefined in a test's env removes a variable. */
const defined = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>

/** Runs `bun src/main.ts …` against a database file, as a user would. */
export function cli(dbPath: string, args: string[], env: Record<string, string | undefined> = {}): CliResult {
  const r = Bun.spawnSync([BUN, 'src/main.ts', ...args], {
    cwd: ROOT,
    env: defined({ ...process.env, HOKO_DB: dbPath, ...env }),
    stdout: 'pipe',
    stderr: 'pipe',
  })
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

export function cliJson<T = any>(dbPath: string, args: string[], env: Record<string, string | undefined> = {}): T {
  const r = cli(dbPath, [...args, '--json'], env)
  if (r.code !== 0) throw new Error(`hoko ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

export type TestServer = {
  url: string
  /** The all-scopes key printed on first start. */
  key: string
  dir: string
  dbPath: string
  stdout: string
  proc: ReturnType<typeof Bun.spawn>
  /** fetch against the server with the first key unless headers say otherwise. */
  api(path: string, init?: RequestInit & { json?: unknown; key?: string | null }): Promise<Response>
  cli(args: string[]): CliResult
  cliJson<T = any>(args: string[]): T
  /** A key with exactly these scopes in workspace `workspace` (default: "default"). */
  newKey(scopes: string, workspace?: string): string
  /** Read-only handle on the server's SQLite file, for asserting stored effects (SQLite only: see `rows`). */
  sql(): Database
  /** Which engine the server runs on (HOKO_TEST_ENGINE). */
  engine: 'sqlite' | 'pg'
  /** The server's PostgreSQL database (engine pg). */
  databaseUrl?: string
  /** Rows of a query with `?` placeholders, on either engine, integers as numbers: for asserting stored effects. */
  rows<T = Record<string, any>>(text: string, params?: unknown[]): Promise<T[]>
  /** Several `rows` queries at once, on one connection. */
  rowsMany<T = Record<string, any>>(queries: [string, unknown[]][]): Promise<T[][]>
  stop(): Promise<void>
}

async function readUntil(stream: ReadableStream<Uint8Array>, marker: RegExp, ms: number): Promise<string> {
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const deadline = Date.now() + ms
  while (!marker.test(text)) {
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), Math.max(1, deadline - Date.now())))
    const next = await Promise.race([reader.read(), timer])
    if (next === 'timeout') throw new Error(`server did not print ${marker} within ${ms} ms; got:\n${text}`)
    if (next.done) throw new Error(`server exited before printing ${marker}; got:\n${text}`)
    text += decoder.decode(next.value)
  }
  reader.releaseLock()
  return text
}

/**
 * Every /api answer the suites see is written to the file named by HOKO_TEST_RESPONSE_LOG (set by
 * test/preload.ts), one JSON line each, so that test/openapi.check.ts can hold them against
 * /openapi.json. JSON bodies are read from a clone; other bodies (CSV, streams) are left alone.
 */
async function recordResponse(method: string, path: string, res: Response): Promise<Response> {
  const file = process.env.HOKO_TEST_RESPONSE_LOG
  if (!file || !/^\/api(?:[/?]|$)/.test(path)) return res
  const type = res.headers.get('content-type') ?? ''
  let body: unknown
  if (/^application\/json/i.test(type) && method.toUpperCase() !== 'HEAD') {
    const text = await res.clone().text()
    try {
      body = JSON.parse(text)
    } catch {
      body = { unparsable: text.slice(0, 200) }
    }
  }
  const headers = Object.fromEntries([...res.headers].filter(([k]) => k.startsWith('x-') || k === 'retry-after' || k === 'content-type'))
  appendFileSync(file, JSON.stringify({ method: method.toUpperCase(), path: path.split('?')[0], status: res.status, headers, body }) + '\n')
  return res
}

export async function startServer(
  /** An env value of undefined removes that variable; cwd defaults to the checkout. */
  opts: { env?: Record<string, string | undefined>; dir?: string; command?: string[]; stderr?: 'pipe'; cwd?: string } = {},
): Promise<TestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'hoko-test-'))
  const dbPath = join(dir, 'hoko.db')
  // A test that names its database (HOKO_DATABASE_URL) keeps it; on engine pg every other server gets a new one.
  const databaseUrl = opts.env && 'HOKO_DATABASE_URL' in opts.env ? opts.env.HOKO_DATABASE_URL : ENGINE === 'pg' ? await newPgDatabase() : undefined
  const cliEnv = { ...opts.env, HOKO_DATABASE_URL: databaseUrl }
  // Request logs only where a test asks for them. Webhook deliveries only where a test asks for them
  // (its receiver on 127.0.0.1): a URL a fuzzed request sets must never be called.
  const env = defined({ ...process.env, PORT: '0', HOST: '127.0.0.1', HOKO_DB: dbPath, HOKO_LOG: 'warn', HOKO_WEBHOOK_DELIVERY: '0', ...cliEnv })
  const proc = Bun.spawn(opts.command ?? [BUN, 'src/main.ts', 'serve'], {
    cwd: opts.cwd ?? ROOT,
    env,
    stdout: 'pipe',
    stderr: opts.stderr ?? 'inherit',
  })
  const stdout = await readUntil(proc.stdout as ReadableStream<Uint8Array>, /Hoko listening on http:\/\/[^:]+:(\d+)/, 20_000)
  const port = /Hoko listening on http:\/\/[^:]+:(\d+)/.exec(stdout)![1]
  const key = /HOKO_API_KEY=(hk_\S+)/.exec(stdout)?.[1] ?? ''
  const url = `http://127.0.0.1:${port}`
  const server: TestServer = {
    url,
    key,
    dir,
    dbPath,
    stdout,
    proc,
    api(path, init = {}) {
      const headers = new Headers(init.headers)
      const k = init.key === undefined ? key : init.key
      if (k !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${k}`)
      let body = init.body
      if (init.json !== undefined) {
        body = JSON.stringify(init.json)
        if (!headers.has('content-type')) headers.set('content-type', 'application/json')
      }
      return fetch(url + path, { ...init, headers, body }).then((res) => recordResponse(init.method ?? 'GET', path, res))
    },
    cli: (args) => cli(dbPath, args, cliEnv),
    cliJson: (args) => cliJson(dbPath, args, cliEnv),
    newKey(scopes, workspace = 'default') {
      return cliJson(dbPath, ['key', 'create', '--workspace', workspace, '--name', `test ${scopes}`, '--scopes', scopes], cliEnv).key
    },
    sql: () => {
      if (databaseUrl) throw new Error('s.sql() reads the SQLite file: on PostgreSQL use s.rows()')
      return new Database(dbPath, { readonly: true })
    },
    engine: databaseUrl ? 'pg' : 'sqlite',
    databaseUrl,
    rows: (text, params = []) => queryRows(databaseUrl ?? dbPath, text, params),
    rowsMany: (queries) => queryMany(databaseUrl ?? dbPath, queries),
    async stop() {
      proc.kill('SIGTERM')
      await proc.exited
    },
  }
  return server
}

/** A TCP port of 127.0.0.1 free a moment ago, for a process the test starts (Redis, PostgreSQL, Caddy, a server on a fixed port). */
/**
 * HOKO_TEST_ENGINE=pg (`npm run test:pg`): every server the suites start runs on PostgreSQL, one new
 * database each on a private cluster that the test process starts on first use and stops at exit.
 */
export const ENGINE: 'sqlite' | 'pg' = process.env.HOKO_TEST_ENGINE === 'pg' ? 'pg' : 'sqlite'
let cluster: Promise<PgCluster> | null = null
let databases = 0
export async function newPgDatabase(): Promise<string> {
  cluster ??= startPostgres()
  return (await cluster).createDatabase(`hoko_${process.pid}_${++databases}`)
}

/**
 * After the last test file (test/preload.ts): the PostgreSQL readers of `rows` closed, and the private PostgreSQL
 * stopped (`bun test` emits no 'exit' event, and pg_ctl's server would outlive it).
 */
export async function closeTestDatabases(): Promise<void> {
  const c = cluster
  cluster = null
  for (const r of readers.values()) await r.close()
  readers.clear()
  if (c) await (await c).stop()
}

/** Rows of a query on a SQLite file or a postgres:// URL, integers as numbers. */
export async function queryRows<T>(target: string, text: string, params: unknown[] = []): Promise<T[]> {
  return (await queryMany<T>(target, [[text, params]]))[0]
}

/**
 * Several queries on one connection: the SQLite file is opened once for them and closed after (a
 * reader left open would keep the server's close from being the last, which removes the WAL file).
 */
export async function queryMany<T>(target: string, queries: [string, unknown[]][]): Promise<T[][]> {
  if (!target.startsWith('postgres')) {
    const db = new Database(target, { readonly: true })
    try {
      return queries.map(([text, params]) => db.query(text).all(...(params as never[])) as T[])
    } finally {
      db.close()
    }
  }
  const out: T[][] = []
  for (const [text, params] of queries) out.push(await pgRows<T>(target, text, params))
  return out
}

async function pgRows<T>(target: string, text: string, params: unknown[]): Promise<T[]> {
  let client = readers.get(target)
  if (!client) readers.set(target, (client = new Bun.SQL(target, { max: 1, bigint: true, idleTimeout: 5 })))
  const rows = (await client.unsafe(dollarParams(text), params)) as Record<string, unknown>[]
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]))) as T[]
}
/** One reading connection per PostgreSQL database, kept for the suites' many reads (closed when idle for 5 s). */
const readers = new Map<string, InstanceType<typeof Bun.SQL>>()

export async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
  const port = probe.port!
  probe.stop(true)
  return port
}

export function removeDir(dir: string) {
  rmSync(dir, { recursive: true, force: true })
}

/** Both languages present, Arabic really Arabic. */
export function expectBilingual(body: any): { en: string; ar: string } {
  if (typeof body?.error?.en !== 'string' || typeof body?.error?.ar !== 'string')
    throw new Error(`not a bilingual error body: ${JSON.stringify(body)}`)
  if (!/[\u0600-\u06FF]/.test(body.error.ar)) throw new Error(`Arabic message has no Arabic: ${body.error.ar}`)
  return body.error
}

/** Real user agents, for device detection and bots. */
export const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  iphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  android:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
}
