/** Prints /openapi.json of a fresh in-memory app: `bun scripts/openapi.ts > openapi.json` (npm run lint:openapi). */
import { createApp } from '../src/app'
import { loadConfig } from '../src/config'
import { createContext } from '../src/context'
import { openDatabase, runMigrations } from '../src/db'
import { sqliteData } from '../src/db/data'

const db = openDatabase(':memory:')
runMigrations(db)
const app = createApp(createContext({ data: sqliteData(db), config: loadConfig({}), baseUrl: 'http://localhost', secret: 'openapi-dump-0123456789' }))
const res = await app.handle(new Request('http://localhost/openapi.json'))
process.stdout.write(JSON.stringify(await res.json(), null, 2) + '\n')
db.$client.close()
process.exit(0)
