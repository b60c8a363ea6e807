#!/usr/bin/env bun
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from './config'
import { RedisUnreachable } from './cluster/redis'
import { ISO_DATE, ISO_DATE_TIME, isRealDate } from './dates'
import { openDatabase, runMigrations } from './db'
import type { Data } from './db/data'
import { openStorage } from './db/open'
import { backup, BackupError } from './db/backup'
import { vacuum } from './db/vacuum'
import * as v from 'valibot'
import { baseHostOf } from './domains/hosts'
import { normalizeHostname } from './domains/hostname'
import { NewDomain } from './domains/model'
import { domainByName, listAllDomains, setDefaultDomain, upsertDomains } from './domains/service'
import { HokoError } from './http/errors'
import { createKey, KeyError, listKeys, parseScopes, revokeKey } from './keys/service'
import { createUserFromCli, listUsersForCli, setPasswordFromCli } from './accounts/cli'
import { AccountError } from './accounts/users'
import { serve } from './server'
import { exportInstance } from './transfer/export'
import { megabytes, TransferError } from './transfer/format'
import { importInstance } from './transfer/import'
import { VERSION } from './version'
import { importLinks, type ImportReport } from './links/import'
import { IMPORT_FORMATS } from './links/formats'
import { linkView } from './links/view'
import { Outbox } from './webhooks/outbox'
import { PLANS, type PlanName } from './workspaces/plans'
import { createWorkspace, findWorkspace, listWorkspaces, toView, WorkspaceError } from './workspaces/service'

// Whatever Hoko writes (database, -wal, -shm, backups, folders) is for its owner only, whatever the
// umask of the shell or service manager that started it; the files also set their modes explicitly.
process.umask(0o077)

const USAGE = `Usage: hoko <command> [options]

Commands:
  serve                                   run the HTTP server (the default)
  migrate                                 apply database migrations and exit
  workspace create --name NAME [--slug SLUG] [--rate-limit N] [--plan PLAN] [--json]
  workspace list [--json]
  workspace set-default-domain --workspace SLUG|ID [NAME] [--json]
                                          new links' domain; without NAME, the host of HOKO_BASE_URL
  domain add NAME --workspace SLUG|ID [--root-url URL] [--not-found-url URL] [--default] [--json]
  domain list [--workspace SLUG|ID] [--json]
  key create --workspace SLUG|ID --name NAME --scopes a,b,c|all [--expires ISO-8601] [--json]
  key list --workspace SLUG|ID [--json]
  key revoke ID [--json]
  user create --email E --password P --workspace SLUG|ID --role owner|member|viewer [--name N] [--admin] [--json]
                                          a dashboard user (an existing one: adds or changes the membership)
  user list [--json]
  user set-password --email E --password P  also ends that user's sessions
  backup PATH [--json]                     a consistent copy of the SQLite database, also while serving (PostgreSQL: pg_dump)
  vacuum [--json]                         with the server stopped: compacts the database and turns on
                                          incremental vacuum (space freed by click retention goes back to the disk)
  version [--json]                        the version of this binary
  import links FILE --workspace SLUG|ID [--collection ID] [--format auto|hoko|dub|bitly|shlink]
               [--on-conflict skip|fail] [--json]   links from a CSV export (Hoko, Dub, Bitly, Shlink)
  export FILE                             everything of the instance as NDJSON (FILE - is stdout), also while serving
  import FILE                             loads an export into an empty database of either engine (FILE - is stdin), before its first serve

Configuration comes from the environment: PORT, HOST, HOKO_DB, HOKO_BASE_URL, HOKO_SECRET,
HOKO_DATABASE_URL, HOKO_TRUST_PROXY, HOKO_RATE_LIMIT, HOKO_MAX_BODY_BYTES, HOKO_LINK_CACHE_SIZE, HOKO_GEOIP_DB, HOKO_IDLE_TIMEOUT,
HOKO_CLICK_RETENTION_DAYS, HOKO_REDIS_URL, HOKO_COHERENCE_MS, HOKO_LOG (see README.md).`

class UsageError extends Error {}

const OPTIONS = {
  name: { type: 'string' },
  slug: { type: 'string' },
  'rate-limit': { type: 'string' },
  plan: { type: 'string' },
  workspace: { type: 'string' },
  scopes: { type: 'string' },
  expires: { type: 'string' },
  email: { type: 'string' },
  password: { type: 'string' },
  role: { type: 'string' },
  admin: { type: 'boolean' },
  collection: { type: 'string' },
  format: { type: 'string' },
  'on-conflict': { type: 'string' },
  'root-url': { type: 'string' },
  'not-found-url': { type: 'string' },
  default: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

type Flags = ReturnType<typeof parse>['values']
const parse = (args: string[]) => parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })

function required(flags: Flags, name: 'name' | 'workspace' | 'scopes' | 'email' | 'password' | 'role'): string {
  const value = flags[name]
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required`)
  return value
}

function print(flags: Flags, json: unknown, text: string) {
  console.log(flags.json ? JSON.stringify(json, null, 2) : text)
}

/** Runs `fn` on the migrated database (either engine), which stays open until `fn`'s promise is done. */
async function withData<T>(fn: (d: Data) => Promise<T>): Promise<T> {
  const storage = await openStorage(loadConfig(), { poolSize: 2 })
  try {
    return await fn(storage.data)
  } finally {
    await storage.close()
  }
}

/** `hoko vacuum`, which rewrites the SQLite file: PostgreSQL reclaims space by itself (autovacuum). */
async function vacuumSqlite() {
  const config = loadConfig()
  if (config.databaseUrl)
    throw new UsageError('hoko vacuum compacts the SQLite file; PostgreSQL (HOKO_DATABASE_URL) reclaims space by itself with autovacuum')
  const db = openDatabase(config.dbPath)
  try {
    runMigrations(db)
    return vacuum(db)
  } finally {
    db.$client.close()
  }
}

async function workspaceOrFail(d: Data, ref: string) {
  const ws = await findWorkspace(d, ref)
  if (!ws) throw new UsageError(`unknown workspace "${ref}"`)
  return ws
}

async function domainOrFail(d: Data, workspaceId: string, name: string) {
  const normalized = normalizeHostname(name)
  const domain = normalized === null ? undefined : await domainByName(d, workspaceId, normalized)
  if (!domain) throw new UsageError(`"${name}" is not a domain of this workspace; add it with: hoko domain add`)
  return domain
}

/** The host short links without a domain answer on; what the server calls it without HOKO_BASE_URL. */
const baseHost = () => baseHostOf(loadConfig().baseUrl ?? 'http://localhost')

function parseDate(value: string): Date {
  // ISO 8601 with a time zone, or a plain date (midnight UTC).
  if (!ISO_DATE.test(value) && !ISO_DATE_TIME.test(value))
    throw new UsageError(`--expires must be an ISO 8601 date or date-time with a time zone, got "${value}"`)
  if (!isRealDate(value)) throw new UsageError(`--expires is not a real date: "${value}"`)
  return new Date(value)
}

function readFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path))
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`)
  }
}

function importSummary(r: ImportReport): string {
  const lines = [
    `${r.format} file, ${r.rows} rows: ${r.created.length} created, ${r.skipped.length} skipped (already taken), ${r.rejected.length} rejected` +
      (r.collectionId ? `; collection ${r.collectionId}` : '') +
      (r.tagsCreated ? `; ${r.tagsCreated} new tags` : ''),
  ]
  for (const s of r.skipped) lines.push(`line ${s.line}: skipped: ${s.reason.en}`)
  for (const s of r.rejected) lines.push(`line ${s.line}: rejected: ${s.reason.en}`)
  return lines.join('\n')
}

async function run(argv: string[]): Promise<void> {
  const { values: flags, positionals } = parse(argv)
  const [command = 'serve', sub, ...rest] = positionals
  if (flags.help) return console.log(USAGE)
  const defaultRate = () => loadConfig().rateLimit

  // `import links FILE` imports links; `import FILE` with any other FILE is the whole instance.
  const whole = command === 'import' && sub !== 'links'
  switch (`${command} ${whole || ['serve', 'migrate', 'backup', 'version', 'vacuum', 'export'].includes(command) ? '' : (sub ?? '')}`.trim()) {
    case 'serve':
      if (sub) throw new UsageError(`serve takes no arguments, got "${sub}"`)
      await serve(loadConfig())
      return
    case 'version':
      if (sub) throw new UsageError(`version takes no arguments, got "${sub}"`)
      return print(flags, { version: VERSION }, `hoko ${VERSION}`)
    case 'migrate':
      await withData(async () => undefined)
      return console.log('migrations applied')
    case 'backup': {
      if (!sub || rest.length) throw new UsageError('usage: hoko backup PATH')
      const copy = await withData(async (d) => backup(d, sub))
      return print(flags, copy, `backed up to ${copy.path} (${copy.bytes} bytes)`)
    }
    case 'vacuum': {
      if (sub) throw new UsageError(`vacuum takes no arguments, got "${sub}"`)
      const r = await vacuumSqlite()
      const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`
      return print(flags, r, `vacuumed: ${mb(r.bytesBefore)} (${mb(r.freeBytesBefore)} of it free) → ${mb(r.bytesAfter)}; auto-vacuum is ${r.autoVacuum}`)
    }
    case 'export': {
      if (!sub || rest.length) throw new UsageError('usage: hoko export FILE (- for stdout)')
      const r = await withData((d) => exportInstance(d, sub))
      console.error(`exported ${r.tables} tables, ${r.rows} rows, ${megabytes(r.bytes)} in ${r.seconds.toFixed(1)} s`)
      return
    }
    case 'import': {
      if (!sub || rest.length) throw new UsageError('usage: hoko import FILE (- for stdin), or hoko import links FILE --workspace SLUG')
      const r = await withData((d) => importInstance(d, sub))
      console.error(`imported ${r.tables} tables, ${r.rows} rows, ${megabytes(r.bytes)} in ${r.seconds.toFixed(1)} s`)
      return
    }
    case 'workspace create': {
      const rateLimit = flags['rate-limit']
      if (rateLimit !== undefined && !/^\d+$/.test(rateLimit)) throw new UsageError('--rate-limit must be a whole number')
      const ws = await withData(async (d) =>
        toView(
          await createWorkspace(d, {
            name: required(flags, 'name'),
            slug: flags.slug,
            plan: flags.plan as never,
            rateLimit: rateLimit === undefined ? undefined : Number(rateLimit),
          }),
          defaultRate(),
        ),
      )
      const { createdAt: _, ...json } = ws
      return print(flags, json, `created workspace ${ws.slug} (${ws.id}), plan ${ws.plan}, ${ws.rateLimit} requests/minute`)
    }
    case 'workspace list': {
      const list = await withData(async (d) => (await listWorkspaces(d)).map((w) => toView(w, defaultRate())))
      return print(
        flags,
        list,
        list.map((w) => `${w.slug}\t${w.id}\t${w.plan}\t${w.rateLimit}/min\t${w.name}`).join('\n') || 'no workspaces',
      )
    }
    case 'workspace set-default-domain': {
      const [name, extra] = rest
      if (extra !== undefined) throw new UsageError('usage: hoko workspace set-default-domain --workspace SLUG [NAME]')
      const result = await withData(async (d) => {
        const ws = await workspaceOrFail(d, required(flags, 'workspace'))
        const domain = name === undefined ? null : await domainOrFail(d, ws.id, name)
        await setDefaultDomain(d, ws.id, domain?.id ?? null)
        return { workspace: ws.slug, defaultDomainId: domain?.id ?? null, defaultDomain: domain?.name ?? baseHost() }
      })
      return print(flags, result, `workspace ${result.workspace}: new links go on ${result.defaultDomain}`)
    }
    case 'domain add': {
      const [name, extra] = rest
      if (!name || extra !== undefined) throw new UsageError('usage: hoko domain add NAME --workspace SLUG [--root-url URL] [--not-found-url URL] [--default]')
      const item = v.safeParse(NewDomain, { name, rootUrl: flags['root-url'] ?? null, notFoundUrl: flags['not-found-url'] ?? null })
      if (!item.success) {
        const issue = item.issues[0]
        throw new UsageError(`${issue.path?.map((p) => p.key).join('.') ?? 'domain'}: ${issue.message}`)
      }
      const domain = await withData((d) =>
        d.tx(async (tx) => {
          const ws = await workspaceOrFail(tx, required(flags, 'workspace'))
          const [added] = await upsertDomains(tx, ws.id, [item.output], baseHost())
          if (flags.default) await setDefaultDomain(tx, ws.id, added.id)
          return { ...added, workspace: ws.slug, default: flags.default === true }
        }),
      )
      return print(flags, domain, `added domain ${domain.name} (${domain.id}) to workspace ${domain.workspace}${domain.default ? ', its default' : ''}`)
    }
    case 'domain list': {
      const list = await withData(async (d) => {
        const ws = flags.workspace === undefined ? undefined : await workspaceOrFail(d, flags.workspace)
        return listAllDomains(d, ws?.id)
      })
      return print(
        flags,
        list,
        list.map((d) => `${d.name}\t${d.id}\t${d.workspace}${d.default ? '\tdefault' : ''}\troot ${d.rootUrl ?? '-'}\tnot found ${d.notFoundUrl ?? '-'}`).join('\n') ||
          'no domains',
      )
    }
    case 'key create': {
      const scopes = parseScopes(required(flags, 'scopes'))
      const expiresAt = flags.expires === undefined ? null : parseDate(flags.expires)
      const key = await withData(async (d) => {
        const ws = await workspaceOrFail(d, required(flags, 'workspace'))
        return createKey(d, { workspaceId: ws.id, name: required(flags, 'name'), scopes, expiresAt })
      })
      return print(
        flags,
        key,
        `created key ${key.id} (${key.scopes.join(',')}${key.expiresAt ? `, expires ${key.expiresAt}` : ''})\n` +
          `${key.key}\nThis is the only time the key is shown: store it now.`,
      )
    }
    case 'key list': {
      const keys = await withData(async (d) => listKeys(d, (await workspaceOrFail(d, required(flags, 'workspace'))).id))
      return print(
        flags,
        keys,
        keys
          .map(
            (k) =>
              `${k.id}\t${k.prefix}…\t${k.name}\t${k.scopes.join(',')}\tcreated ${k.createdAt}` +
              `\tlast used ${k.lastUsedAt ?? 'never'}\texpires ${k.expiresAt ?? 'never'}${k.revoked ? `\trevoked ${k.revokedAt}` : ''}`,
          )
          .join('\n') || 'no keys',
      )
    }
    case 'import links': {
      const [file, extra] = rest
      if (!file || extra !== undefined) throw new UsageError('usage: hoko import links FILE --workspace SLUG [--collection ID] [--format auto|hoko|dub|bitly|shlink] [--on-conflict skip|fail]')
      const format = flags.format ?? 'auto'
      if (format !== 'auto' && !(IMPORT_FORMATS as readonly string[]).includes(format))
        throw new UsageError(`--format must be auto, ${IMPORT_FORMATS.join(', ')}; got "${format}"`)
      const onConflict = flags['on-conflict'] ?? 'skip'
      if (onConflict !== 'skip' && onConflict !== 'fail') throw new UsageError(`--on-conflict must be skip or fail; got "${onConflict}"`)
      const bytes = readFile(file)
      const report = await withData(async (d) => {
        const ws = await workspaceOrFail(d, required(flags, 'workspace'))
        // The running server's delivery worker sends what the import queues (link.created).
        const config = loadConfig()
        const baseUrl = config.baseUrl ?? `http://localhost:${config.port}`
        const outbox = new Outbox(d, () => baseUrl)
        return importLinks(d, bytes, {
          workspaceId: ws.id,
          baseHost: baseHostOf(baseUrl),
          plan: PLANS[ws.plan as PlanName] ?? PLANS.unlimited,
          collectionId: flags.collection,
          format: format as never,
          onConflict,
          onWritten: async (tx, out) => {
            await outbox.emit(tx, ws.id, 'link.created', () => out.map((r) => linkView(r.link, r.tagIds, baseUrl)))
          },
        })
      })
      return print(flags, report, importSummary(report))
    }
    case 'key revoke': {
      const [id, extra] = rest
      if (!id || extra !== undefined) throw new UsageError('usage: hoko key revoke ID')
      const result = await withData((d) => revokeKey(d, id))
      return print(flags, result, `revoked key ${result.id}`)
    }
    case 'user create': {
      const user = await withData((d) =>
        createUserFromCli(d, {
          email: required(flags, 'email'),
          password: flags.password,
          workspace: required(flags, 'workspace'),
          role: required(flags, 'role'),
          admin: flags.admin === true,
          name: flags.name,
        }),
      )
      const { created, name: _, ...json } = user
      return print(
        flags,
        json,
        created
          ? `created user ${user.email} (${user.id}), ${user.role} of workspace ${user.workspaceId}${flags.admin ? ', instance admin' : ''}`
          : `user ${user.email} (${user.id}) is now ${user.role} of workspace ${user.workspaceId}; password unchanged (see user set-password)`,
      )
    }
    case 'user list': {
      const list = await withData((d) => listUsersForCli(d))
      return print(
        flags,
        list,
        list.map((u) => `${u.email}\t${u.id}\t${u.isAdmin ? 'admin\t' : ''}${u.workspaces.map((w) => `${w.slug}:${w.role}`).join(',')}\t${u.name}`).join('\n') ||
          'no users',
      )
    }
    case 'user set-password': {
      const result = await withData((d) => setPasswordFromCli(d, required(flags, 'email'), required(flags, 'password')))
      return print(flags, result, `password of ${result.email} changed; ${result.endedSessions} session(s) ended`)
    }
    default:
      throw new UsageError(`unknown command "${positionals.join(' ') || command}"; run hoko --help`)
  }
}

try {
  await run(Bun.argv.slice(2))
} catch (e) {
  const known =
    e instanceof UsageError ||
    e instanceof KeyError ||
    e instanceof WorkspaceError ||
    e instanceof ConfigError ||
    e instanceof RedisUnreachable ||
    e instanceof BackupError ||
    e instanceof AccountError ||
    e instanceof HokoError ||
    e instanceof TransferError ||
    String((e as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')
  if (!known) console.error(e)
  // One line on stderr; a usage mistake exits 2, anything unexpected 1.
  console.error(`hoko: ${(e as Error).message.split('\n')[0]}`)
  process.exit(known ? 2 : 1)
}
