import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { toJsonSchema } from '@valibot/to-json-schema'
import { createApp } from '../src/app'
import { loadConfig } from '../src/config'
import { createContext } from '../src/context'
import { openDatabase, runMigrations } from '../src/db'
import { sqliteData } from '../src/db/data'
import { API_RESPONSES } from '../src/docs/responses'
import { ROOT } from './harness'

const db = openDatabase(':memory:')
runMigrations(db)
const app = createApp(createContext({ data: sqliteData(db), config: loadConfig({}), baseUrl: 'http://localhost', secret: 'openapi-test-0123456789' }))
const apiRoutes = app.routes.filter((r) => r.path.startsWith('/api') && r.method !== 'ALL')

/** What toJsonSchema leaves out of each request schema, as `METHOD /path part: message` lines. */
function unexpressed(): string[] {
  const out = new Set<string>()
  for (const r of apiRoutes)
    for (const part of ['body', 'query', 'params'] as const) {
      const s = (r.hooks as Record<string, any>)?.[part]
      if (!s?.['~standard']) continue
      const warn = console.warn
      console.warn = (m: unknown) => out.add(`${r.method} ${r.path} ${part}: ${String(m)}`)
      try {
        toJsonSchema(s, { errorMode: 'warn', typeMode: 'input' })
      } finally {
        console.warn = warn
      }
    }
  return [...out].sort()
}

test('every check left out of the document is listed in the README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const block = readme.split('<!-- unexpressed-checks -->')[1]?.split('<!-- /unexpressed-checks -->')[0] ?? ''
  const listed = [...block.matchAll(/^- `(.+)`$/gm)].map((m) => m[1]).sort()
  expect(listed).toEqual(unexpressed())
})

test('every /api operation declares a success answer and the error answers', async () => {
  const doc = (await (await app.handle(new Request('http://localhost/openapi.json'))).json()) as any
  for (const r of apiRoutes) {
    const op = doc.paths[r.path]?.[r.method.toLowerCase()]
    expect(op, `${r.method} ${r.path}`).toBeDefined()
    const success = API_RESPONSES[`${r.method} ${r.path}`]
    expect(success, `${r.method} ${r.path} has no entry in src/docs/responses.ts`).toBeDefined()
    expect(Object.keys(op.responses).sort()).toEqual([String(success.status), '400', '401', '403', '404', '413', '414', '429', '431', '503'].sort())
    expect(op.responses['429']).toEqual({ $ref: '#/components/responses/TooManyRequests' })
  }
  expect(doc.components.responses.TooManyRequests.headers['Retry-After']).toBeDefined()
  expect(doc.components.schemas.ForbiddenBody.properties.missingScopes).toEqual({ type: 'array', items: { type: 'string' } })
  expect(doc.paths['/api/links'].get.responses['200'].headers['X-Total-Count']).toBeDefined()
  db.$client.close()
})

test('every response schema converts to JSON Schema whole: nothing is left out of the document', () => {
  for (const [operation, success] of Object.entries(API_RESPONSES))
    if (success.schema) expect(() => toJsonSchema(success.schema!, { errorMode: 'throw', typeMode: 'output' }), operation).not.toThrow()
})
