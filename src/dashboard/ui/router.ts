import { useEffect, useState } from 'preact/hooks'

/** What every page receives: the path's `:params` and the query string (`?a=b`, or ''). Here, not in routes.ts, which imports the pages. */
export type PageProps = { params: Record<string, string>; search: string }

/** Pages live in the history: back and forward work, and every view has a URL to share. */
const listeners = new Set<() => void>()
const notify = () => {
  for (const l of listeners) l()
}
addEventListener('popstate', notify)

export function navigate(to: string, o: { replace?: boolean } = {}) {
  if (o.replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  notify()
  if (!o.replace) scrollTo(0, 0)
}

/** Re-renders on navigation; returns pathname and search. */
export function useLocation(): { path: string; search: string } {
  const [, tick] = useState(0)
  useEffect(() => {
    const l = () => tick((n) => n + 1)
    listeners.add(l)
    return () => void listeners.delete(l)
  }, [])
  return { path: location.pathname, search: location.search }
}

/** `/app/links/:id` against `/app/links/abc` → `{ id: 'abc' }`, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/')
  const s = path.replace(/\/+$/, '').split('/')
  if (p.length !== s.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) {
      try {
        params[p[i].slice(1)] = decodeURIComponent(s[i])
      } catch {
        return null
      }
    } else if (p[i] !== s[i]) return null
  }
  return params
}

/** Same-origin /app links open in the page, without reloading it (modifier keys keep their meaning). */
export function interceptLinks(root: HTMLElement) {
  root.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    const a = (e.target as Element).closest?.('a')
    if (!a || a.target || a.hasAttribute('download')) return
    const url = new URL(a.href, location.href)
    if (url.origin !== location.origin || !url.pathname.startsWith('/app') || url.pathname.startsWith('/app/assets/')) return
    e.preventDefault()
    navigate(url.pathname + url.search + url.hash)
  })
}

/** The query string as an object, and a way to change some of its keys (empty values are dropped). */
export function withQuery(search: string, changes: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams(search)
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') q.delete(k)
    else q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}
