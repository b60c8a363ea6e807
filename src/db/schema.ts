import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

// Timestamps are Unix milliseconds: compact, index-friendly and exact to the millisecond.
const createdAt = () => integer('created_at', { mode: 'timestamp_ms' }).notNull()

export const workspaces = sqliteTable('workspaces', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  plan: text('plan').notNull().default('unlimited'),
  // An explicit per-workspace limit; null means "the plan's, else HOKO_RATE_LIMIT".
  rateLimit: integer('rate_limit'),
  createdAt: createdAt(),
})

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    workspaceId: text('workspace_id')
      .notNull()
      .references(() => workspaces.id),
    name: text('name').notNull(),
    // SHA-256 of the whole key, hex. The plaintext is never stored.
    hash: text('hash').notNull().unique(),
    prefix: text('prefix').notNull(),
    // Comma-separated scope names.
    scopes: text('scopes').notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('api_keys_workspace_idx').on(t.workspaceId)],
)

// Instance-wide settings such as the generated signing secret.
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch() * 1000)`),
})
