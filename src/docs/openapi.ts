import { toOpenAPISchema } from '@elysiajs/openapi'
import { toJsonSchema } from '@valibot/to-json-schema'
import { type AnyElysia, Elysia } from 'elysia'
import type * as v from 'valibot'
import { ErrorBody, ForbiddenBody, RateLimitedBody } from '../http/error-schema'
import { API_RESPONSES, type Success } from './responses'

/**
 * /openapi.json, built here rather than by @elysiajs/openapi's own route so that responses are
 * documented without Elysia validating them at run time (a `response` route option costs CPU on
 * every answer and turns a subtle mismatch into a 500). Requests come from the routes' valibot
 * schemas, as the plugin reads them; responses from the table in ./responses, whose schemas are the
 * same valibot objects the tests (test/openapi.check.ts) hold every recorded answer against.
 */

/**
 * valibot → JSON Schema. The checks JSON Schema cannot say (custom checks, transforms: see the
 * README's "Checks the OpenAPI document does not express") are left out rather than failing.
 */
export const toSchema = (s: v.GenericSchema, typeMode: 'input' | 'output') => toJsonSchema(s, { errorMode: 'ignore', typeMode }) as Record<string, unknown>
const MAP = { valibot: (s: v.GenericSchema) => toSchema(s, 'input') }

const INFO = { title: 'Hoko API', version: '0.1.0', description: 'Self-hosted link attribution.', license: { name: 'MIT', identifier: 'MIT' } }

const intHeader = (description: string) => ({ description, schema: { type: 'integer' } })
const HEADERS = {
  'X-RateLimit-Limit': intHeader('Requests allowed per window for this key.'),
  'X-RateLimit-Remaining': intHeader('Requests left in the current window.'),
  'X-RateLimit-Reset': intHeader('Unix time (seconds) at which the window frees a request.'),
  'Retry-After': intHeader('Seconds to wait before trying again.'),
  'X-Total-Count': intHeader('How many items the same filters select, ignoring take and skip.'),
  'X-Hoko-Error': { description: 'The machine-readable error code.', schema: { type: 'string' } },
}
const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` })
const RATE_HEADERS = {
  'X-RateLimit-Limit': ref('headers', 'X-RateLimit-Limit'),
  'X-RateLimit-Remaining': ref('headers', 'X-RateLimit-Remaining'),
  'X-RateLimit-Reset': ref('headers', 'X-RateLimit-Reset'),
}

/** Every status any /api operation can answer with besides its success, and the body it carries. */
const ERRORS: Record<string, { name: string; description: string; schema?: string; retry?: boolean }> = {
  '400': { name: 'BadRequest', description: 'The request is malformed or fails validation.', schema: 'ErrorBody' },
  '401': { name: 'Unauthorized', description: 'No valid API key or session.', schema: 'ErrorBody' },
  '403': { name: 'Forbidden', description: 'The key lacks a scope (missingScopes), the plan a feature (missingFeatures), or the user a role.', schema: 'ForbiddenBody' },
  '404': { name: 'NotFound', description: 'An id in the request names nothing in this workspace.', schema: 'ErrorBody' },
  '413': { name: 'PayloadTooLarge', description: 'The body exceeds HOKO_MAX_BODY_BYTES.', schema: 'ErrorBody' },
  '414': { name: 'UriTooLong', description: 'The URL exceeds 8192 characters.', schema: 'ErrorBody' },
  '431': { name: 'HeadersTooLarge', description: 'The request headers are too large; Bun answers this itself, with no body.' },
  '429': { name: 'TooManyRequests', description: 'The rate limit is reached; retry after retryAfter seconds.', schema: 'RateLimitedBody', retry: true },
  '503': { name: 'Unavailable', description: 'The database is busy; retry shortly.', schema: 'ErrorBody' },
}
/** The statuses of ERRORS, for the response check in the tests. */
export const ERROR_STATUSES = Object.keys(ERRORS).map(Number)

function components() {
  const responses: Record<string, unknown> = {}
  for (const e of Object.values(ERRORS))
    responses[e.name] = !e.schema
      ? { description: e.description }
      : {
          description: e.description,
          headers: { ...RATE_HEADERS, ...(e.retry ? { 'Retry-After': ref('headers', 'Retry-After') } : {}), 'X-Hoko-Error': ref('headers', 'X-Hoko-Error') },
          content: { 'application/json': { schema: ref('schemas', e.schema) } },
        }
  return {
    schemas: {
      ErrorBody: stripDialect(toSchema(ErrorBody, 'output')),
      ForbiddenBody: stripDialect(toSchema(ForbiddenBody, 'output')),
      RateLimitedBody: stripDialect(toSchema(RateLimitedBody, 'output')),
    },
    headers: HEADERS,
    responses,
  }
}

function successResponse(s: Success) {
  const headers = { ...RATE_HEADERS, ...(s.list ? { 'X-Total-Count': ref('headers', 'X-Total-Count') } : {}) }
  const content =
    s.status === 204 ? undefined
    : s.schema ? { 'application/json': { schema: stripDialect(toSchema(s.schema, 'output')) } }
    : s.contentType ? Object.fromEntries(s.contentType.map((type) => [type, { schema: { type: 'string' } }]))
    : undefined
  return { description: s.description, headers, ...(content ? { content } : {}) }
}

/** JSON Schema's `$schema` belongs to a document, not to a schema inside OpenAPI (whose dialect is 2020-12). */
export function stripDialect(schema: Record<string, unknown>) {
  const { $schema: _, ...rest } = schema
  return rest
}

type Operation = { responses?: Record<string, unknown>; parameters?: { schema?: Record<string, unknown> }[]; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }

/** The whole document of `app`'s routes. */
export function buildOpenApi(app: AnyElysia) {
  const { paths } = toOpenAPISchema(app, undefined, undefined, MAP as never, '3.1.0') as { paths: Record<string, Record<string, Operation>> }
  for (const [path, item] of Object.entries(paths))
    for (const [method, op] of Object.entries(item)) {
      for (const p of op.parameters ?? []) if (p.schema) p.schema = stripDialect(p.schema)
      for (const c of Object.values(op.requestBody?.content ?? {})) c.schema = stripDialect(c.schema)
      if (!path.startsWith('/api')) continue
      const success = API_RESPONSES[`${method.toUpperCase()} ${path}`]
      op.responses = {
        ...(success ? { [success.status]: successResponse(success) } : {}),
        ...Object.fromEntries(Object.entries(ERRORS).map(([status, e]) => [status, ref('responses', e.name)])),
      }
    }
  return {
    openapi: '3.1.0',
    info: INFO,
    // The server this document was fetched from, whatever its host.
    servers: [{ url: '/' }],
    paths,
    components: {
      ...components(),
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer' },
        // The dashboard's: with it, every request but GET/HEAD/OPTIONS also sends X-CSRF-Token.
        session: { type: 'apiKey', in: 'cookie', name: 'hoko_session' },
      },
    },
    security: [{ apiKey: [] }, { session: [] }],
  }
}

/** GET /openapi.json, built on first request (every route is registered by then) and kept. */
export function openapiRoute(app: () => AnyElysia) {
  let doc: ReturnType<typeof buildOpenApi> | undefined
  return new Elysia({ name: 'hoko-openapi' }).get('/openapi.json', () => (doc ??= buildOpenApi(app())), { detail: { hide: true } })
}
