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
  /** A connection in subscriber mode can run nothing else: pub/sub gets its own. */
  subscriber: RedisClient
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
  const client = new RedisClient(url, { connectionTimeout: 5_000, autoReconnect: true })
  await client.connect()
  const subscriber = await client.duplicate()
  client.onclose = (error) => log('warn', 'Redis connection lost; reconnecting', { error: String(error) })
  return {
    client,
    subscriber,
    instanceId: Bun.randomUUIDv7(),
    close() {
      client.onclose = null
      client.close()
      subscriber.close()
    },
  }
}
