import type { Config } from '../config'
import type { Data } from '../db/data'
import { log } from '../log'
import { resolveTarget } from './address'
import { signatureHeader } from './signing'

/** Deliveries under way at once, per server. */
export const CONCURRENCY = 4
export const TIMEOUT_MS = 15_000
/** A claimed delivery is due again after this if its server died mid-attempt (at least once). */
const CLAIM_MS = 60_000
/** A webhook whose every attempt has failed for this long is disabled. */
export const FAILING_DISABLE_MS = 5 * 24 * 3600_000
const RESPONSE_BYTES = 1024
/** Finished deliveries are kept this long in the log. */
const RETENTION_MS = 30 * 24 * 3600_000
const POLL_MS = 500

type Claimed = { id: string; webhookId: string; body: string; attempts: number }
type Hook = { url: string; disabled: number; secret: string; previousSecret: string | null; previousSecretExpiresAt: number | null }
type Outcome = { status: number | null; response: string | null; error: string | null }

/** Up to 1 KB of a response, as text; the rest is not read. */
async function head(res: Response): Promise<string> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < RESPONSE_BYTES) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } finally {
    void reader.cancel().catch(() => {})
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, RESPONSE_BYTES))
}

/**
 * Sends what the outbox holds: due deliveries are claimed with one UPDATE that pushes their due
 * time out by CLAIM_MS (a lease: the rows of a server that died mid-attempt come back), sent at most
 * CONCURRENCY at a time, and their outcome recorded. Several servers on one database never claim the
 * same row at once: SQLite runs one writer at a time, and on PostgreSQL the claim locks the rows it
 * takes and skips those another server's claim holds (FOR UPDATE SKIP LOCKED). Any 2xx succeeds; a
 * 410 fails the delivery and disables the webhook; anything else is retried on the schedule
 * (jittered), then failed.
 */
export class DeliveryWorker {
  private inflight = 0
  private timer: ReturnType<typeof setInterval> | null = null
  private woken = false
  /** A claim is under way; `again` asks for another as soon as it ends (a wake that came meanwhile). */
  private claiming: Promise<void> | null = null
  private again = false
  private prunedAt = 0
  /** Told the result of every attempt (for /metrics): succeeded, retry, failed or gone (a 410). */
  onAttempt: (result: 'succeeded' | 'retry' | 'failed' | 'gone') => void = () => {}
  private readonly claimSql: string

  constructor(
    private readonly data: Data,
    private readonly config: Pick<Config, 'webhookAllowPrivate' | 'webhookRetrySchedule'>,
  ) {
    // Without SKIP LOCKED, READ COMMITTED lets a second server's claim wait on the first one's rows and
    // then take them again (its subquery chose them before the first committed): sent twice.
    this.claimSql = `UPDATE webhook_deliveries SET next_attempt_at = ?
         WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?
                      ${data.engine === 'pg' ? 'FOR UPDATE SKIP LOCKED' : ''})
         RETURNING id, webhook_id AS "webhookId", body, attempts`
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), POLL_MS)
    this.wake()
  }

  /** Stops claiming; attempts under way finish (or time out) on their own and are recorded. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.claiming
    const deadline = Date.now() + TIMEOUT_MS + 1000
    while (this.inflight > 0 && Date.now() < deadline) await Bun.sleep(20)
  }

  /** New messages: look now rather than at the next poll. */
  wake(): void {
    if (this.woken || !this.timer) return
    this.woken = true
    setTimeout(() => {
      this.woken = false
      this.tick()
    }, 0)
  }

  /** Deliveries waiting to be sent (due or not), for /metrics. */
  async backlog(): Promise<number> {
    return (await this.data.get<{ n: number }>("SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'pending'"))!.n
  }

  private tick(): void {
    if (!this.timer) return
    if (this.claiming) {
      this.again = true
      return
    }
    this.claiming = this.claim().finally(() => {
      this.claiming = null
      if (this.again) {
        this.again = false
        this.tick()
      }
    })
  }

  private async claim(): Promise<void> {
    const free = CONCURRENCY - this.inflight
    if (free <= 0) return
    const now = Date.now()
    let claimed: Claimed[]
    try {
      claimed = await this.data.all<Claimed>(this.claimSql, [now + CLAIM_MS, now, free])
      if (now - this.prunedAt > 3600_000) await this.prune(now)
    } catch (e) {
      log('warn', 'webhook deliveries not claimed; will retry', { error: String(e) })
      return
    }
    for (const d of claimed) {
      this.inflight++
      void this.send(d)
        .catch((e) => log('error', 'webhook delivery not recorded', { deliveryId: d.id, error: String(e) }))
        .finally(() => {
          this.inflight--
          this.wake()
        })
    }
  }

  private async prune(now: number): Promise<void> {
    this.prunedAt = now
    await this.data.tx(async (tx) => {
      // One server at a time on PostgreSQL: the others skip this hour's pruning rather than wait.
      if (tx.engine === 'pg' && !(await tx.get<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext('hoko webhook prune')) AS ok"))?.ok) return
      await tx.run(
        `DELETE FROM webhook_attempts WHERE delivery_id IN
           (SELECT id FROM webhook_deliveries WHERE status != 'pending' AND created_at < ?)`,
        [now - RETENTION_MS],
      )
      await tx.run("DELETE FROM webhook_deliveries WHERE status != 'pending' AND created_at < ?", [now - RETENTION_MS])
    })
  }

  private async send(d: Claimed): Promise<void> {
    const started = Date.now()
    const hook = await this.data.get<Hook>(
      `SELECT url, disabled, secret, previous_secret AS "previousSecret", previous_secret_expires_at AS "previousSecretExpiresAt"
         FROM webhooks WHERE id = ?`,
      [d.webhookId],
    )
    let outcome: Outcome
    if (!hook || hook.disabled) outcome = { status: null, response: null, error: hook ? 'the webhook is disabled' : 'the webhook was deleted' }
    else outcome = await this.post(d, hook, started)
    const took = Date.now() - started
    const ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300
    const gone = outcome.status === 410
    const schedule = this.config.webhookRetrySchedule
    const attempts = d.attempts + 1
    let next: { status: string; at: number }
    if (ok) next = { status: 'succeeded', at: started }
    else if (gone || !hook || hook.disabled || attempts >= schedule.length) next = { status: 'failed', at: started }
    // Jitter: ±20%, so that a receiver back from an outage is not hit by every retry at once.
    else next = { status: 'pending', at: Date.now() + Math.round(schedule[attempts] * (0.8 + Math.random() * 0.4)) }
    this.onAttempt(ok ? 'succeeded' : gone ? 'gone' : next.status === 'pending' ? 'retry' : 'failed')
    await this.record(d, started, took, outcome, next, !hook || hook.disabled ? 'none' : ok ? 'ok' : gone ? 'gone' : 'failed')
    if (gone && hook && !hook.disabled) log('warn', 'webhook disabled: the receiver answered 410 Gone', { webhookId: d.webhookId })
  }

  /** The attempt, the delivery's new state and the webhook's health, in one transaction. */
  private record(d: Claimed, started: number, took: number, o: Outcome, next: { status: string; at: number }, hookState: 'ok' | 'failed' | 'gone' | 'none') {
    return this.data.tx(async (tx) => {
      await tx.run('INSERT INTO webhook_attempts (id, delivery_id, created_at, status, duration_ms, response, error) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        Bun.randomUUIDv7(),
        d.id,
        started,
        o.status,
        took,
        o.response,
        o.error,
      ])
      await tx.run('UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ? WHERE id = ?', [next.status, d.attempts + 1, next.at, d.id])
      const disable = () => tx.run('UPDATE webhooks SET disabled = 1, updated_at = ? WHERE id = ? AND disabled = 0', [Date.now(), d.webhookId])
      if (hookState === 'ok') await tx.run('UPDATE webhooks SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL', [d.webhookId])
      else if (hookState === 'gone') await disable()
      else if (hookState === 'failed') {
        const since = (
          await tx.get<{ since: number }>('UPDATE webhooks SET failing_since = coalesce(failing_since, ?) WHERE id = ? RETURNING failing_since AS since', [
            started,
            d.webhookId,
          ])
        )?.since
        if (since !== undefined && since <= started - FAILING_DISABLE_MS) {
          await disable()
          log('warn', 'webhook disabled: every delivery failed for 5 days', { webhookId: d.webhookId })
        }
      }
    })
  }

  /** One attempt: the address checked (see address.ts), then a signed POST to exactly that address. */
  private async post(d: Claimed, hook: Hook, started: number): Promise<Outcome> {
    const signal = AbortSignal.timeout(TIMEOUT_MS)
    try {
      const url = new URL(hook.url)
      const target = await Promise.race([
        resolveTarget(url, this.config.webhookAllowPrivate),
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      ])
      if (target.refused !== undefined) return { status: null, response: null, error: target.refused }
      if (url.protocol === 'http:' && !this.config.webhookAllowPrivate)
        return { status: null, response: null, error: 'plain http is refused (HOKO_WEBHOOK_ALLOW_PRIVATE=1 allows it)' }
      const timestamp = Math.floor(started / 1000)
      const secrets = [hook.secret]
      if (hook.previousSecret && hook.previousSecretExpiresAt !== null && hook.previousSecretExpiresAt > started) secrets.push(hook.previousSecret)
      const host = url.host
      const hostname = url.hostname.replace(/^\[|\]$/g, '')
      url.hostname = target.address.includes(':') ? `[${target.address}]` : target.address
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          host,
          'content-type': 'application/json',
          'user-agent': 'Hoko-Webhooks/1.0',
          'webhook-id': d.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(secrets, d.id, timestamp, d.body),
        },
        body: d.body,
        redirect: 'manual',
        signal,
        tls: { serverName: hostname },
      })
      return { status: res.status, response: await head(res), error: null }
    } catch (e) {
      const timedOut = signal.aborted
      return { status: null, response: null, error: timedOut ? `no answer within ${TIMEOUT_MS / 1000} s` : String((e as Error)?.message ?? e) }
    }
  }
}
