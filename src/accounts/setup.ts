import { eq } from 'drizzle-orm'
import type { Db } from '../db'
import type { Data } from '../db/data'
import { settings } from '../db/schema'
import { newSecret, sha256 } from './sessions'

const KEY = 'setup_token'
export const SETUP_VALID_MS = 24 * 3600_000

type Stored = { hash: string; expiresAt: number }

/**
 * The one-time link that creates the first user. A new token replaces the last one, so only the
 * link printed by the latest start works; creating the first user deletes it.
 */
export function issueSetupToken(db: Db, now: number): string {
  const token = newSecret()
  const value = JSON.stringify({ hash: sha256(token), expiresAt: now + SETUP_VALID_MS } satisfies Stored)
  db.insert(settings)
    .values({ key: KEY, value, updatedAt: new Date(now) })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date(now) } })
    .run()
  return token
}

export function setupTokenValid(db: Db, token: string | null | undefined, now: number): boolean {
  if (!token) return false
  const row = db.select().from(settings).where(eq(settings.key, KEY)).get()
  if (!row) return false
  const stored = JSON.parse(row.value) as Stored
  return stored.hash === sha256(token) && now < stored.expiresAt
}

export const consumeSetupToken = (db: Db) => db.delete(settings).where(eq(settings.key, KEY)).run()

/** `issueSetupToken` on either engine (src/db/data.ts). */
export async function issueSetupTokenIn(d: Data, now: number): Promise<string> {
  const token = newSecret()
  const value = JSON.stringify({ hash: sha256(token), expiresAt: now + SETUP_VALID_MS } satisfies Stored)
  await d.orm
    .insert(d.t.settings)
    .values({ key: KEY, value, updatedAt: new Date(now) })
    .onConflictDoUpdate({ target: d.t.settings.key, set: { value, updatedAt: new Date(now) } })
  return token
}
