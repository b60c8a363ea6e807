import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../src/app'
import { loadConfig } from '../src/config'
import { createContext } from '../src/context'
import { openDatabase, runMigrations, type Db } from '../src/db'
import { sqliteData } from '../src/db/data'
import { setLogLevel } from '../src/log'
import { resolveSecret } from '../src/db/settings'
import { createKey } from '../src/keys/service'
import { SCOPES } from '../src/keys/scopes'
import { createWorkspace } from '../src/workspaces/service'
import type { Client } from './endpoints'
import { removeDir } from './harness'

/**
 * The in-process tier: the whole app on a temporary SQLite file, called with `app.handle(request)`,
 * no server and no subprocess. For service logic with many cases (upsert, the summary's rollup/raw
 * split), where a test wants to set up stored state directly and look at it afterwards. Crashes,
 * the CLI, limits and the binary stay with the subprocess tier (harness.ts).
 */
export type InProcess = Client & {
  /** The all-scopes key of workspace `default`. */
  key: string
  workspaceId: string
  db: Db
  dir: string
  baseUrl: string
  /** A new workspace and its all-scopes key. */
  workspace(slug: string): Promise<{ id: string; key: string }>
  close(): void
}

export async function startInProcess(opts: { env?: Record<string, string>; now?: () => number } = {}): Promise<InProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'hoko-inproc-'))
  const dbPath = join(dir, 'hoko.db')
  const db = openDatabase(dbPath)
  runMigrations(db)
  const config = loadConfig({ HOKO_DB: dbPath, HOKO_LOG: 'warn', ...opts.env })
  // As `serve` does; the level is the process's, so HOKO_LOG=info here would log every request.
  setLogLevel(config.logLevel)
  const secret = await resolveSecret(sqliteData(db), config.secret)
  const baseUrl = 'http://hoko.test'
  const app = createApp(createContext({ data: sqliteData(db), config, baseUrl, secret, now: opts.now }))

  const workspace = async (slug: string) => {
    const d = sqliteData(db)
    const ws = await createWorkspace(d, { name: slug, slug })
    return { id: ws.id, key: (await createKey(d, { workspaceId: ws.id, name: 'test', scopes: [...SCOPES] })).key }
  }
  const first = await workspace('default')

  return {
    key: first.key,
    workspaceId: first.id,
    db,
    dir,
    baseUrl,
    workspace,
    api(path, init = {}) {
      const headers = new Headers(init.headers)
      const k = init.key === undefined ? first.key : init.key
      if (k !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${k}`)
      let body = init.body
      if (init.json !== undefined) {
        body = JSON.stringify(init.json)
        if (!headers.has('content-type')) headers.set('content-type', 'application/json')
      }
      return app.handle(new Request(baseUrl + path, { ...init, headers, body }))
    },
    close() {
      db.$client.close()
      removeDir(dir)
    },
  }
}
