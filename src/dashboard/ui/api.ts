/**
 * The dashboard is a client of the documented /api/* like any integrator, authenticated by the
 * session cookie: same origin, the CSRF token from /api/me on every write, the chosen workspace
 * in X-Hoko-Workspace.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly en: string,
    readonly ar: string,
    readonly code?: string,
    /** The API field a validation message names (`links[0].url: …` → `url`), for the form to show it there. */
    readonly field?: string,
    readonly body?: unknown,
  ) {
    super(en)
  }
}

let csrfToken: string | null = null
let workspace: string | null = null

export function configureApi(o: { csrfToken?: string | null; workspace?: string | null }) {
  if (o.csrfToken !== undefined) csrfToken = o.csrfToken
  if (o.workspace !== undefined) workspace = o.workspace
}
export const currentWorkspace = () => workspace
export const csrf = () => csrfToken

/** `links[0].utm.source: must be …` → `utm`; `links: …` (the batch itself) → undefined. */
export function fieldOf(text: string): string | undefined {
  return /^[A-Za-z]+\[\d+\]\.([A-Za-z]+)/.exec(text)?.[1] ?? /^([A-Za-z]+)(?:[.[][^:]*)?:/.exec(text)?.[1]
}

/** The message without its `links[0].url: ` prefix, when the field is shown beside it. */
export const withoutPath = (text: string) => text.replace(/^[\w.[\]]+: /, '')

export type ApiInit = {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE'
  body?: unknown
  /** A body sent as it is (a file), with its Content-Type, instead of JSON. */
  raw?: { body: Blob | ArrayBuffer | string; type: string }
}

async function call(path: string, init: ApiInit = {}): Promise<Response> {
  const method = init.method ?? 'GET'
  const headers: Record<string, string> = { accept: 'application/json' }
  if (workspace) headers['x-hoko-workspace'] = workspace
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken
  if (init.raw) headers['content-type'] = init.raw.type
  else if (init.body !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: init.raw ? init.raw.body : init.body === undefined ? undefined : JSON.stringify(init.body),
    })
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check the connection and try again.', 'تعذّر الوصول إلى الخادم. تحقّق من الاتصال وحاول مجددًا.', 'network')
  }
  if (res.status === 401 && !path.startsWith('/api/me')) {
    // The session ended (logout elsewhere, password change, expiry): back to the login page.
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`)
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as any
    const en = typeof body?.error?.en === 'string' ? body.error.en : `${res.status} ${res.statusText}`
    const ar = typeof body?.error?.ar === 'string' ? body.error.ar : en
    throw new ApiError(res.status, en, ar, body?.error?.code ?? body?.code, fieldOf(en), body)
  }
  return res
}

/** A JSON answer; a non-2xx answer throws ApiError. */
export async function api<T = unknown>(path: string, init?: ApiInit): Promise<T> {
  const res = await call(path, init)
  if (res.status === 204) return undefined as T
  return (await res.json()) as T
}

/**
 * A download (a CSV export) with the session's headers. A plain link would send the cookie but not
 * X-Hoko-Workspace, and so export the user's first workspace instead of the one on screen.
 */
export async function apiBlob(path: string): Promise<Blob> {
  return (await call(path)).blob()
}

/** A POST of raw bytes (a CSV upload), with the same session headers; the JSON answer. */
export const apiRaw = <T = unknown>(path: string, body: Blob | ArrayBuffer | string, type: string): Promise<T> =>
  api<T>(path, { method: 'POST', raw: { body, type } })

export type Page<T> = { items: T[]; total: number | null }

/** A list GET with its X-Total-Count (null from a server that does not send it). */
export async function apiList<T>(path: string): Promise<Page<T>> {
  const res = await call(path)
  const items = (await res.json()) as T[]
  const header = res.headers.get('x-total-count')
  return { items, total: header === null ? null : Number(header) }
}

/** Every item of a list (names for selects): pages of 1000 until a short page. */
export async function apiAll<T>(path: string, cap = 10_000): Promise<T[]> {
  const out: T[] = []
  const sep = path.includes('?') ? '&' : '?'
  for (let skip = 0; skip < cap; skip += 1000) {
    const page = await api<T[]>(`${path}${sep}take=1000&skip=${skip}&sort=asc`)
    out.push(...page)
    if (page.length < 1000) break
  }
  return out
}
