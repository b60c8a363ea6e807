import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, removeDir, ROOT, startServer, type TestServer } from './harness'

// deploy/Caddyfile, as shipped, checked by Debian's caddy; then a copy in front of a real Hoko on
// loopback ports, with Caddy's own CA (`tls internal`) in place of a public one (no internet here).

const CADDYFILE = join(ROOT, 'deploy', 'Caddyfile')
const BASE = 'base.hoko.test'
const REGISTERED = 'registered.example.test'

/** Caddy writes its certificates, CA and autosave under HOME and the XDG folders: a temp dir, never the user's. */
const caddyEnv = (dir: string) => ({
  ...process.env,
  HOME: dir,
  XDG_DATA_HOME: join(dir, 'data'),
  XDG_CONFIG_HOME: join(dir, 'config'),
})


/**
 * The test variant of deploy/Caddyfile: Hoko's port, Caddy's internal CA instead of ACME, free
 * loopback ports, no admin endpoint and no change to the system's trust store. Each replacement
 * must apply: a change to the shipped file that breaks one fails here.
 */
function testVariant(hokoPort: number, httpPort: number, httpsPort: number): string {
  let text = readFileSync(CADDYFILE, 'utf8')
  const replace = (from: string, to: string, times: number) => {
    expect(text.split(from).length - 1).toBe(times)
    text = text.replaceAll(from, to)
  }
  replace('127.0.0.1:3000', `127.0.0.1:${hokoPort}`, 2)
  replace('\ttls {\n\t\ton_demand', '\ttls internal {\n\t\ton_demand', 1)
  replace(
    '{\n\t# Before Caddy asks',
    `{\n\tadmin off\n\tskip_install_trust\n\thttp_port ${httpPort}\n\thttps_port ${httpsPort}\n\tdefault_bind 127.0.0.1\n\t# Before Caddy asks`,
    1,
  )
  return text
}

function curl(args: string[]) {
  const r = Bun.spawnSync(['curl', '--silent', '--show-error', '--max-time', '20', ...args], { stdout: 'pipe', stderr: 'pipe' })
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

describe('deploy/Caddyfile', () => {
  test('is a valid Caddy configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hoko-caddy-validate-'))
    try {
      const r = Bun.spawnSync(['caddy', 'validate', '--config', CADDYFILE, '--adapter', 'caddyfile'], {
        env: caddyEnv(dir),
        stdout: 'pipe',
        stderr: 'pipe',
      })
      expect(r.stdout.toString() + r.stderr.toString()).toContain('Valid configuration')
      expect(r.exitCode).toBe(0)
    } finally {
      removeDir(dir)
    }
  })
})

describe('Caddy in front of Hoko', () => {
  let hoko: TestServer
  let caddy: ReturnType<typeof Bun.spawn>
  let dir: string
  let httpsPort: number
  let shortId: string
  let linkId: string
  let caddyLog = ''

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hoko-caddy-'))
    hoko = await startServer({ env: { HOKO_BASE_URL: `https://${BASE}`, HOKO_TRUST_PROXY: '1' } })
    const domain = await hoko.api('/api/domains', { method: 'POST', json: [{ name: REGISTERED, rootUrl: 'https://brand.example.com/' }] })
    expect(domain.status).toBe(201)
    const [col] = await (await hoko.api('/api/collections', { method: 'POST', json: [{ name: 'c' }] })).json()
    const [link] = await (
      await hoko.api('/api/links', { method: 'POST', json: [{ url: 'https://dest.example.com/landing', collectionId: col.id, domain: REGISTERED }] })
    ).json()
    shortId = link.shortId
    linkId = link.id

    const httpPort = await freePort()
    httpsPort = await freePort()
    const config = join(dir, 'Caddyfile')
    writeFileSync(config, testVariant(Number(new URL(hoko.url).port), httpPort, httpsPort))
    mkdirSync(join(dir, 'data'), { recursive: true })
    caddy = Bun.spawn(['caddy', 'run', '--config', config, '--adapter', 'caddyfile'], {
      env: caddyEnv(dir),
      stdout: 'pipe',
      stderr: 'pipe',
    })
    // Caddy logs to stderr; keep it for failure messages, and wait until it serves.
    ;(async () => {
      const decoder = new TextDecoder()
      for await (const chunk of caddy.stderr as ReadableStream<Uint8Array>) caddyLog += decoder.decode(chunk)
    })()
    const deadline = Date.now() + 20_000
    while (!/serving initial configuration/.test(caddyLog)) {
      if (Date.now() > deadline || caddy.exitCode !== null) throw new Error(`caddy did not start:\n${caddyLog}`)
      await Bun.sleep(50)
    }
  })

  afterAll(async () => {
    caddy?.kill('SIGTERM')
    await caddy?.exited
    await hoko?.stop()
    removeDir(hoko.dir)
    removeDir(dir)
  })

  /** The name resolved to Caddy's loopback port, and its certificate checked against Caddy's own root CA. */
  const resolve = (host: string) => ['--resolve', `${host}:${httpsPort}:127.0.0.1`, '--cacert', join(dir, 'data', 'caddy', 'pki', 'authorities', 'local', 'root.crt')]

  test('a registered domain gets a certificate on demand and its short link redirects', () => {
    const r = curl([...resolve(REGISTERED), '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', '-H', 'X-Forwarded-For: 203.0.113.9', '-H', 'X-Forwarded-Host: other.example.test', `https://${REGISTERED}:${httpsPort}/${shortId}`])
    if (r.code !== 0) throw new Error(`curl failed (${r.code}): ${r.stderr}\n${caddyLog.slice(-3000)}`)
    const [status, location] = r.stdout.split(' ')
    expect(status).toBe('302')
    expect(location).toStartWith('https://dest.example.com/landing?hoko_id=')
    // The certificate Caddy issued names the domain: curl verified it against Caddy's CA.
    const cert = curl([...resolve(REGISTERED), '-v', '-o', '/dev/null', `https://${REGISTERED}:${httpsPort}/`])
    expect(cert.stderr).toContain(`subjectAltName: host "${REGISTERED}" matched cert's "${REGISTERED}"`)
    expect(cert.stderr).toContain('SSL certificate verify ok')
    // The root of the domain, through Caddy, is the domain's root redirect.
    const root = curl([...resolve(REGISTERED), '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `https://${REGISTERED}:${httpsPort}/`])
    expect(root.stdout).toBe('302 https://brand.example.com/')
  })

  test("Caddy's forwarded headers are what HOKO_TRUST_PROXY=1 reads: the client cannot forge its address or host", async () => {
    // The visit above sent X-Forwarded-For and X-Forwarded-Host of its own; Caddy replaced both.
    const clicks = await hoko.rows<{ ip: string; domain: string }>('SELECT ip, domain FROM clicks WHERE link_id = ?', [linkId])
    expect(clicks.length).toBeGreaterThan(0)
    for (const c of clicks) expect(c).toEqual({ ip: '127.0.0.0', domain: REGISTERED })
    const api = curl([...resolve(REGISTERED), '-o', '/dev/null', '-w', '%{http_code}', '-H', `Authorization: Bearer ${hoko.key}`, `https://${REGISTERED}:${httpsPort}/api/links`])
    expect(api.stdout).toBe('404')
  })

  test('the base host gets a certificate too, and serves the API', () => {
    const r = curl([...resolve(BASE), '-o', '/dev/null', '-w', '%{http_code}', '-H', `Authorization: Bearer ${hoko.key}`, `https://${BASE}:${httpsPort}/api/domains`])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('200')
  })

  test('an unregistered name gets no certificate: the TLS handshake is refused', () => {
    const r = curl([...resolve('unregistered.example.test'), '-o', '/dev/null', '-w', '%{http_code}', `https://unregistered.example.test:${httpsPort}/${shortId}`])
    expect(r.code).not.toBe(0)
    // 35: SSL connect error; no HTTP answer at all.
    expect(r.code).toBe(35)
    expect(r.stdout).toBe('000')
  })
})
