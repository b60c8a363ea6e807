/** @jsxImportSource preact */
import { useEffect, useMemo, useState } from 'preact/hooks'
import { apiList, type Page } from '../../api'
import { fill, message, pick } from '../../i18n'
import { navigate, useLocation } from '../../router'
import { formatCount, formatDateTime } from '../../format'
import { strings } from './strings'

export type Customer = {
  id: string
  externalId: string
  name: string | null
  email: string | null
  phone: string | null
  avatar: string | null
  createdAt: string
  updatedAt: string
}

const PAGE = 25

/** The customer list: a search over name, email and external id (the API's `search`), paged by its X-Total-Count. */
export default function CustomersPage() {
  const t = pick(strings)
  const { search } = useLocation()
  const params = useMemo(() => new URLSearchParams(search), [search])
  const q = params.get('search') ?? ''
  const skip = Math.max(0, Number(params.get('skip')) || 0)
  const [page, setPage] = useState<Page<Customer> | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let live = true
    setError(null)
    const query = new URLSearchParams({ take: String(PAGE), skip: String(skip) })
    if (q) query.set('search', q)
    apiList<Customer>(`/api/customers?${query}`)
      .then((p) => live && setPage(p))
      .catch((e) => live && setError(e?.en ? message(e) : String(e)))
    return () => {
      live = false
    }
  }, [q, skip])

  const go = (search: string, skip: number) => {
    const next = new URLSearchParams()
    if (search) next.set('search', search)
    if (skip) next.set('skip', String(skip))
    navigate(`/app/customers${next.size ? `?${next}` : ''}`)
  }

  return (
    <div class="customers">
      <h1>{t.title}</h1>
      <form
        class="filters card"
        role="search"
        onSubmit={(e) => {
          e.preventDefault()
          go(String(new FormData(e.currentTarget as HTMLFormElement).get('search') ?? '').trim(), 0)
        }}
      >
        <div class="field">
          <label for="c-search">{t.search}</label>
          <input id="c-search" type="search" name="search" maxLength={200} placeholder={t.searchHint} defaultValue={q} key={q} />
        </div>
        <div class="actions">
          <button type="submit" class="primary">
            {t.searchButton}
          </button>
        </div>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!page && !error && <p aria-live="polite">{t.loading}</p>}
      {page && page.items.length === 0 && <p class="muted">{q ? fill(t.noMatch, { q }) : t.none}</p>}
      {page && page.items.length > 0 && (
        <>
          <div class="table-scroll card" tabIndex={0} role="region" aria-label={t.title}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.name}</th>
                  <th scope="col">{t.email}</th>
                  <th scope="col">{t.externalId}</th>
                  <th scope="col">{t.created}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((c) => (
                  <tr key={c.id}>
                    <th scope="row">
                      <a href={`/app/customers/${encodeURIComponent(c.id)}`}>
                        <bdi>{c.name || t.unnamed}</bdi>
                      </a>
                    </th>
                    <td>
                      <bdi>{c.email ?? ''}</bdi>
                    </td>
                    <td>
                      <bdi>{c.externalId}</bdi>
                    </td>
                    <td>{formatDateTime(Date.parse(c.createdAt), 'full')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav class="pager" aria-label={t.title}>
            <button type="button" disabled={skip === 0} onClick={() => go(q, Math.max(0, skip - PAGE))}>
              {t.previous}
            </button>
            <span>{fill(page.total === null ? t.rangeOpen : t.range, { from: formatCount(skip + 1), to: formatCount(skip + page.items.length), total: formatCount(page.total ?? 0) })}</span>
            <button type="button" disabled={page.total === null ? page.items.length < PAGE : skip + page.items.length >= page.total} onClick={() => go(q, skip + PAGE)}>
              {t.next}
            </button>
          </nav>
        </>
      )}
    </div>
  )
}
