import type { Db } from '.'

/**
 * The checkpoint thread's code. A Blob worker needs no file of its own, so the single binary carries
 * it as it carries everything else. It checkpoints with a connection of its own, every interval.
 */
const WORKER_SOURCE = `
import { Database } from 'bun:sqlite'
let db, timer, checkpoint
self.onmessage = (event) => {
  if (event.data === 'stop') {
    clearInterval(timer)
    checkpoint?.finalize()
    db?.close()
    return self.postMessage('stopped')
  }
  db = new Database(event.data.path)
  db.exec('PRAGMA busy_timeout = 5000')
  checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)')
  timer = setInterval(() => {
    try { checkpoint.run() } catch (e) { self.postMessage(String(e)) }
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
  const worker = new Worker(URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'application/javascript' })))
  ;(worker as Worker & { unref(): void }).unref()
  let stopped: (() => void) | null = null
  worker.onmessage = (event: MessageEvent<string>) => {
    if (event.data === 'ready') db.$client.exec('PRAGMA wal_autocheckpoint = 0')
    else if (event.data === 'stopped') stopped?.()
    else console.error(JSON.stringify({ level: 'warn', msg: 'WAL checkpoint failed', error: event.data }))
  }
  worker.onerror = (event) => {
    console.error(JSON.stringify({ level: 'warn', msg: 'checkpoint thread failed; SQLite checkpoints automatically', error: String(event.message) }))
    db.$client.exec('PRAGMA wal_autocheckpoint = 1000')
  }
  worker.postMessage({ path: db.$client.filename, intervalMs })
  return {
    /** Closes the thread's connection, so that the server's close is the last and removes the WAL. */
    async stop() {
      await new Promise<void>((resolve) => {
        stopped = resolve
        worker.postMessage('stop')
        setTimeout(resolve, 2000)
      })
      worker.terminate()
      db.$client.exec('PRAGMA wal_autocheckpoint = 1000')
    },
  }
}
