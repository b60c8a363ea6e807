/** @jsxImportSource preact */
import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, apiAll } from '../../api'
import { fill, message, pick } from '../../i18n'
import { navigate, useLocation } from '../../router'
import { formatCount, formatMoney, formatPercent } from '../../format'
import { query, type SummaryRow } from '../analytics/data'
import { resolveRange, type Range } from '../analytics/range'
import { RangeFields, rangeQuery } from '../analytics/range-fields'
import { strings } from './strings'

type Partner = { id: string; name: string }
type Row = { id: string | null; name: string; clicks: number; leads: number; sales: number; saleAmountByCurrency: Record<string, number> }

/**
 * Every partner with its clicks, leads, sales and revenue over the range (one summary grouped by
 * partner, so it costs the same at 10M clicks), partners without activity included with zeros.
 * Revenue is one figure per currency: amounts in different currencies never add up.
 */
export default function PartnerPerformancePage() {
  const t = pick(strings)
  const { search } = useLocation()
  const range = useMemo(() => {
    const q = new URLSearchParams(search)
    return resolveRange(q.get('range'), q.get('start'), q.get('end'))
  }, [search])
  const [rows, setRows] = useState<Row[] | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let live = true
    setRows(null)
    setError(null)
    Promise.all([
      api<SummaryRow[]>(`/api/analytics/summary?${query(range, {}, { groupBy: 'partner' })}`),
      apiAll<Partner>('/api/partners'),
    ])
      .then(([summary, partners]) => live && setRows(merge(summary, partners, t)))
      .catch((e) => live && setError(e?.en ? message(e) : String(e)))
    return () => {
      live = false
    }
  }, [range.startDate, range.endDate])

  function submit(e: Event) {
    e.preventDefault()
    const q = rangeQuery(new FormData(e.currentTarget as HTMLFormElement))
    navigate(`/app/partners/performance?${q}`)
  }

  const rangeParams = new URLSearchParams({ range: range.key, ...(range.key === 'custom' ? { start: range.startDate, end: range.endDate! } : {}) })
  return (
    <div class="partner-performance">
      <h1>{t.title}</h1>
      <p class="muted">{t.intro}</p>
      <form class="filters card" onSubmit={submit} aria-label={t.range}>
        <RangeFields idPrefix="pp" range={range} />
        <div class="actions">
          <button type="submit" class="primary">
            {t.apply}
          </button>
        </div>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!rows && !error && <p aria-live="polite">{t.loading}</p>}
      {rows && rows.length === 0 && <p class="muted">{t.none}</p>}
      {rows && rows.length > 0 && <PerformanceTable rows={rows} range={range} rangeParams={rangeParams} />}
    </div>
  )
}

function merge(summary: SummaryRow[], partners: Partner[], t: typeof strings.en): Row[] {
  const byId = new Map(summary.map((r) => [r.key, r]))
  const rows: Row[] = partners.map((p) => {
    const s = byId.get(p.id)
    byId.delete(p.id)
    return { id: p.id, name: p.name, clicks: s?.clicks ?? 0, leads: s?.leads ?? 0, sales: s?.sales ?? 0, saleAmountByCurrency: s?.saleAmountByCurrency ?? {} }
  })
  // Activity of partners deleted since, and of links without a partner, still counts.
  for (const s of byId.values())
    rows.push({ id: null, name: s.key === null ? t.noPartner : t.deletedPartner, clicks: s.clicks, leads: s.leads, sales: s.sales, saleAmountByCurrency: s.saleAmountByCurrency })
  return rows.sort((a, b) => Number(a.id === null) - Number(b.id === null) || b.clicks - a.clicks || b.sales - a.sales || a.name.localeCompare(b.name))
}

function Money({ amounts, empty }: { amounts: Record<string, number>; empty: string }) {
  const currencies = Object.keys(amounts).sort()
  if (currencies.length === 0) return <span class="muted">{empty}</span>
  return (
    <ul class="money-list">
      {currencies.map((c) => (
        <li key={c}>{formatMoney(amounts[c]!, c)}</li>
      ))}
    </ul>
  )
}

function PerformanceTable({ rows, rangeParams }: { rows: Row[]; range: Range; rangeParams: URLSearchParams }) {
  const t = pick(strings)
  const partnerRows = rows.filter((r) => r.id !== null)
  const total = partnerRows.reduce(
    (acc, r) => {
      acc.clicks += r.clicks
      acc.leads += r.leads
      acc.sales += r.sales
      for (const [c, a] of Object.entries(r.saleAmountByCurrency)) acc.saleAmountByCurrency[c] = (acc.saleAmountByCurrency[c] ?? 0) + a
      return acc
    },
    { clicks: 0, leads: 0, sales: 0, saleAmountByCurrency: {} as Record<string, number> },
  )
  return (
    <div class="table-scroll card" tabIndex={0} role="region" aria-label={t.title}>
      <table class="performance">
        <thead>
          <tr>
            <th scope="col">{t.partner}</th>
            <th scope="col" class="num">{t.clicks}</th>
            <th scope="col" class="num">{t.leads}</th>
            <th scope="col" class="num">{t.sales}</th>
            <th scope="col" class="num">{t.revenue}</th>
            <th scope="col" class="num">{t.conversion}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={r.id ?? `other-${i}`} data-partner-id={r.id ?? undefined}>
              <th scope="row">
                {r.id ? (
                  <a href={`/app/analytics?${new URLSearchParams({ ...Object.fromEntries(rangeParams), partnerId: r.id })}`} aria-label={fill(t.analyticsOf, { name: r.name })}>
                    <bdi>{r.name}</bdi>
                  </a>
                ) : (
                  <span class="muted">{r.name}</span>
                )}
              </th>
              <td class="num">{formatCount(r.clicks)}</td>
              <td class="num">{formatCount(r.leads)}</td>
              <td class="num">{formatCount(r.sales)}</td>
              <td class="num">
                <Money amounts={r.saleAmountByCurrency} empty={t.noRevenue} />
              </td>
              <td class="num">{r.clicks > 0 ? formatPercent(r.sales / r.clicks) : t.noRevenue}</td>
            </tr>
          ))}
        </tbody>
        {partnerRows.length > 1 && (
          <tfoot>
            <tr>
              <th scope="row">{t.totals}</th>
              <td class="num">{formatCount(total.clicks)}</td>
              <td class="num">{formatCount(total.leads)}</td>
              <td class="num">{formatCount(total.sales)}</td>
              <td class="num">
                <Money amounts={total.saleAmountByCurrency} empty={t.noRevenue} />
              </td>
              <td class="num">{total.clicks > 0 ? formatPercent(total.sales / total.clicks) : t.noRevenue}</td>
            </tr>
          </tfoot>
        )}
      </table>
    </div>
  )
}
