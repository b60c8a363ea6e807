import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { isApiPath } from '../http/api-guard'
import { HokoError } from '../http/errors'
import { domainRootPage, notFoundPage, redirectTo } from '../http/pages'
import type { HostedDomain } from '../redirect/cache'
import { BASE_HOST_ONLY_PATHS, requestHost } from './hosts'

/** Whether the path starting at `from` is `prefix` or below it. */
function under(url: string, from: number, prefix: string): boolean {
  if (!url.startsWith(prefix, from)) return false
  const next = url.charCodeAt(from + prefix.length)
  return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */
}

/**
 * One check, before routing, for every request on a registered custom domain: its root answers with
 * the domain's rootUrl or a small page, and the base host's own pages (API, docs, dashboard; see
 * BASE_HOST_ONLY_PATHS) answer 404 there. The host is read only for those paths: a short link's
 * request pays a few string comparisons.
 */
export const domainGuard = (ctx: AppContext) =>
  new Elysia({ name: 'hoko-domain-guard' }).onRequest(({ request }) => {
    const url = request.url
    const from = url.indexOf('/', url.indexOf('//') + 2)
    if (from < 0) return
    const root = from === url.length - 1 || url.charCodeAt(from + 1) === 63
    if (!root && !BASE_HOST_ONLY_PATHS.some((p) => under(url, from, p))) return
    const domain = ctx.links.domainFor(() => requestHost(request, ctx.config.trustProxy))
    return domain instanceof Promise ? domain.then((d) => onDomain(request, url, from, root, d)) : onDomain(request, url, from, root, domain)
  })

function onDomain(request: Request, url: string, from: number, root: boolean, domain: HostedDomain | null) {
  if (domain === null) return
    if (!root) {
      if (!isApiPath(url)) return notFoundPage()
      const q = url.indexOf('?', from)
      throw new HokoError('not_found', { method: request.method, path: url.slice(from, q < 0 ? undefined : q) })
    }
    // Other methods on `/` get the router's 404, as on the base host.
    if (request.method !== 'GET' && request.method !== 'HEAD') return
    return domain.rootUrl ? redirectTo(domain.rootUrl) : domainRootPage(domain.name)
}
