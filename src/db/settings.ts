import { eq } from 'drizzle-orm'
import { randomBytes } from 'node:crypto'
import type { Db } from '.'
import { settings } from './schema'

/** HOKO_SECRET when set; otherwise a random secret generated on first start and kept in the database. */
export function resolveSecret(db: Db, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv
  const row = db.select().from(settings).where(eq(settings.key, 'secret')).get()
  if (row) return row.value
  const secret = randomBytes(32).toString('base64url')
  db.insert(settings).values({ key: 'secret', value: secret, updatedAt: new Date() }).onConflictDoNothing().run()
  return db.select().from(settings).where(eq(settings.key, 'secret')).get()!.value
}
