import type { Db } from '.'
import { startDbThread, THREAD_PRELUDE } from './thread'

/** The checkpoint thread (see thread.ts): a PASSIVE checkpoint with a connection of its own, every interval. */
const WORKER_SOURCE = `${THREAD_PRELUDE}
self.onmessage = (event) => {
  if (event.data === 'stop') return stop()
  open(event.data.path)
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)')
  statements.push(checkpoint)
  timer = setInterval(() => {
    try { checkpoint.run() } catch (e) { self.postMessage({ error: String(e) }) }
  }, event.data.intervalMs)
  self.postMessage('ready')
}
`

/**
 * Moves WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside whichever
 * commit crosses its threshold — a click's — and copies pages for milliseconds; here another thread
 * does it twice a second and the server's connection never does. If that thread cannot start,
 * SQLite's automatic checkpoint stays on.
 */
export function startCheckpointer(db: Db, intervalMs = 500): { stop(): Promise<void> } {
  const autoCheckpoint = () => db.$client.exec('PRAGMA wal_autocheckpoint = 1000')
  const thread = startDbThread(WORKER_SOURCE, db, intervalMs, {
    name: 'WAL checkpoint',
    ready: () => db.$client.exec('PRAGMA wal_autocheckpoint = 0'),
    failed: autoCheckpoint,
  })
  return {
    async stop() {
      await thread.stop()
      autoCheckpoint()
    },
  }
}
