import { eq } from 'drizzle-orm'
import type { Data } from '../db/data'
import { newSecret, sha256 } from './sessions'

const KEY = 'setup_token'
export const SETUP_VALID_MS = 24 * 3600_000

type Stored = { hash: string; expiresAt: number }

/**
 * The one-time link that creates the first user. A new token replaces the last one, so only the
 * link printed by the latest start works; creating the first user deletes it.
 */
export async function issueSetupToken(d: Data, now: number): Promise<string> {
  const token = newSecret()
  const value = JSON.stringify({ hash: sha256(token), expiresAt: now + SETUP_VALID_MS } satisfies Stored)
  await d.orm
    .insert(d.t.settings)
    .values({ key: KEY, value, updatedAt: new Date(now) })
    .onConflictDoUpdate({ target: d.t.settings.key, set: { value, updatedAt: new Date(now) } })
  return token
}

export async function setupTokenValid(d: Data, token: string | null | undefined, now: number): Promise<boolean> {
  if (!token) return false
  const row = (await d.orm.select().from(d.t.settings).where(eq(d.t.settings.key, KEY)))[0]
  if (!row) return false
  const stored = JSON.parse(row.value) as Stored
  return stored.hash === sha256(token) && now < stored.expiresAt
}

export const consumeSetupToken = (d: Data) => d.run('DELETE FROM settings WHERE key = ?', [KEY])
