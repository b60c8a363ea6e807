import { readFileSync } from 'node:fs'
import * as v from 'valibot'
import { createApp } from '../src/app'
import { loadConfig } from '../src/config'
import { createContext } from '../src/context'
import { openDatabase, runMigrations } from '../src/db'
import { sqliteData } from '../src/db/data'
import { ERROR_STATUSES, stripDialect, toSchema } from '../src/docs/openapi'
import { API_RESPONSES } from '../src/docs/responses'
import { ErrorBody, ForbiddenBody, RateLimitedBody } from '../src/http/error-schema'

type Recorded = { method: string; path: string; status: number; headers: Record<string, string>; body?: unknown }

const ERROR_SCHEMAS: Record<number, v.GenericSchema> = { 403: ForbiddenBody, 429: RateLimitedBody }

/**
 * Holds every recorded /api answer against the document: its operation exists, its status is
 * declared, and its JSON body passes the valibot schema the document's schema was generated from
 * (checked to be the same schema, so body and document cannot disagree). Throws with every mismatch.
 */
export async function checkResponses(file: string): Promise<number> {
  const db = openDatabase(':memory:')
  runMigrations(db)
  const app = createApp(createContext({ data: sqliteData(db), config: loadConfig({}), baseUrl: 'http://localhost', secret: 'openapi-check-0123456789' }))
  const doc = (await (await app.handle(new Request('http://localhost/openapi.json'))).json()) as any
  db.$client.close()
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean)
  const problems = new Set<string>()
  for (const line of lines) {
    const r = JSON.parse(line) as Recorded
    const where = `${r.method} ${r.path} → ${r.status}`
    const op = doc.paths[r.path]?.[r.method.toLowerCase()]
    if (!op) {
      // The API guard answers unknown /api paths as it answers known ones (401, 429, …, then 404).
      if (!ERROR_STATUSES.includes(r.status)) problems.add(`${where}: no such operation in /openapi.json`)
      continue
    }
    const declared = op.responses?.[String(r.status)]
    if (!declared) {
      problems.add(`${where}: status not declared`)
      continue
    }
    if (r.body === undefined) continue
    let schema: v.GenericSchema | undefined
    let documented: unknown
    if (r.status >= 400) {
      schema = ERROR_SCHEMAS[r.status] ?? ErrorBody
      const name = declared.$ref?.split('/').pop()
      documented = doc.components.schemas[doc.components.responses[name]?.content['application/json'].schema.$ref.split('/').pop()]
    } else {
      schema = API_RESPONSES[`${r.method} ${r.path}`]?.schema
      documented = declared.content?.['application/json']?.schema
    }
    if (!schema) continue
    if (!Bun.deepEquals(documented, stripDialect(toSchema(schema, 'output')))) problems.add(`${where}: the document's schema is not the one checked here`)
    const result = v.safeParse(schema, r.body)
    if (!result.success) {
      const issue = result.issues[0]
      problems.add(`${where}: body does not match (${v.getDotPath(issue) ?? '(root)'}: ${issue.message})`)
    }
  }
  if (problems.size) throw new Error(`${problems.size} recorded answers disagree with /openapi.json:\n${[...problems].join('\n')}`)
  return lines.length
}
