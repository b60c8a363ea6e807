import { log } from '../log'
import type { LinkCache, LinkCacheChange } from '../redirect/cache'
import { PREFIX, type Redis } from './redis'

const CHANNEL = `${PREFIX}link-cache`

type Message = { from: string; change: LinkCacheChange }

/**
 * Link cache coherence between instances: every link or domain write of this instance is published,
 * and the others evict those links (or reload the domains) as soon as the message arrives. The
 * SQLite check (HOKO_COHERENCE_MS) stays as the backstop: a message lost with a dropped connection
 * delays a change by that long at most, and the cache is dropped whole when the subscription resumes.
 */
// The coherence check reloads them again within HOKO_COHERENCE_MS.
const reloadFailed = (e: unknown) => log('warn', 'domains not reloaded after another instance changed them', { error: String(e) })

export async function shareLinkCache(redis: Redis, cache: LinkCache): Promise<void> {
  await redis.subscribe(
    CHANNEL,
    (text) => {
      let message: Message
      try {
        message = JSON.parse(text)
      } catch {
        return
      }
      if (message.from !== redis.instanceId && message.change) cache.apply(message.change).catch(reloadFailed)
    },
    // Changes published while the subscription was down are lost: start again from the database.
    () => void cache.clear().catch(reloadFailed),
  )
  cache.onChange = (change) => {
    // Not awaited: the write is committed and this server's cache is already right; another
    // instance that misses the message still sees the change through the SQLite check.
    redis.client.publish(CHANNEL, JSON.stringify({ from: redis.instanceId, change } satisfies Message)).catch((e) => {
      log('warn', 'link cache change not published to the other instances', { error: String(e) })
    })
  }
}
