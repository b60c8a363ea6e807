import { createApp } from './app'
import { createContext } from './context'
import { log, setLogLevel } from './log'
import type { Config } from './config'
import { openStorage } from './db/open'
import type { Data } from './db/data'
import { startPgRollups, startRollups } from './analytics/rollups'
import { startCheckpointer } from './db/checkpointer'
import { autoVacuumMode } from './db/vacuum'
import { startRetention, startRetentionPg } from './clicks/retention'
import { keepPartitionsAhead } from './clicks/partitions'
import { resolveSecret } from './db/settings'
import { createKey } from './keys/service'
import { SCOPES } from './keys/scopes'
import { countWorkspaces, createWorkspace } from './workspaces/service'
import { issueSetupToken } from './accounts/setup'
import { countUsers } from './accounts/users'
import { DeliveryWorker } from './webhooks/worker'
import { connectRedis } from './cluster/redis'
import { shareLinkCache } from './cluster/link-events'

/**
 * On an empty database: workspace `default` and an all-scopes key, printed once so that a new user
 * can call the API straight away. One transaction, so two servers starting at once cannot both do it.
 */
async function bootstrap(d: Data): Promise<string | null> {
  return d.tx(async (tx) => {
    // PostgreSQL: instances starting at once take turns here (released at commit).
    if (tx.engine === 'pg') await tx.run("SELECT pg_advisory_xact_lock(hashtext('hoko bootstrap'))")
    if ((await countWorkspaces(tx)) > 0) return null
    const ws = await createWorkspace(tx, { name: 'Default', slug: 'default' })
    return (await createKey(tx, { workspaceId: ws.id, name: 'First key', scopes: [...SCOPES] })).key
  })
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(h) || /^(0+:){7}0*1$/.test(h)
}

export async function serve(config: Config) {
  setLogLevel(config.logLevel)
  // Before anything else: a Redis that cannot be reached stops the start (RedisUnreachable).
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : null
  const storage = await openStorage(config)
  const { sqliteDb: db, data } = storage
  const secret = await resolveSecret(data, config.secret)
  const firstKey = await bootstrap(data)
  const checkpointer = db ? startCheckpointer(db) : null
  // PostgreSQL: this month's click partition and the next two's, before the first click.
  const partitions = db ? null : await keepPartitionsAhead(data)
  const rollups = db ? startRollups(db) : startPgRollups(data)

  // The port is known only after listening (PORT=0 picks a free one), and baseUrl depends on it.
  const ctx = createContext({ data, config, baseUrl: config.baseUrl ?? '', secret, redis })
  if (redis) await shareLinkCache(redis, ctx.links)
  const app = createApp(ctx).listen({ port: config.port, hostname: config.host })
  const port = app.server!.port
  ctx.baseUrl = config.baseUrl ?? `http://localhost:${port}`

  const deletedClicks = ctx.metrics.counter('hoko_clicks_deleted_total', 'Raw clicks deleted by retention (HOKO_CLICK_RETENTION_DAYS).')
  const days = config.clickRetentionDays
  const retainedBy = {
    deleted: (n: number) => deletedClicks.inc(n),
    passed: (n: number) => log('info', 'click retention deleted raw clicks', { clicks: n, olderThanDays: days }),
  }
  const retention = days === null ? null : db ? startRetention(db, days, retainedBy) : startRetentionPg(data, days, retainedBy)
  if (retention && db && autoVacuumMode(db) !== 'incremental')
    log(
      'warn',
      'HOKO_CLICK_RETENTION_DAYS is set, but this database file predates incremental vacuum: new clicks reuse the ' +
        'space of deleted ones, yet the file never shrinks. To give that space back to the disk, stop the server and ' +
        'run `hoko vacuum` once (it needs free disk about the size of the database).',
      { autoVacuum: autoVacuumMode(db) },
    )

  // Webhooks changed by another process (the CLI, a second server) reach the click writer within a second.
  const subscriptions = setInterval(() => void ctx.webhooks.refreshClickSubscribers(), 1000)
  const deliveries = new DeliveryWorker(data, config)
  const attempts = ctx.metrics.counter('hoko_webhook_deliveries_total', 'Webhook delivery attempts by result.', ['result'])
  deliveries.onAttempt = (result) => attempts.labels(result).inc()
  ctx.metrics.registerGauge('hoko_webhook_outbox_backlog', 'Webhook deliveries waiting in the outbox (due or not).', [], () => deliveries.backlog())
  if (config.webhookDelivery) {
    ctx.webhooks.onEmit = () => deliveries.wake()
    deliveries.start()
  }

  if (data.engine === 'pg' && !redis)
    log(
      'warn',
      'PostgreSQL without HOKO_REDIS_URL: this instance keeps its rate limits, brakes, used capture tokens and link ' +
        'cache to itself. That is right for one instance; before starting a second, set HOKO_REDIS_URL on every instance.',
    )
  if (firstKey) {
    console.log(`Created workspace "default". Its API key, with all scopes, is shown only this once:`)
    console.log(`HOKO_API_KEY=${firstKey}`)
  }
  // While no dashboard user exists, every start prints a fresh link; the previous one stops working.
  if ((await countUsers(data)) === 0)
    console.log(`Open this link within 24 hours to create the first dashboard user: ${ctx.baseUrl}/setup?token=${await issueSetupToken(data, ctx.now())}`)
  if (config.baseUrl === null && !isLoopback(config.host))
    // Reachable by others, yet links would name localhost and the password cookie would lack Secure.
    log(
      'warn',
      `listening on ${config.host} without HOKO_BASE_URL: short links and QR codes say ${ctx.baseUrl} and ` +
        'cookies are sent without Secure. Set HOKO_BASE_URL to the public origin (e.g. https://go.example.com), ' +
        'or HOST=127.0.0.1 to listen on this machine only.',
      { host: config.host, baseUrl: ctx.baseUrl },
    )
  console.log(
    `Hoko listening on http://${config.host}:${port} (${storage.describe}, base URL ${ctx.baseUrl}` +
      `${redis ? ', state shared through Redis' : ''})`,
  )

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`${signal}: finishing in-flight requests, then closing the database`)
    await app.stop()
    clearInterval(subscriptions)
    await deliveries.stop()
    // After-response hooks (the request log) of the last answers run on the next turns.
    await Bun.sleep(5)
    await retention?.stop()
    await rollups.stop()
    partitions?.stop()
    await checkpointer?.stop()
    redis?.close()
    await storage.close()
    // stderr to a pipe is written asynchronously: exit once the last log lines are out.
    await new Promise<void>((resolve) => process.stderr.write('', () => resolve()))
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
  return { app, db, port, deliveries }
}
