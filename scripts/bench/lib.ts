import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, totalmem, tmpdir } from 'node:os'
import { join } from 'node:path'

export const ROOT = join(import.meta.dir, '..', '..')
export const BUN = process.execPath

export type Proc = ReturnType<typeof Bun.spawn>

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `hoko-bench-${prefix}-`))
}

/** A port nothing listens on now. */
export function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
  const port = probe.port!
  probe.stop(true)
  return port
}

export async function waitForHttp(url: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    await Bun.sleep(20)
  }
  throw new Error(`${url} did not answer within ${ms} ms`)
}

const METRICS_TOKEN = 'bench-metrics-token-not-secret'

export type Hoko = { proc: Proc; url: string; key: string; dir: string; dbPath: string; stop(): Promise<void> }

/** Starts `bun src/main.ts serve` (or another command) on a fresh database in `dir`. */
export async function startHoko(opts: { port: number; dir?: string; env?: Record<string, string>; command?: string[] }): Promise<Hoko> {
  const dir = opts.dir ?? tempDir('db')
  const dbPath = join(dir, 'hoko.db')
  const proc = Bun.spawn(opts.command ?? [BUN, 'src/main.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(opts.port), HOST: '127.0.0.1', HOKO_DB: dbPath, HOKO_TRUST_PROXY: '1', HOKO_LOG: 'warn', HOKO_METRICS_TOKEN: METRICS_TOKEN, ...opts.env },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader()
  let out = ''
  while (!out.includes('Hoko listening')) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`hoko exited: ${out}`)
    out += new TextDecoder().decode(value)
  }
  reader.releaseLock()
  const url = `http://127.0.0.1:${opts.port}`
  return {
    proc,
    url,
    key: /HOKO_API_KEY=(\S+)/.exec(out)?.[1] ?? '',
    dir,
    dbPath,
    async stop() {
      proc.kill('SIGTERM')
      await proc.exited
    },
  }
}

export async function startBare(port: number): Promise<{ proc: Proc; url: string; stop(): Promise<void> }> {
  const proc = Bun.spawn([BUN, join(import.meta.dir, 'bare.ts'), String(port)], { stdout: 'ignore', stderr: 'inherit' })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    try {
      await fetch(`${url}/x`, { redirect: 'manual' })
      break
    } catch {
      if (i > 500) throw new Error('the baseline server did not start')
      await Bun.sleep(20)
    }
  }
  return {
    proc,
    url,
    async stop() {
      proc.kill('SIGTERM')
      await proc.exited
    },
  }
}

export async function api(h: Hoko, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json = await res.json()
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`)
  return json
}

/**
 * A figure from /metrics (summed over its labels): what the server itself counts, whatever the schema
 * behind it (the bench reads no click table).
 */
export async function metric(h: Hoko, name: string): Promise<number> {
  const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  if (res.status !== 200) throw new Error(`/metrics: ${res.status}`)
  let sum = 0
  let found = false
  for (const line of (await res.text()).split('\n'))
    if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1))
      found = true
    }
  if (!found) throw new Error(`/metrics has no ${name}`)
  return sum
}

export type WrkResult = { requests: number; rps: number; p50: number; p99: number; errors: number; non3xx: number }

/** pathsFile: one path per line, one picked per request; agentsFile: the same for user agents; randomIp: a new client address per request. */
export type WrkOptions = { seconds: number; connections?: number; pathsFile?: string; agentsFile?: string; randomIp?: boolean }

function wrkArgs(url: string, opts: WrkOptions): string[] {
  const args = ['wrk', '-t2', `-c${opts.connections ?? 64}`, `-d${opts.seconds}s`, '--latency', '-s', join(import.meta.dir, 'redirect.lua'), url]
  if (opts.pathsFile || opts.agentsFile || opts.randomIp) args.push('--', opts.pathsFile ?? '-', opts.agentsFile ?? '-', opts.randomIp ? 'random-ip' : '-')
  return args
}

/** Runs wrk with the redirect script; latencies in ms. */
export function wrk(url: string, opts: WrkOptions): WrkResult {
  const r = Bun.spawnSync(wrkArgs(url, opts), { stdout: 'pipe', stderr: 'pipe' })
  if (r.exitCode !== 0) throw new Error(`wrk failed: ${r.stderr.toString()}`)
  return wrkResult(r.stdout.toString())
}

/** The same, leaving this process's event loop free (for load generated here at the same time). */
export async function wrkAsync(url: string, opts: WrkOptions): Promise<WrkResult> {
  const proc = Bun.spawn(wrkArgs(url, opts), { stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  if (code !== 0) throw new Error(`wrk failed: ${err}`)
  return wrkResult(out)
}

function wrkResult(out: string): WrkResult {
  if (!/Requests\/sec/.test(out)) throw new Error(`wrk: no result\n${out}`)
  const ms = (s: string) => {
    const m = /([\d.]+)(us|ms|s)/.exec(s)
    if (!m) throw new Error(`wrk: cannot read a latency from ${JSON.stringify(s)} in\n${out}`)
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1)
  }
  const line = (re: RegExp) => re.exec(out)?.[1] ?? '0'
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  return {
    requests: Number(line(/(\d+) requests in/)),
    rps: Number(line(/Requests\/sec:\s+([\d.]+)/)),
    p50: ms(line(/^\s+50%\s+(\S+)/m)),
    p99: ms(line(/^\s+99%\s+(\S+)/m)),
    errors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    non3xx: Number(line(/Non-2xx or 3xx responses: (\d+)/)),
  }
}

export function wrkAvailable(): boolean {
  return Bun.spawnSync(['which', 'wrk']).exitCode === 0
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}

/** Peak and current resident memory of a process, in MB (Linux). */
export function memoryOf(pid: number): { peak: number; now: number } {
  const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
  return { peak: Math.round(kb('VmHWM') / 1024), now: Math.round(kb('VmRSS') / 1024) }
}

export function machine(): string {
  const cpu = cpus()
  return `${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Bun ${Bun.version}, ${process.platform} ${process.arch}`
}

export async function timeIt<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now()
  const value = await fn()
  return { ms: performance.now() - t, value }
}

export function cleanup(dir: string) {
  rmSync(dir, { recursive: true, force: true })
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
