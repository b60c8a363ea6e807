import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { HokoError } from '../http/errors'

export const healthRoutes = ({ data }: AppContext) =>
  new Elysia({ name: 'hoko-health' }).get(
    '/healthz',
    async ({ set }) => {
      try {
        await data.get('SELECT 1 AS ok')
      } catch {
        throw new HokoError('unavailable')
      }
      set.headers['cache-control'] = 'no-store'
      return { status: 'ok' as const }
    },
    { detail: { summary: 'Health check: answers once the database does', tags: ['Operations'], security: [] } },
  )
