import { RedisClient } from 'bun'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './harness'

/** CI installs Debian's redis-server (.ci/run); elsewhere the suites that need it are skipped without it. */
export const haveRedis = Bun.which('redis-server') !== null
if (!haveRedis) {
  if (process.env.CI) throw new Error(`CI needs redis-server on the PATH (.ci/run installs Debian's redis-server)`)
  console.warn('Redis tests skipped: no redis-server on the PATH (apt-get install redis-server)')
}

export type TestRedis = {
  url: string
  port: number
  /** A client of its own, for looking at what Hoko stored. */
  client: RedisClient
  /** Killed (nothing kept: an outage that loses everything), and started again on the same port. */
  crash(): Promise<void>
  restart(): Promise<void>
  stop(): Promise<void>
}


/**
 * A private Debian `redis-server` (installed by .ci/run) on a free loopback port, its files in a temp
 * dir and no persistence: each suite gets an empty Redis and no system service is involved.
 */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'hoko-redis-'))
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let proc: ReturnType<typeof Bun.spawn>
  let client: RedisClient

  async function start() {
    proc = Bun.spawn(['redis-server', '--save', '', '--appendonly', 'no', '--dir', dir, '--port', String(port), '--bind', '127.0.0.1'], {
      stdout: 'ignore',
      stderr: 'inherit',
    })
    const deadline = Date.now() + 10_000
    for (;;) {
      client = new RedisClient(url, { autoReconnect: false, connectionTimeout: 1_000 })
      try {
        await client.connect()
        if ((await client.send('PING', [])) === 'PONG') return
      } catch (e) {
        client.close()
        if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`)
        if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on port ${port}: ${e}`)
        await Bun.sleep(50)
      }
    }
  }
  async function kill(signal: 'SIGTERM' | 'SIGKILL') {
    client.close()
    proc.kill(signal)
    await proc.exited
  }

  await start()
  return {
    url,
    port,
    get client() {
      return client
    },
    crash: () => kill('SIGKILL'),
    restart: start,
    async stop() {
      await kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
