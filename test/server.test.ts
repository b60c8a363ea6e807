import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ENGINE, expectBilingual, removeDir, ROOT, startServer, type TestServer } from './harness'

describe('the server', () => {
  let s: TestServer
  let firstKey: string
  beforeAll(async () => {
    s = await startServer({ env: { HOKO_MAX_BODY_BYTES: '2048' } })
    firstKey = s.key
  })
  afterAll(async () => {
    await s.stop()
    removeDir(s.dir)
  })

  test('GET /healthz answers without a key', async () => {
    const res = await fetch(`${s.url}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  test('an unknown /api endpoint is a bilingual 404 naming it', async () => {
    const res = await s.api('/api/linkz?take=5')
    expect(res.status).toBe(404)
    const e = expectBilingual(await res.json())
    expect(e.en).toBe('Endpoint not found: GET /api/linkz')
    for (const path of ['/api', '/api/']) expect((await s.api(path)).status).toBe(404)
  })

  test('a body over HOKO_MAX_BODY_BYTES is a bilingual 413', async () => {
    const res = await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com/' + 'a'.repeat(4000) }] })
    expect(res.status).toBe(413)
    const e = expectBilingual(await res.json())
    expect(e.en).toBe('Request body is larger than the limit of 2048 bytes')
  })

  test('the OpenAPI document and the docs page are served', async () => {
    const spec = await (await fetch(`${s.url}/openapi.json`)).json()
    expect(spec.openapi).toMatch(/^3\./)
    expect(spec.paths['/healthz']).toBeDefined()
    const docs = await fetch(`${s.url}/docs`)
    expect(docs.status).toBe(200)
    expect(docs.headers.get('content-type')).toContain('text/html')
  })

  test('a second start on the same database prints no new key', async () => {
    await s.stop()
    const again = await startServer({ dir: s.dir, env: { HOKO_DATABASE_URL: s.databaseUrl, HOKO_MAX_BODY_BYTES: '2048' } })
    try {
      expect(again.key).toBe('')
      expect(again.stdout).not.toContain('HOKO_API_KEY')
      // the first key still works
      const res = await fetch(`${again.url}/api/nothing`, { headers: { authorization: `Bearer ${s.key}` } })
      expect(res.status).toBe(404)
      const [secret] = await again.rows<{ value: string }>("SELECT value FROM settings WHERE key = 'secret'")
      expect(secret.value.length).toBeGreaterThanOrEqual(32)
    } finally {
      s = again
    }
  })

  test('SIGTERM lets an in-flight request finish and commit, then exits 0', async () => {
    // A request whose body is still arriving when the signal comes.
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode('[{"name":"in'))
        await gate
        controller.enqueue(new TextEncoder().encode('-flight"}]'))
        controller.close()
      },
    })
    const stopping = s
    const pending = fetch(`${s.url}/api/collections`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${firstKey}`, 'content-type': 'application/json' },
      // @ts-expect-error Bun needs duplex for a streamed body like browsers do
      duplex: 'half',
    })
    await Bun.sleep(300)
    stopping.proc.kill('SIGTERM')
    await Bun.sleep(300)
    release()
    s = await startServer({ dir: stopping.dir, env: { HOKO_DATABASE_URL: stopping.databaseUrl, HOKO_MAX_BODY_BYTES: '2048' } }).catch(() => stopping)
    const res = await pending
    expect(res.status).toBe(201)
    expect(await stopping.proc.exited).toBe(0)
    expect(await s.rows("SELECT count(*) AS n FROM collections WHERE name = 'in-flight'")).toEqual([{ n: 1 }])
  })

  test('SIGTERM closes the database cleanly and exits 0', async () => {
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
    s.proc.kill('SIGTERM')
    expect(await s.proc.exited).toBe(0)
    // Closing the last connection checkpoints the WAL into the database file and removes it.
    if (s.engine === 'sqlite') expect(existsSync(join(s.dir, 'hoko.db-wal'))).toBe(false)
  })
})

describe('configuration', () => {
  test('HOKO_SECRET, when set, is used instead of storing a generated one', async () => {
    const s = await startServer({ env: { HOKO_SECRET: 'a-secret-from-the-environment' } })
    try {
      expect(await s.rows("SELECT count(*) AS n FROM settings WHERE key = 'secret'")).toEqual([{ n: 0 }])
    } finally {
      await s.stop()
      removeDir(s.dir)
    }
  })

  test('a .env file in the checkout is not read: npm start and bun src/main.ts take the real environment only', async () => {
    const dotenv = join(ROOT, '.env')
    const own = existsSync(dotenv) ? readFileSync(dotenv) : null
    const dir = mkdtempSync(join(tmpdir(), 'hoko-dotenv-'))
    // HOKO_DB stays set here (unset, the server would open the checkout's own ./data/hoko.db): the
    // base URL shows whether the file was read. The binary's test below covers HOKO_DB itself.
    writeFileSync(dotenv, 'HOKO_BASE_URL=https://from-dotenv.example\n')
    try {
      const s = await startServer({ dir, env: { HOKO_BASE_URL: undefined } })
      await s.stop()
      removeDir(dir)
      expect(s.stdout).toContain('base URL http://localhost:')
      expect(s.stdout).not.toContain('from-dotenv')
    } finally {
      if (own) writeFileSync(dotenv, own)
      else rmSync(dotenv)
    }
  })

  const allWarnings = async (env: Record<string, string>) => {
    const s = await startServer({ env, stderr: 'pipe' })
    await s.stop()
    removeDir(s.dir)
    const lines = (await new Response(s.proc.stderr as ReadableStream).text()).split('\n').filter(Boolean)
    return lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'warn') as { msg: string }[]
  }
  const NO_REDIS = 'PostgreSQL without HOKO_REDIS_URL'
  // Not the one every PostgreSQL start without Redis gives (tested below).
  const startWarnings = async (env: Record<string, string>) => (await allWarnings(env)).filter((l) => !l.msg.startsWith(NO_REDIS))

  test.skipIf(ENGINE !== 'pg')('on PostgreSQL without HOKO_REDIS_URL, the start says the instance keeps its shared state to itself', async () => {
    const [warning, ...others] = (await allWarnings({})).filter((l) => l.msg.startsWith(NO_REDIS))
    expect(others).toEqual([])
    expect(warning.msg).toContain('rate limits, brakes, used capture tokens and link cache')
    expect(warning.msg).toContain('before starting a second, set HOKO_REDIS_URL on every instance')
  })

  test('listening beyond loopback without HOKO_BASE_URL warns that links say localhost and cookies lack Secure', async () => {
    // Bound on every interface, but the test talks to 127.0.0.1 only.
    const [warning, ...others] = await startWarnings({ HOST: '0.0.0.0' })
    expect(others).toEqual([])
    expect(warning.msg).toMatch(/^listening on 0\.0\.0\.0 without HOKO_BASE_URL: short links and QR codes say http:\/\/localhost:\d+ /)
    expect(warning.msg).toContain('cookies are sent without Secure')
    expect(warning.msg).toContain('Set HOKO_BASE_URL to the public origin')
    expect(await startWarnings({ HOST: '0.0.0.0', HOKO_BASE_URL: 'https://go.example.com' })).toEqual([])
    expect(await startWarnings({ HOST: '127.0.0.1' })).toEqual([])
  })

  test('a bad variable stops the server with one line', () => {
    const r = Bun.spawnSync([process.execPath, 'src/main.ts', 'serve'], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'eighty', HOKO_DB: join(tmpdir(), 'never.db') },
      stderr: 'pipe',
    })
    expect(r.exitCode).toBe(2)
    expect(r.stderr.toString().trim()).toBe('hoko: invalid configuration: PORT must be a whole number')
  })
})

describe('the compiled binary', () => {
  const out = mkdtempSync(join(tmpdir(), 'hoko-bin-'))
  afterAll(() => removeDir(out))

  test('npm run build makes dist/hoko, which serves /healthz from any directory', async () => {
    const build = Bun.spawnSync(['npm', 'run', 'build'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
    expect(build.exitCode).toBe(0)
    const bin = join(ROOT, 'dist', 'hoko')
    expect(existsSync(bin)).toBe(true)
    // Run it from an empty folder: migrations must be embedded, not read from ./drizzle.
    const s = await startServer({ dir: out, command: [bin, 'serve'], stderr: 'pipe' })
    try {
      expect(s.key).toMatch(/^hk_/)
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
      expect((await s.api('/api/nothing')).status).toBe(404)
      // The embedded GeoIP database and the background threads work in the binary too.
      const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'bin' }] })).json()
      const [link] = await (await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com', collectionId: col.id }] })).json()
      const res = await fetch(`${s.url}/${link.shortId}`, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 Chrome/120.0' } })
      expect(res.status).toBe(302)
      let mark = 0
      for (let i = 0; i < 100 && mark === 0; i++) {
        await Bun.sleep(50)
        mark = (await s.rows<{ m: number }>('SELECT click_rowid AS m FROM rollup_state WHERE id = 1'))[0]?.m ?? 0
      }
      // The mark is the rowid of the last click counted: the one click's.
      expect(mark).toBe((await s.rows<{ m: number }>('SELECT max(rid) AS m FROM click_rows'))[0].m)
      // QR codes are drawn by a worker bundled as an entrypoint of its own, not on the main thread.
      const png = await fetch(`${s.url}/qrcode?text=bin&format=png&size=256`)
      expect(png.status).toBe(200)
      expect(png.headers.get('content-type')).toBe('image/png')
      // The dashboard is embedded: the first user's session gets the shell and its assets, from the binary alone.
      const token = /\/setup\?token=(\S+)/.exec(s.stdout)![1]
      const setup = await fetch(`${s.url}/setup`, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({ token, email: 'bin@example.com', name: 'Bin', password: 'binary password 1' }),
      })
      expect(setup.status).toBe(303)
      const cookie = setup.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
      const shell = await fetch(`${s.url}/app/links`, { headers: { cookie } })
      expect(shell.status).toBe(200)
      const html = await shell.text()
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])
      expect(assets.filter((a) => a.endsWith('.js')).length).toBe(1)
      expect(assets.filter((a) => a.endsWith('.css')).length).toBe(1)
      for (const a of assets) {
        expect(a).toStartWith('/app/assets/')
        const r = await fetch(s.url + a)
        expect(r.status).toBe(200)
        expect((await r.text()).length).toBeGreaterThan(1000)
      }
    } finally {
      await s.stop()
    }
    expect(await new Response(s.proc.stderr as ReadableStream).text()).not.toContain('QR drawing thread failed')
  }, 120_000)

  test('dist/hoko reads no .env and no bunfig.toml from its working folder', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hoko-bin-cwd-'))
    try {
      writeFileSync(join(cwd, '.env'), `HOKO_DB=${join(cwd, 'dotenv.db')}\nHOKO_BASE_URL=https://from-dotenv.example\n`)
      // bunfig.toml can name scripts to run before the program: code from whatever folder Hoko starts in.
      writeFileSync(join(cwd, 'bunfig.toml'), 'preload = ["./preload.ts"]\n')
      writeFileSync(join(cwd, 'preload.ts'), `require('node:fs').writeFileSync(${JSON.stringify(join(cwd, 'preload-ran'))}, '')\n`)
      const s = await startServer({ dir: cwd, cwd, command: [join(ROOT, 'dist', 'hoko'), 'serve'], env: { HOKO_DB: undefined } })
      await s.stop()
      expect(s.stdout).toContain('base URL http://localhost:')
      // On SQLite, the default file, not the one .env names (on PostgreSQL, HOKO_DATABASE_URL names the database).
      if (s.engine === 'sqlite') expect(s.stdout).toContain('(database ./data/hoko.db, base URL http://localhost:')
      if (s.engine === 'sqlite') expect(existsSync(join(cwd, 'data', 'hoko.db'))).toBe(true)
      expect(existsSync(join(cwd, 'dotenv.db'))).toBe(false)
      expect(existsSync(join(cwd, 'preload-ran'))).toBe(false)
    } finally {
      removeDir(cwd)
    }
  })
})
