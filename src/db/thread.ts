import { log } from '../log'
import type { Db } from '.'

/**
 * What every thread's source starts with: its connection (`db`, opened by `open` as the server opens
 * its own: waiting for locks, and with a commit durable at the next checkpoint rather than an fsync
 * each, which would hold the write lock longer), its timer, the statements to finalise, and `stop`,
 * which closes them and says 'stopped'. A thread's `onmessage` begins with
 * `if (event.data === 'stop') return stop()` and `open(event.data.path)`.
 */
export const THREAD_PRELUDE = `
import { Database } from 'bun:sqlite'
let db, timer, stopping = false
const statements = []
const open = (path) => {
  db = new Database(path)
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec('PRAGMA synchronous = NORMAL')
}
const stop = () => {
  stopping = true
  clearTimeout(timer)
  clearInterval(timer)
  for (const s of statements) s.finalize()
  db?.close()
  self.postMessage('stopped')
}
`

/**
 * A background thread with a database connection of its own, started from source text: a Blob worker
 * needs no file, so the single binary carries it like everything else. The thread is sent
 * `{ path, intervalMs }`; it answers 'ready' once its connection is open, `{ error }` for a failure it
 * survives, and 'stopped' once it has closed its connection after being sent 'stop'. Any other
 * message goes to `on.message`.
 */
export function startDbThread(
  source: string,
  db: Db,
  intervalMs: number,
  on: { name: string; ready?: () => void; failed?: () => void; message?: (data: unknown) => void },
): { stop(): Promise<void> } {
  const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'application/javascript' })))
  // The server, not this thread, decides when the process ends.
  ;(worker as Worker & { unref(): void }).unref()
  let stopped: (() => void) | null = null
  worker.onmessage = (event: MessageEvent<unknown>) => {
    const data = event.data
    if (data === 'ready') on.ready?.()
    else if (data === 'stopped') stopped?.()
    else if (typeof data === 'object' && data !== null && 'error' in data)
      log('warn', `${on.name} failed; will retry`, { error: String(data.error) })
    else on.message?.(data)
  }
  worker.onerror = (event) => {
    log('error', `${on.name} thread failed`, { error: String(event.message) })
    on.failed?.()
  }
  worker.postMessage({ path: db.$client.filename, intervalMs })
  return {
    /** Closes the thread's connection (after the transaction under way), so that the server's own close is the last. */
    async stop() {
      await new Promise<void>((resolve) => {
        stopped = resolve
        worker.postMessage('stop')
        setTimeout(resolve, 2000)
      })
      worker.terminate()
    },
  }
}
