import { log } from '../log'

/**
 * Background work on the event loop (PostgreSQL's rollups and retention, whose work is the
 * database's): `pass` runs, then again `intervalMs` after it ended, never two at once. A failed pass
 * is logged and the next one tries again; stop() waits for the pass under way.
 */
export function everyPass(what: string, intervalMs: number, pass: () => Promise<void>): { stop(): Promise<void> } {
  let stopping = false
  let timer: ReturnType<typeof setTimeout> | null = null
  let running: Promise<void> = Promise.resolve()
  const tick = () => {
    running = pass()
      .catch((e) => {
        if (!stopping) log('error', `${what} failed`, { error: String(e) })
      })
      .then(() => {
        if (!stopping) timer = setTimeout(tick, intervalMs)
      })
  }
  tick()
  return {
    async stop() {
      stopping = true
      if (timer) clearTimeout(timer)
      await running
    },
  }
}
