import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { scoped } from '../http/api-guard'
import { paged, textParams } from '../http/resource'
import { CustomerQuery } from './model'
import { listCustomers } from './service'

const tags = ['Customers']

// Read-only: customers are written by conversion tracking (POST /api/track/lead and /sale).
export const customerRoutes = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/customers' })
    .use(scoped(ctx))
    .get('', async ({ auth, query, set }) => {
      const page = await listCustomers(ctx.data, auth.workspaceId, query)
      return paged(set, page.items, page.total)
    }, {
      scope: 'customersRead',
      query: CustomerQuery,
      ...textParams('search', 'externalId'),
      detail: { summary: 'Get customers', tags },
    })
