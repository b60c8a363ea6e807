import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { HokoError } from '../http/errors'

export const healthRoutes = ({ db }: AppContext) => {
  const ping = db.$client.prepare('SELECT 1 AS ok')
  return new Elysia({ name: 'hoko-health' }).get(
    '/healthz',
    ({ set }) => {
      try {
        ping.get()
      } catch {
        throw new HokoError('unavailable')
      }
      set.headers['cache-control'] = 'no-store'
      return { status: 'ok' as const }
    },
    { detail: { summary: 'Health check: answers once the database does', tags: ['Operations'], security: [] } },
  )
}
