import { useEffect, useState } from 'preact/hooks'
import { api, apiAll, apiList, type Page } from '../../api'
import { CopyButton } from '../../components/copy'
import { Confirm } from '../../components/dialog'
import { ErrorBox, errorText } from '../../components/errors'
import { SelectField, TextField } from '../../components/field'
import { Pager, TableBox } from '../../components/table'
import { toast } from '../../components/toast'
import { formatCount, formatDate } from '../../format'
import { fill, pick } from '../../i18n'
import { navigate, type PageProps, withQuery } from '../../router'
import { can } from '../../session'
import { TagChip } from '../tags'
import type { Link, Named } from './model'
import { ImportLinks } from './import'
import { QrDialog } from './qr'
import { strings } from './strings'

const TAKE = 25
const FILTERS = ['search', 'collectionId', 'tagId', 'partnerId', 'sort'] as const

type Names = { collections: Map<string, Named>; tags: Map<string, Named>; partners: Map<string, Named> }
const byId = (xs: Named[]) => new Map(xs.map((x) => [x.id, x]))

/** Collections, tags and partners by id, for names in the table and choices in the filters and form. */
export function useNames(): Names | null {
  const [names, setNames] = useState<Names | null>(null)
  useEffect(() => {
    const list = (path: string, scope: string) => (can(scope) ? apiAll<Named>(path) : Promise.resolve([]))
    Promise.all([list('/api/collections', 'collectionsRead'), list('/api/tags', 'tagsRead'), list('/api/partners', 'partnersRead')])
      .then(([c, t, p]) => setNames({ collections: byId(c), tags: byId(t), partners: byId(p) }))
      .catch(() => setNames({ collections: new Map(), tags: new Map(), partners: new Map() }))
  }, [])
  return names
}

const options = (m: Map<string, Named> | undefined) => [...(m?.values() ?? [])].map((x) => ({ value: x.id, label: x.name }))

export default function LinksPage(props: PageProps) {
  const t = pick(strings)
  const q = new URLSearchParams(props.search)
  const skip = Math.max(0, Number(q.get('skip')) || 0)
  const names = useNames()
  const writable = can('linksWrite')
  const [form, setForm] = useState(() => Object.fromEntries(FILTERS.map((k) => [k, q.get(k) ?? ''])) as Record<(typeof FILTERS)[number], string>)
  const [page, setPage] = useState<Page<Link> | null>(null)
  const [clicks, setClicks] = useState<Map<string, number> | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [reload, setReload] = useState(0)
  const [qrLink, setQrLink] = useState<Link | null>(null)
  const [removing, setRemoving] = useState<Link | null>(null)
  const [removeError, setRemoveError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)

  const filterQuery = new URLSearchParams()
  for (const k of ['collectionId', 'tagId', 'partnerId'] as const) if (q.get(k)) filterQuery.set(k, q.get(k)!)

  useEffect(() => {
    let live = true
    const query = new URLSearchParams(filterQuery)
    if (q.get('search')) query.set('search', q.get('search')!)
    query.set('sort', q.get('sort') === 'asc' ? 'asc' : 'desc')
    query.set('take', String(TAKE))
    query.set('skip', String(skip))
    setError(null)
    apiList<Link>(`/api/links?${query}`)
      .then((pg) => live && setPage(pg))
      .catch((e) => live && setError(e))
    // Clicks of every link under the same filters, all time, in one summary; the table shows without waiting for it.
    if (can('analyticsRead')) {
      setClicks(null)
      api<{ key: string; clicks: number }[]>(`/api/analytics/summary?groupBy=link${filterQuery.size ? `&${filterQuery}` : ''}`)
        .then((rows) => live && setClicks(new Map(rows.map((r) => [r.key, r.clicks]))))
        .catch(() => live && setClicks(new Map()))
    }
    return () => void (live = false)
  }, [props.search, reload])

  function apply(e?: Event) {
    e?.preventDefault()
    navigate(`/app/links${withQuery('', { ...form, sort: form.sort === 'asc' ? 'asc' : null })}`)
  }

  async function remove() {
    if (!removing) return
    setBusy(true)
    try {
      await api('/api/links', { method: 'DELETE', body: [removing.id] })
      toast(t.removed)
      setRemoving(null)
      setReload((n) => n + 1)
    } catch (e) {
      setRemoveError(errorText(e))
    } finally {
      setBusy(false)
    }
  }

  const filtered = FILTERS.some((k) => q.get(k))
  return (
    <>
      <div class="page-head">
        <h1>{t.title}</h1>
        {writable && (
          <a class="button primary" href="/app/links/new">
            {t.create}
          </a>
        )}
      </div>
      <form class="toolbar" role="search" onSubmit={apply}>
        <TextField label={t.search} name="search" type="search" value={form.search} onValue={(v) => setForm({ ...form, search: v })} placeholder={t.searchHint} />
        <SelectField label={t.collection} name="collectionId" value={form.collectionId} options={options(names?.collections)} empty={t.all} onValue={(v) => setForm({ ...form, collectionId: v })} />
        <SelectField label={t.tag} name="tagId" value={form.tagId} options={options(names?.tags)} empty={t.all} onValue={(v) => setForm({ ...form, tagId: v })} />
        <SelectField label={t.partner} name="partnerId" value={form.partnerId} options={options(names?.partners)} empty={t.all} onValue={(v) => setForm({ ...form, partnerId: v })} />
        <SelectField
          label={t.sort}
          name="sort"
          value={form.sort === 'asc' ? 'asc' : 'desc'}
          options={[
            { value: 'desc', label: t.newest },
            { value: 'asc', label: t.oldest },
          ]}
          onValue={(v) => setForm({ ...form, sort: v })}
        />
        <div class="actions">
          <button type="submit" class="primary">
            {t.apply}
          </button>
          {filtered && (
            <button
              type="button"
              onClick={() => {
                setForm({ search: '', collectionId: '', tagId: '', partnerId: '', sort: '' })
                navigate('/app/links')
              }}
            >
              {t.clear}
            </button>
          )}
        </div>
      </form>
      {writable && <ImportLinks collections={names?.collections} onImported={() => setReload((n) => n + 1)} />}
      <ErrorBox error={error} />
      {names && names.collections.size === 0 && writable && !filtered && (
        <p>
          {t.needCollection} <a href="/app/collections">{t.toCollections}</a>
        </p>
      )}
      {page && page.items.length === 0 && skip === 0 && <p class="muted">{filtered ? t.noMatch : t.empty}</p>}
      {page && page.items.length > 0 && (
        <TableBox label={t.title}>
          <thead>
            <tr>
              <th scope="col">{t.shortUrl}</th>
              <th scope="col">{t.destination}</th>
              <th scope="col">{t.linkTitle}</th>
              <th scope="col">{t.collection}</th>
              <th scope="col">{t.tags}</th>
              <th scope="col">{t.partner}</th>
              <th scope="col" class="num">
                {t.clicks}
              </th>
              <th scope="col">{t.created}</th>
              <th scope="col">{t.actions}</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((l) => (
              <tr key={l.id}>
                <td class="nowrap">
                  <a href={`/app/links/${l.id}`} class="mono" dir="ltr">
                    {l.shortUrl.replace(/^https?:\/\//, '')}
                  </a>{' '}
                  <CopyButton text={l.shortUrl} what={l.shortUrl} />
                </td>
                <td class="wrap mono" dir="ltr">
                  {l.url}
                </td>
                <td class="wrap">{l.title ?? ''}</td>
                <td class="wrap">{names?.collections.get(l.collectionId)?.name ?? ''}</td>
                <td class="wrap">
                  {l.tagIds.map((id) => {
                    const tag = names?.tags.get(id)
                    return tag ? <TagChip key={id} name={tag.name} color={tag.color} /> : null
                  })}
                </td>
                <td class="wrap">{l.partnerId ? (names?.partners.get(l.partnerId)?.name ?? '') : ''}</td>
                <td class="num">{clicks ? formatCount(clicks.get(l.id) ?? 0) : can('analyticsRead') ? '…' : '—'}</td>
                <td class="nowrap">{formatDate(l.createdAt)}</td>
                <td>
                  <div class="cell-actions">
                    <a class="button small" href={`/app/links/${l.id}`} aria-label={`${writable ? t.edit : t.view}: ${l.shortId}`}>
                      {writable ? t.edit : t.view}
                    </a>
                    <button type="button" class="small" onClick={() => setQrLink(l)} aria-label={`${t.qr}: ${l.shortId}`}>
                      {t.qr}
                    </button>
                    {can('analyticsRead') && (
                      <a class="button small" href={`/app/analytics?linkId=${encodeURIComponent(l.id)}`} aria-label={`${t.analytics}: ${l.shortId}`}>
                        {t.analytics}
                      </a>
                    )}
                    {writable && (
                      <button type="button" class="small" onClick={() => (setRemoveError(undefined), setRemoving(l))} aria-label={`${t.remove}: ${l.shortId}`}>
                        {t.remove}
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
      {page && (
        <Pager skip={skip} take={TAKE} count={page.items.length} total={page.total} onSkip={(s) => navigate(`/app/links${withQuery(props.search, { skip: s || null })}`)} />
      )}
      <QrDialog link={qrLink} onClose={() => setQrLink(null)} />
      <Confirm
        open={removing !== null}
        title={t.removeTitle}
        body={removing ? fill(t.removeBody, { link: removing.shortUrl }) : ''}
        action={t.removeAction}
        busy={busy}
        error={removeError}
        onConfirm={remove}
        onClose={() => setRemoving(null)}
      />
    </>
  )
}
