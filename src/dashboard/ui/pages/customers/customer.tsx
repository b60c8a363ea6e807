/** @jsxImportSource preact */
import { useEffect, useState } from 'preact/hooks'
import { api } from '../../api'
import { fill, message, pick } from '../../i18n'
import { match, useLocation } from '../../router'
import { formatCount, formatDateTime, formatMoney } from '../../format'
import type { Customer } from './index'
import { strings } from './strings'

type Attributed = {
  id: string
  eventName: string
  metadata: Record<string, unknown> | null
  createdAt: string
  clickId: string
  linkId: string
  shortId: string
}
type Lead = Attributed
type Sale = Attributed & { amount: number; currency: string }

const TAKE = 100

/** One customer: details, then each lead and sale with the click and the link it was attributed to. */
export default function CustomerPage() {
  const t = pick(strings)
  const id = match('/app/customers/:id', useLocation().path)?.id ?? ''
  const [data, setData] = useState<{ customer: Customer | null; leads: Lead[]; sales: Sale[] } | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let live = true
    setData(null)
    setError(null)
    const of = `customerId=${encodeURIComponent(id)}&take=${TAKE}`
    Promise.all([api<Customer[]>(`/api/customers?id=${encodeURIComponent(id)}`), api<Lead[]>(`/api/leads?${of}`), api<Sale[]>(`/api/sales?${of}`)])
      .then(([customers, leads, sales]) => live && setData({ customer: customers[0] ?? null, leads, sales }))
      .catch((e) => live && setError(e?.en ? message(e) : String(e)))
    return () => {
      live = false
    }
  }, [id])

  if (error)
    return (
      <div class="customer">
        <p>
          <a href="/app/customers">{t.back}</a>
        </p>
        <p class="error" role="alert">
          {error}
        </p>
      </div>
    )
  if (!data) return <p aria-live="polite">{t.loading}</p>
  const c = data.customer
  if (!c)
    return (
      <div class="customer">
        <p>
          <a href="/app/customers">{t.back}</a>
        </p>
        <h1>{t.title}</h1>
        <p class="error" role="alert">
          {t.notFound}
        </p>
      </div>
    )
  const totals: Record<string, number> = {}
  for (const s of data.sales) totals[s.currency] = (totals[s.currency] ?? 0) + s.amount
  return (
    <div class="customer">
      <p>
        <a href="/app/customers">{t.back}</a>
      </p>
      <h1>
        <bdi>{c.name || t.unnamed}</bdi>
      </h1>
      <section class="card" aria-labelledby="customer-details">
        <h2 id="customer-details">{t.details}</h2>
        <dl class="details">
          <dt>{t.externalId}</dt>
          <dd>
            <bdi>{c.externalId}</bdi>
          </dd>
          {c.email && (
            <>
              <dt>{t.email}</dt>
              <dd>
                <bdi>{c.email}</bdi>
              </dd>
            </>
          )}
          {c.phone && (
            <>
              <dt>{t.phone}</dt>
              <dd>
                <bdi>{c.phone}</bdi>
              </dd>
            </>
          )}
          <dt>{t.created}</dt>
          <dd>{formatDateTime(Date.parse(c.createdAt), 'full')}</dd>
          <dt>{t.updated}</dt>
          <dd>{formatDateTime(Date.parse(c.updatedAt), 'full')}</dd>
          {Object.keys(totals).length > 0 && (
            <>
              <dt>{t.totalSpent}</dt>
              <dd>
                <ul class="money-list">
                  {Object.keys(totals)
                    .sort()
                    .map((cur) => (
                      <li key={cur}>{formatMoney(totals[cur]!, cur)}</li>
                    ))}
                </ul>
              </dd>
            </>
          )}
        </dl>
      </section>
      <Events title={t.leads} headingId="customer-leads" items={data.leads} empty={t.noLeads} />
      <Events title={t.sales} headingId="customer-sales" items={data.sales} empty={t.noSales} money />
    </div>
  )
}

function Events(p: { title: string; headingId: string; items: (Lead | Sale)[]; empty: string; money?: boolean }) {
  const t = pick(strings)
  return (
    <section class="card" aria-labelledby={p.headingId}>
      <h2 id={p.headingId}>
        {p.title} <span class="muted">({formatCount(p.items.length)})</span>
      </h2>
      {p.items.length === 0 ? (
        <p class="muted">{p.empty}</p>
      ) : (
        <div class="table-scroll" tabIndex={0} role="region" aria-labelledby={p.headingId}>
          <table class={p.money ? 'sales' : 'leads'}>
            <thead>
              <tr>
                <th scope="col">{t.when}</th>
                <th scope="col">{t.event}</th>
                {p.money && <th scope="col" class="num">{t.amount}</th>}
                <th scope="col">{t.link}</th>
                <th scope="col">{t.click}</th>
                <th scope="col">{t.metadata}</th>
              </tr>
            </thead>
            <tbody>
              {p.items.map((e) => (
                <tr key={e.id} data-click-id={e.clickId}>
                  <td>{formatDateTime(Date.parse(e.createdAt), 'full')}</td>
                  <td>
                    <bdi>{e.eventName}</bdi>
                  </td>
                  {p.money && <td class="num">{formatMoney((e as Sale).amount, (e as Sale).currency)}</td>}
                  <td>
                    <a href={`/app/analytics?linkId=${encodeURIComponent(e.linkId)}`} aria-label={fill(t.linkAnalytics, { link: e.shortId })}>
                      <bdi>{e.shortId}</bdi>
                    </a>
                  </td>
                  <td>
                    <code class="id">{e.clickId}</code>
                  </td>
                  <td>{e.metadata ? <code class="metadata">{JSON.stringify(e.metadata)}</code> : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {p.items.length === TAKE && <p class="muted">{fill(t.more, { n: formatCount(TAKE) })}</p>}
    </section>
  )
}
