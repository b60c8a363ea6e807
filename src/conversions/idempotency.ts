import { createHash } from 'node:crypto'
import type { Data } from '../db/data'
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
export function createIdempotentRunner(d: Data) {
  let prunedAt = 0

  return async function run(
    workspaceId: string,
    key: string | null,
    request: { endpoint: string; body: unknown },
    status: number,
    work: (tx: Data) => Promise<unknown>,
  ): Promise<Replayable> {
    if (key !== null && !KEY_SHAPE.test(key))
      throw new HokoError('idempotency_key_invalid')
    const fingerprint = `${request.endpoint} ${createHash('sha256').update(JSON.stringify(request.body)).digest('hex')}`
    return d.tx(async (tx) => {
      if (key !== null) {
        // SQLite runs one writing transaction at a time, whichever process. PostgreSQL runs them side by
        // side: requests with the same key (another instance's too) wait here for the first one to end,
        // then find its answer instead of running the work a second time.
        if (tx.engine === 'pg') await tx.run('SELECT pg_advisory_xact_lock(hashtext(?))', [`hoko idempotency ${workspaceId} ${key}`])
        const seen = await tx.get<{ fingerprint: string; status: number; response: string }>(
          'SELECT fingerprint, status, response FROM idempotency_keys WHERE workspace_id = ? AND key = ?',
          [workspaceId, key],
        )
        if (seen) {
          if (seen.fingerprint !== fingerprint)
            throw new HokoError('idempotency_key_reused')
          return { status: seen.status, body: JSON.parse(seen.response), replayed: true }
        }
      }
      const body = await work(tx)
      if (key !== null) {
        const now = Date.now()
        await tx.run('INSERT INTO idempotency_keys (workspace_id, key, fingerprint, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
          workspaceId,
          key,
          fingerprint,
          status,
          JSON.stringify(body),
          now,
        ])
        if (now - prunedAt > 3600_000) {
          prunedAt = now
          await tx.run('DELETE FROM idempotency_keys WHERE created_at < ?', [now - RETENTION_MS])
        }
      }
      return { status, body, replayed: false }
    })
  }
}
