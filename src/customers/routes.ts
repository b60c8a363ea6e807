import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { scoped } from '../http/api-guard'
import { CustomerQuery } from './model'
import { listCustomers } from './service'

const tags = ['Customers']

// Read-only: customers are written by conversion tracking (POST /api/track/lead and /sale).
export const customerRoutes = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/customers' })
    .use(scoped(ctx))
    .get('', ({ auth, query }) => listCustomers(ctx.db, auth.workspaceId, query), {
      scope: 'customersRead',
      query: CustomerQuery,
      detail: { summary: 'Get customers', tags },
    })
