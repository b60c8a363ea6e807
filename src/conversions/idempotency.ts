import { createHash } from 'node:crypto'
import type { Db } from '../db'
import { HokoError } from '../http/errors'

const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/
/** How long a key is remembered. */
const RETENTION_MS = 24 * 3600_000

export type Replayable = { status: number; body: unknown; replayed: boolean }

/**
 * Runs a conversion in one transaction with its Idempotency-Key: a retry with the same key (in the
 * same workspace, for the same request) gets the first answer back and writes nothing; the same key
 * with another request is refused. Only successes are remembered, so a failed request can be retried.
 */
export function createIdempotentRunner(db: Db) {
  const find = db.$client.prepare<{ fingerprint: string; status: number; response: string }, [string, string]>(
    'SELECT fingerprint, status, response FROM idempotency_keys WHERE workspace_id = ? AND key = ?',
  )
  const remember = db.$client.prepare(
    'INSERT INTO idempotency_keys (workspace_id, key, fingerprint, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const prune = db.$client.prepare('DELETE FROM idempotency_keys WHERE created_at < ?')
  let prunedAt = 0

  return function run(
    workspaceId: string,
    key: string | null,
    request: { endpoint: string; body: unknown },
    status: number,
    work: () => unknown,
  ): Replayable {
    if (key !== null && !KEY_SHAPE.test(key))
      throw new HokoError('idempotency_key_invalid')
    const fingerprint = `${request.endpoint} ${createHash('sha256').update(JSON.stringify(request.body)).digest('hex')}`
    return db.transaction(
      () => {
        if (key !== null) {
          const seen = find.get(workspaceId, key)
          if (seen) {
            if (seen.fingerprint !== fingerprint)
              throw new HokoError('idempotency_key_reused')
            return { status: seen.status, body: JSON.parse(seen.response), replayed: true }
          }
        }
        const body = work()
        if (key !== null) {
          const now = Date.now()
          remember.run(workspaceId, key, fingerprint, status, JSON.stringify(body), now)
          if (now - prunedAt > 3600_000) {
            prunedAt = now
            prune.run(now - RETENTION_MS)
          }
        }
        return { status, body, replayed: false }
      },
      { behavior: 'immediate' },
    )
  }
}
