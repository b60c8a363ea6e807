import { Elysia } from 'elysia'
import * as v from 'valibot'
import type { AppContext } from '../context'
import { scoped } from '../http/api-guard'
import { keylessLimit } from '../http/keyless-limit'
import { checkBatchSize, IdList, jsonBody } from '../http/resource'
import { baseHostOf } from './hosts'
import { normalizeHostname } from './hostname'
import { CreateDomainsBody, DomainQuery, type DomainUpsert, UpsertDomainsBody } from './model'
import { deleteDomains, isServedHost, listDomains, upsertDomains } from './service'

const tags = ['Domains']

const TlsAskQuery = v.looseObject({ domain: v.optional(v.string()) })

/** /api/domains, and /tls/ask, which a TLS-terminating proxy asks before it gets a certificate. */
export const domainRoutes = (ctx: AppContext) => {
  const { data } = ctx
  const write = async (workspaceId: string, items: DomainUpsert[]) => {
    const out = await upsertDomains(data, workspaceId, items, baseHostOf(ctx.baseUrl))
    // Before answering: the next request on a new or changed domain must see it.
    await ctx.links.reloadDomains()
    return out
  }
  const api = new Elysia({ prefix: '/api/domains' })
    .use(scoped(ctx))
    .get('', ({ auth, query }) => listDomains(data, auth.workspaceId, query), {
      scope: 'domainsRead',
      query: DomainQuery,
      detail: { summary: 'Get domains', tags },
    })
    .post(
      '',
      ({ auth, body, set }) => {
        checkBatchSize(auth, 'domains', body.length)
        set.status = 201
        return write(auth.workspaceId, body)
      },
      { scope: 'domainsWrite', ...jsonBody(CreateDomainsBody), detail: { summary: 'Create domains', tags } },
    )
    .put(
      '',
      ({ auth, body }) => {
        checkBatchSize(auth, 'domains', body.length)
        return write(auth.workspaceId, body)
      },
      { scope: 'domainsWrite', ...jsonBody(UpsertDomainsBody), detail: { summary: 'Update or create domains', tags } },
    )
    .delete(
      '',
      async ({ auth, body }) => {
        checkBatchSize(auth, 'domains', body.length)
        const out = await deleteDomains(data, auth.workspaceId, body)
        await ctx.links.reloadDomains()
        return out
      },
      { scope: 'domainsWrite', ...jsonBody(IdList), detail: { summary: 'Delete domains (refused while live links use one)', tags } },
    )

  // 200 or 404 with an empty body: whether the host is served, and nothing about whose it is.
  const tls = new Elysia({ name: 'hoko-tls-ask' }).use(keylessLimit(ctx)).get(
    '/tls/ask',
    async ({ query }) => {
      const host = query.domain === undefined ? null : normalizeHostname(query.domain)
      const baseHost = baseHostOf(ctx.baseUrl)
      const served = query.domain !== undefined && (query.domain.toLowerCase() === baseHost || (host !== null && (await isServedHost(data, host, baseHost))))
      return new Response(null, { status: served ? 200 : 404, headers: { 'cache-control': 'no-store' } })
    },
    {
      query: TlsAskQuery,
      keyless: 'tlsAsk',
      detail: { summary: 'Whether a host may get a TLS certificate (Caddy on-demand TLS "ask")', tags, security: [] },
    },
  )
  return new Elysia().use(api).use(tls)
}
