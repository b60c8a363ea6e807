import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, apiAll, apiBlob, apiList, type Page } from '../../api'
import { ErrorBox } from '../../components/errors'
import { Checkbox } from '../../components/field'
import { Pager, TableBox } from '../../components/table'
import { toast } from '../../components/toast'
import { formatDateTime, formatMoney } from '../../format'
import { fill, pick } from '../../i18n'
import { navigate, useLocation, withQuery } from '../../router'
import { can } from '../../session'
import { strings } from './strings'
import './commissions.css'

export const STATUSES = ['pending', 'approved', 'paid', 'canceled'] as const
export type Status = (typeof STATUSES)[number]
export type Commission = {
  id: string
  partnerId: string
  event: 'lead' | 'sale'
  amount: number
  currency: string
  saleAmount: number | null
  status: Status
  availableAt: string
  createdAt: string
}
type Partner = { id: string; name: string }

const TAKE = 50
const DONE = { approved: 'doneApproved', paid: 'donePaid', canceled: 'doneCanceled' } as const

/**
 * The commissions of a status and partner, newest first: select rows, then approve, mark paid or
 * cancel them in one PUT (all or nothing, as the API does it), or export the same filters as CSV.
 */
export default function CommissionsPage() {
  const t = pick(strings)
  const { search } = useLocation()
  const params = useMemo(() => new URLSearchParams(search), [search])
  const status = params.get('status') ?? ''
  const partnerId = params.get('partnerId') ?? ''
  const skip = Math.max(0, Number(params.get('skip')) || 0)
  const filters = useMemo(() => {
    const q = new URLSearchParams()
    if (status) q.set('status', status)
    if (partnerId) q.set('partnerId', partnerId)
    return q
  }, [status, partnerId])
  const writable = can('commissionsWrite')

  const [partners, setPartners] = useState<Partner[] | null>(null)
  const [page, setPage] = useState<Page<Commission> | null>(null)
  const [loadError, setLoadError] = useState<unknown>(null)
  const [reload, setReload] = useState(0)
  const [selected, setSelected] = useState<string[]>([])
  const [force, setForce] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    let live = true
    if (can('partnersRead'))
      apiAll<Partner>('/api/partners')
        .then((ps) => live && setPartners(ps))
        .catch(() => live && setPartners([]))
    else setPartners([])
    return () => void (live = false)
  }, [])

  useEffect(() => {
    let live = true
    setLoadError(null)
    apiList<Commission>(`/api/commissions?${filters}${filters.size ? '&' : ''}take=${TAKE}&skip=${skip}`)
      .then((p) => {
        if (!live) return
        setPage(p)
        setSelected([])
      })
      .catch((e) => live && setLoadError(e))
    return () => void (live = false)
  }, [filters, skip, reload])

  const names = useMemo(() => new Map((partners ?? []).map((p) => [p.id, p.name])), [partners])
  const items = page?.items ?? []
  const allSelected = items.length > 0 && items.every((c) => selected.includes(c.id))

  function applyFilters(e: Event) {
    e.preventDefault()
    const form = new FormData(e.currentTarget as HTMLFormElement)
    navigate(`/app/commissions${withQuery('', { status: String(form.get('status') ?? ''), partnerId: String(form.get('partnerId') ?? '') })}`)
  }

  async function change(next: 'approved' | 'paid' | 'canceled') {
    setBusy(true)
    setError(null)
    try {
      const body = selected.map((id) => (next === 'approved' && force ? { id, status: next, force: true } : { id, status: next }))
      const changed = await api<Commission[]>('/api/commissions', { method: 'PUT', body })
      toast(fill(t[DONE[next]], { n: changed.length }))
      setReload((n) => n + 1)
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  async function exportCsv(e: Event) {
    e.preventDefault()
    setError(null)
    try {
      const url = URL.createObjectURL(await apiBlob((e.currentTarget as HTMLAnchorElement).getAttribute('href')!))
      const a = document.createElement('a')
      a.href = url
      a.download = 'hoko-commissions.csv'
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch (err) {
      setError(err)
    }
  }

  const partnerName = (id: string) => names.get(id) ?? (partners ? t.deletedPartner : '…')
  return (
    <div class="commissions">
      <div class="page-head">
        <h1>{t.title}</h1>
        <a class="button" href={`/api/commissions/export?${withQuery(filters.toString(), { format: 'csv' }).slice(1)}`} download="hoko-commissions.csv" onClick={exportCsv}>
          {t.export}
        </a>
      </div>
      <p class="muted">{t.intro}</p>
      <form class="filters card" onSubmit={applyFilters} aria-label={t.title} key={search}>
        <div class="field">
          <label for="cm-status">{t.status}</label>
          <select id="cm-status" name="status" defaultValue={status}>
            <option value="">{t.all}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t[s]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="cm-partner">{t.partner}</label>
          <select id="cm-partner" name="partnerId" defaultValue={partnerId} key={partners?.length ?? -1}>
            <option value="">{t.all}</option>
            {(partners ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div class="actions">
          <button type="submit" class="primary">
            {t.apply}
          </button>
        </div>
      </form>
      <ErrorBox error={loadError} />
      {writable && items.length > 0 && (
        <div class="toolbar commission-actions" role="group" aria-label={t.actions}>
          <span class="selected-count" aria-live="polite">
            {fill(t.selected, { n: selected.length })}
          </span>
          <Checkbox label={t.force} name="force" checked={force} onChecked={setForce} />
          <button type="button" class="primary" disabled={busy || selected.length === 0} onClick={() => change('approved')}>
            {t.approve}
          </button>
          <button type="button" disabled={busy || selected.length === 0} onClick={() => change('paid')}>
            {t.markPaid}
          </button>
          <button type="button" disabled={busy || selected.length === 0} onClick={() => change('canceled')}>
            {t.cancel}
          </button>
        </div>
      )}
      <ErrorBox error={error} />
      {!page && !loadError && <p aria-live="polite">{t.loading}</p>}
      {page && items.length === 0 && skip === 0 && <p class="muted">{filters.size ? t.noMatch : t.none}</p>}
      {items.length > 0 && (
        <TableBox label={t.title}>
          <thead>
            <tr>
              {writable && (
                <th scope="col">
                  <input
                    type="checkbox"
                    name="all"
                    aria-label={t.selectAll}
                    checked={allSelected}
                    onChange={(e) => setSelected(e.currentTarget.checked ? items.map((c) => c.id) : [])}
                  />
                </th>
              )}
              <th scope="col">{t.partner}</th>
              <th scope="col">{t.event}</th>
              <th scope="col">{t.amount}</th>
              <th scope="col">{t.status}</th>
              <th scope="col">{t.availableAt}</th>
              <th scope="col">{t.createdAt}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id} data-id={c.id} data-status={c.status}>
                {writable && (
                  <td>
                    <input
                      type="checkbox"
                      name="id"
                      value={c.id}
                      aria-label={fill(t.selectRow, { partner: partnerName(c.partnerId), amount: formatMoney(c.amount, c.currency), date: formatDateTime(c.createdAt) })}
                      checked={selected.includes(c.id)}
                      onChange={(e) => {
                        const on = e.currentTarget.checked
                        setSelected((xs) => (on ? [...xs, c.id] : xs.filter((x) => x !== c.id)))
                      }}
                    />
                  </td>
                )}
                <td class="wrap">
                  {names.has(c.partnerId) ? (
                    <a href={`/app/partners/${encodeURIComponent(c.partnerId)}`}>
                      <bdi>{partnerName(c.partnerId)}</bdi>
                    </a>
                  ) : (
                    <span class="muted">{partnerName(c.partnerId)}</span>
                  )}
                </td>
                <td class="nowrap">{t[c.event]}</td>
                <td class="nowrap">
                  {formatMoney(c.amount, c.currency)}
                  {c.saleAmount !== null && <small class="muted sale-of">{fill(t.ofSale, { amount: formatMoney(c.saleAmount, c.currency) })}</small>}
                </td>
                <td class="nowrap">
                  <span class={`cm-status cm-status-${c.status}`}>{t[c.status]}</span>
                </td>
                <td class="nowrap">{formatDateTime(c.availableAt)}</td>
                <td class="nowrap">{formatDateTime(c.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
      {page && (
        <Pager skip={skip} take={TAKE} count={items.length} total={page.total} onSkip={(s) => navigate(`/app/commissions${withQuery(search, { skip: s || null })}`)} />
      )}
    </div>
  )
}
