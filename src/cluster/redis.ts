import { RedisClient } from 'bun'
import { log } from '../log'

/** Every key and channel Hoko uses starts with this, so that one Redis can serve other tools too. */
export const PREFIX = 'hoko:'

/** A Lua script run by its SHA-1 (one round trip), sent whole only when Redis does not know it yet. */
export class Script {
  private readonly sha: string

  constructor(private readonly source: string) {
    this.sha = new Bun.CryptoHasher('sha1').update(source).digest('hex')
  }

  async run<T>(redis: RedisClient, keys: string[], args: (string | number)[]): Promise<T> {
    const tail = [String(keys.length), ...keys, ...args.map(String)]
    try {
      return (await redis.send('EVALSHA', [this.sha, ...tail])) as T
    } catch (e) {
      // After a Redis restart or SCRIPT FLUSH: EVAL loads it again.
      if (!String((e as Error).message).includes('NOSCRIPT')) throw e
      return (await redis.send('EVAL', [this.source, ...tail])) as T
    }
  }
}

/** The connections of an instance that shares state through Redis (HOKO_REDIS_URL). */
export type Redis = {
  /** Commands and scripts; Bun pipelines concurrent commands on it. */
  client: RedisClient
  /**
   * Messages of `channel` for as long as the server runs, on a connection of their own (one in
   * subscriber mode can run nothing else). After a lost connection it subscribes again, then calls
   * `resumed`: what was published in between is lost.
   */
  subscribe(channel: string, onMessage: (message: string) => void, resumed: () => void): Promise<void>
  /** Tells this instance's own messages from the others'. */
  instanceId: string
  close(): void
}

export class RedisUnreachable extends Error {}

/** Where a URL points, without its password. */
const shown = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@')

/**
 * Connects and checks with a PING, so that a wrong URL stops the start rather than the first request.
 * Later drops reconnect on their own; commands wait for the connection meanwhile.
 */
export async function connectRedis(url: string): Promise<Redis> {
  // A client that reconnects keeps retrying its first connection too: a probe that does not answers first.
  const probe = new RedisClient(url, { connectionTimeout: 5_000, autoReconnect: false })
  try {
    await probe.connect()
    await probe.send('PING', [])
  } catch (e) {
    throw new RedisUnreachable(`cannot reach Redis at ${shown(url)} (HOKO_REDIS_URL): ${(e as Error).message}`)
  } finally {
    probe.close()
  }
  // While the connection is down, commands fail at once (a 503) rather than hold requests until it is back.
  const client = new RedisClient(url, { connectionTimeout: 5_000, autoReconnect: true, enableOfflineQueue: false })
  await client.connect()
  client.onclose = (error) => log('warn', 'Redis connection lost; reconnecting', { error: String(error) })
  const subscribers = new Set<RedisClient>()
  let closed = false

  async function subscribe(channel: string, onMessage: (message: string) => void, resumed: () => void): Promise<void> {
    const open = async () => {
      const c = new RedisClient(url, { connectionTimeout: 5_000, autoReconnect: false })
      try {
        await c.connect()
        await c.subscribe(channel, (message) => onMessage(String(message)))
      } catch (e) {
        c.close()
        throw e
      }
      subscribers.add(c)
      c.onclose = () => {
        subscribers.delete(c)
        if (!closed) void reopen()
      }
    }
    const reopen = async () => {
      while (!closed) {
        await Bun.sleep(1_000)
        try {
          await open()
          resumed()
          return
        } catch {
          // Still down: try again in a second.
        }
      }
    }
    await open()
  }

  return {
    client,
    subscribe,
    instanceId: Bun.randomUUIDv7(),
    close() {
      closed = true
      client.onclose = null
      client.close()
      for (const c of subscribers) c.close()
    },
  }
}
