import { chownSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { removeDir } from './harness'

/**
 * A private PostgreSQL cluster for one test file: its own temp dir, a free port on 127.0.0.1 and a
 * unix socket in that dir; no system service, nothing left behind by stop(). Debian's `postgresql`
 * package provides the binaries (.ci/run installs it when missing).
 */
export type PgCluster = {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string
  port: number
  dir: string
  /** A new empty database, and its URL. */
  createDatabase(name: string): Promise<string>
  stop(): Promise<void>
}

/** initdb and postgres, on PATH or under Debian's /usr/lib/postgresql/<version>/bin. */
export function pgBinDir(): string | null {
  const onPath = Bun.which('initdb')
  if (onPath && Bun.which('pg_ctl') && Bun.which('postgres')) return null
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : []
  versions.sort((a, b) => Number(b) - Number(a))
  if (versions.length === 0) throw new Error('PostgreSQL not found: install Debian\'s postgresql (.ci/run does)')
  return join(root, versions[0], 'bin')
}

const bin = (name: string) => {
  const dir = pgBinDir()
  return dir === null ? name : join(dir, name)
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** PostgreSQL refuses to run as root: then the cluster belongs to, and runs as, the `postgres` user. */
const asRoot = process.getuid?.() === 0
const as = (cmd: string[]) => (asRoot ? ['runuser', '-u', 'postgres', '--', ...cmd] : cmd)

function run(cmd: string[]): void {
  const r = Bun.spawnSync(as(cmd), { stdout: 'pipe', stderr: 'pipe' })
  if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} failed (${r.exitCode}): ${r.stderr.toString()}${r.stdout.toString()}`)
}

export async function startPostgres(): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hoko-pg-'))
  const data = join(dir, 'data')
  if (asRoot) {
    const pw = Bun.spawnSync(['id', '-u', 'postgres'], { stdout: 'pipe' })
    const gw = Bun.spawnSync(['id', '-g', 'postgres'], { stdout: 'pipe' })
    if (pw.exitCode !== 0) throw new Error('running as root needs a `postgres` system user (Debian\'s postgresql package makes it)')
    chownSync(dir, Number(pw.stdout.toString()), Number(gw.stdout.toString()))
  }
  let started = false
  const stop = async () => {
    if (started) {
      Bun.spawnSync(as([bin('pg_ctl'), 'stop', '-D', data, '-m', 'fast', '-w']), { stdout: 'ignore', stderr: 'ignore' })
      started = false
    }
    removeDir(dir)
  }
  try {
    // Trust only over 127.0.0.1 and the private socket: the cluster lives as long as one test file.
    run([bin('initdb'), '-D', data, '-U', 'postgres', '--encoding=UTF8', '--locale=C', '--auth-local=trust', '--auth-host=reject', '--no-instructions'])
    writeFileSync(
      join(data, 'pg_hba.conf'),
      'local all all trust\nhost all all 127.0.0.1/32 trust\n',
    )
    const port = await freePort()
    // fsync and full-page writes off: a crash of the test machine may lose this throwaway cluster,
    // but commit semantics (synchronous_commit) stay as in production.
    const options = [
      `-p ${port}`,
      "-c listen_addresses=127.0.0.1",
      `-c unix_socket_directories=${dir}`,
      '-c fsync=off',
      '-c full_page_writes=off',
      '-c max_connections=50',
      '-c shared_buffers=32MB',
    ].join(' ')
    run([bin('pg_ctl'), 'start', '-D', data, '-w', '-t', '30', '-l', join(dir, 'postgres.log'), '-o', options])
    started = true
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`
    await waitReady(url)
    return {
      url,
      port,
      dir,
      async createDatabase(name) {
        const admin = new Bun.SQL(url, { max: 1 })
        try {
          await admin.unsafe(`CREATE DATABASE "${name.replaceAll('"', '""')}"`)
        } finally {
          await admin.close()
        }
        return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`
      },
      stop,
    }
  } catch (e) {
    await stop()
    throw e
  }
}

/** pg_ctl -w waits for the socket; this waits until a TCP client gets an answer. */
async function waitReady(url: string): Promise<void> {
  let last: unknown
  for (let i = 0; i < 100; i++) {
    const client = new Bun.SQL(url, { max: 1, connectionTimeout: 2 })
    try {
      await client`SELECT 1`
      return
    } catch (e) {
      last = e
      await Bun.sleep(100)
    } finally {
      await client.close()
    }
  }
  throw new Error(`PostgreSQL did not accept connections: ${String(last)}`)
}
