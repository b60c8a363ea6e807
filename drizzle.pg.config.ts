import { defineConfig } from 'drizzle-kit'

// PostgreSQL: the schema derived from src/db/schema.ts; the SQLite migrations stay in drizzle.config.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg/schema.ts',
  out: './drizzle-pg',
})
