import { dbErrorKind } from '../db/unique'
import { log } from '../log'
import { Elysia, status, ValidationError } from 'elysia'
import { errorBody, HokoError } from './errors'
import { validationError } from './validation'
import { notFoundPage } from './pages'
import { isApiPath } from './api-guard'

/** `/api/links` → `links`: the name an array body's items are reported under. */
const resourceOf = (path: string) => path.replace(/\/+$/, '').split('/').pop() || undefined

export function toHokoError(code: string | number, error: unknown, request: Request, path: string): HokoError {
  if (error instanceof HokoError) return error
  if (code === 'VALIDATION' && error instanceof ValidationError) {
    if (error.type === 'body' && error.value === undefined) return new HokoError('body_required')
    const issue = error.valueError as Parameters<typeof validationError>[0] | undefined
    if (issue) return validationError(issue, error.type === 'body' ? resourceOf(path) : undefined)
    return new HokoError('invalid_request')
  }
  if (code === 'NOT_FOUND') return new HokoError('not_found', { method: request.method, path })
  if (code === 'PARSE') return new HokoError('malformed_json')
  const kind = dbErrorKind(error)
  if (kind === 'unique') return new HokoError('conflict')
  if (kind === 'busy') return new HokoError('unavailable')
  if (kind === 'text') return new HokoError('unstorable_text', { path: 'request' })
  const sqliteCode = (error as { code?: unknown })?.code
  // Bun's Redis client: the connection is down (HOKO_REDIS_URL) or a command failed.
  if ((error as Error)?.name === 'RedisError' || String(sqliteCode).startsWith('ERR_REDIS')) {
    log('warn', 'Redis did not answer', { path, error: String(error) })
    return new HokoError('shared_state_unavailable')
  }
  if (code === 'INVALID_COOKIE_SIGNATURE' || code === 'INVALID_FILE_TYPE') return new HokoError('invalid_request')
  log('error', 'unhandled error', { path, error: String((error as Error)?.stack ?? error) })
  return new HokoError('internal')
}

/** The one place where errors become responses: `{"error":{"en","ar"}}` plus the spec's extras. */
export const errorHandler = new Elysia({ name: 'hoko-errors' }).onError({ as: 'global' }, ({ code, error, request, path, set }) => {
  // A visitor who mistypes a short URL with a slash in it gets the page, not JSON.
  if (code === 'NOT_FOUND' && !isApiPath(request.url) && request.method !== 'POST') return notFoundPage()
  const e = toHokoError(code, error, request, path)
  set.headers['x-hoko-error'] = e.code
  return status(e.status, errorBody(e))
})

/** What errorHandler answers to an error thrown outside Elysia (the redirect's Bun routes). */
export function errorResponse(error: unknown, request: Request): Response {
  const url = request.url
  const from = url.indexOf('/', url.indexOf('//') + 2)
  const q = url.indexOf('?', from)
  const e = toHokoError('UNKNOWN', error, request, url.slice(from, q < 0 ? undefined : q))
  return Response.json(errorBody(e), { status: e.status, headers: { 'x-hoko-error': e.code } })
}
