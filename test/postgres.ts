import { chownSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, removeDir } from './harness'

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

/** The folder of initdb, pg_ctl and postgres: '' when they are on PATH, else Debian's /usr/lib/postgresql/<newest>/bin, else null. */
function pgBinDir(): string | null {
  if (Bun.which('initdb') && Bun.which('pg_ctl') && Bun.which('postgres')) return ''
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : []
  versions.sort((a, b) => Number(b) - Number(a))
  return versions.length > 0 ? join(root, versions[0], 'bin') : null
}

/**
 * Whether the PostgreSQL suites can run. Without PostgreSQL they are skipped with a warning, except
 * in CI (`CI` set), where that is an error, as for the other system packages the tests use.
 */
export function postgresAvailable(): boolean {
  if (pgBinDir() !== null) return true
  if (process.env.CI) throw new Error("CI needs PostgreSQL's initdb, pg_ctl and postgres (.ci/run installs Debian's postgresql)")
  console.warn('PostgreSQL suites skipped: no initdb on PATH or under /usr/lib/postgresql/*/bin (apt-get install postgresql)')
  return false
}

const bin = (name: string) => {
  const dir = pgBinDir()
  if (dir === null) throw new Error("PostgreSQL not found: install Debian's postgresql (.ci/run does)")
  return dir === '' ? name : join(dir, name)
}


/** PostgreSQL refuses to run as root: then the cluster belongs to, and runs as, the `postgres` user. */
const asRoot = process.getuid?.() === 0
const runuser = Bun.which('runuser') ?? '/usr/sbin/runuser'
const as = (cmd: string[]) => (asRoot ? [runuser, '-u', 'postgres', '--', ...cmd] : cmd)

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
    writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n')
    // fsync and full-page writes off: a crash of the test machine may lose this throwaway cluster,
    // but commit semantics (synchronous_commit) stay as in production.
    const options = (port: number) =>
      [
        `-p ${port}`,
        '-c listen_addresses=127.0.0.1',
        `-c unix_socket_directories=${dir}`,
        '-c fsync=off',
        '-c full_page_writes=off',
        '-c max_connections=50',
        '-c shared_buffers=32MB',
      ].join(' ')
    // The free port may be taken by someone else before postgres binds it: then another one.
    let port = 0
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      started = true
      try {
        run([bin('pg_ctl'), 'start', '-D', data, '-w', '-t', '30', '-l', join(dir, 'postgres.log'), '-o', options(port)])
        break
      } catch (e) {
        if (attempt === 3) throw e
      }
    }
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
