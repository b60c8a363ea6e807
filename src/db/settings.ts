import { eq } from 'drizzle-orm'
import { randomBytes } from 'node:crypto'
import type { Data } from './data'

/** HOKO_SECRET when set; otherwise a random secret generated on first start and kept in the database. */
export async function resolveSecret(d: Data, fromEnv: string | undefined): Promise<string> {
  if (fromEnv) return fromEnv
  const { settings } = d.t
  const read = async () => (await d.orm.select().from(settings).where(eq(settings.key, 'secret')))[0]?.value
  const found = await read()
  if (found) return found
  await d.orm.insert(settings).values({ key: 'secret', value: randomBytes(32).toString('base64url'), updatedAt: new Date() }).onConflictDoNothing()
  // Another instance starting at once may have written first: every instance uses the stored one.
  return (await read())!
}
