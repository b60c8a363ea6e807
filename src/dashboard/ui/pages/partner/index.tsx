import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, ApiError, withoutPath } from '../../api'
import { ErrorBox, errorText } from '../../components/errors'
import { Field, SelectField, TextField } from '../../components/field'
import { toast } from '../../components/toast'
import { formatCount, formatMoney } from '../../format'
import { fill, message, pick } from '../../i18n'
import { match, navigate, useLocation } from '../../router'
import { can } from '../../session'
import { query, type Totals } from '../analytics/data'
import { resolveRange } from '../analytics/range'
import { RangeFields, rangeQuery } from '../analytics/range-fields'
import { STATUSES, type Status } from '../commissions'
import { strings } from './strings'

/** A reward as the API answers it (src/partners/model.ts). */
type Reward = { event: 'lead' | 'sale'; type: 'flat' | 'percentage'; amount: number; currency?: string; holdDays: number }
type Partner = { id: string; name: string; email: string | null; rewards: Reward[] | null }
type StatusRow = { status: Status; currency: string; count: number; amount: number }
/** A reward being edited: the form's text, turned into the API's types only when saved. */
type Draft = { event: string; type: string; amount: string; currency: string; holdDays: string }

/** One partner: its rewards (editable with partnersWrite), and what its links did and earned over a range. */
export default function PartnerPage() {
  const t = pick(strings)
  const { path, search } = useLocation()
  const id = match('/app/partners/:id', path)?.id ?? ''
  const [partner, setPartner] = useState<Partner | null | undefined>(undefined)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    let live = true
    setPartner(undefined)
    setError(null)
    api<Partner[]>(`/api/partners?id=${encodeURIComponent(id)}`)
      .then((ps) => live && setPartner(ps[0] ?? null))
      .catch((e) => live && setError(e))
    return () => void (live = false)
  }, [id])

  if (error || partner === null)
    return (
      <div class="partner">
        <h1>{t.notFound}</h1>
        <ErrorBox error={error} />
        <p>
          <a href="/app/partners">{t.back}</a>
        </p>
      </div>
    )
  if (partner === undefined) return <p aria-live="polite">{t.loading}</p>
  return (
    <div class="partner">
      <p>
        <a href="/app/partners">{t.back}</a>
      </p>
      <h1>
        <bdi>{partner.name}</bdi>
      </h1>
      <p class="actions">
        <a href={`/app/links?partnerId=${encodeURIComponent(partner.id)}`}>{t.links}</a>
        {can('commissionsRead') && <a href={`/app/commissions?partnerId=${encodeURIComponent(partner.id)}`}>{t.commissionsLink}</a>}
      </p>
      {can('analyticsRead') && <Performance partnerId={partner.id} search={search} />}
      <Rewards partner={partner} onSaved={setPartner} />
    </div>
  )
}

function Performance(p: { partnerId: string; search: string }) {
  const t = pick(strings)
  const range = useMemo(() => {
    const q = new URLSearchParams(p.search)
    return resolveRange(q.get('range'), q.get('start'), q.get('end'))
  }, [p.search])
  const [data, setData] = useState<{ totals: Totals; commissions: StatusRow[] | null } | null>(null)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    let live = true
    setData(null)
    setError(null)
    const of = (extra: Record<string, string> = {}) => query(range, { partnerId: p.partnerId }, extra)
    Promise.all([
      api<Totals>(`/api/analytics/summary?${of()}`),
      can('commissionsRead') ? api<StatusRow[]>(`/api/commissions/summary?${of({ groupBy: 'status' })}`) : null,
    ])
      .then(([totals, commissions]) => live && setData({ totals, commissions }))
      .catch((e) => live && setError(e))
    return () => void (live = false)
  }, [p.partnerId, range.startDate, range.endDate])

  function submit(e: Event) {
    e.preventDefault()
    const q = rangeQuery(new FormData(e.currentTarget as HTMLFormElement))
    navigate(`/app/partners/${encodeURIComponent(p.partnerId)}?${q}`)
  }

  return (
    <section aria-labelledby="partner-performance">
      <h2 id="partner-performance">{t.performance}</h2>
      <form class="filters card" onSubmit={submit} aria-label={t.range}>
        <RangeFields idPrefix="pa" range={range} />
        <div class="actions">
          <button type="submit" class="primary">
            {t.apply}
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      {!data && !error && <p aria-live="polite">{t.loading}</p>}
      {data && <Figures totals={data.totals} commissions={data.commissions} />}
    </section>
  )
}

function Figures(p: { totals: Totals; commissions: StatusRow[] | null }) {
  const t = pick(strings)
  const revenue = Object.keys(p.totals.saleAmountByCurrency ?? {}).sort()
  const rows = (p.commissions ?? []).slice().sort((a, b) => STATUSES.indexOf(a.status) - STATUSES.indexOf(b.status) || a.currency.localeCompare(b.currency))
  return (
    <>
      <div class="stats" aria-label={t.performance} role="group">
        <div class="stat">
          <span class="stat-label">{t.clicks}</span>
          <span class="stat-value">{formatCount(p.totals.clicks)}</span>
        </div>
        <div class="stat">
          <span class="stat-label">{t.leads}</span>
          <span class="stat-value">{formatCount(p.totals.leads)}</span>
        </div>
        <div class="stat">
          <span class="stat-label">{t.sales}</span>
          <span class="stat-value">{formatCount(p.totals.sales)}</span>
        </div>
        <div class="stat revenue">
          <span class="stat-label">{t.revenue}</span>
          {revenue.length === 0 ? (
            <span class="stat-value muted">{t.noRevenue}</span>
          ) : (
            <ul class="stat-value money-list">
              {revenue.map((c) => (
                <li key={c}>{formatMoney(p.totals.saleAmountByCurrency[c]!, c)}</li>
              ))}
            </ul>
          )}
        </div>
      </div>
      {p.commissions && (
        <>
          <h3>{t.commissions}</h3>
          {rows.length === 0 ? (
            <p class="muted">{t.noCommissions}</p>
          ) : (
            <div class="table-scroll card commission-stats" tabIndex={0} role="region" aria-label={t.commissions}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t.status}</th>
                    <th scope="col" class="num">
                      {t.count}
                    </th>
                    <th scope="col" class="num">
                      {t.amount}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={`${r.status}-${r.currency}`} data-status={r.status}>
                      <th scope="row">{t[r.status]}</th>
                      <td class="num">{formatCount(r.count)}</td>
                      <td class="num">{formatMoney(r.amount, r.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </>
  )
}

const draftOf = (r: Reward): Draft => ({
  event: r.event,
  type: r.type,
  amount: String(r.amount),
  currency: r.type === 'flat' ? (r.currency ?? '') : '',
  holdDays: String(r.holdDays),
})

/** The form's text as the API's fields: empty optional fields are left out (the API's defaults apply). */
function rewardOf(d: Draft): Record<string, unknown> {
  const out: Record<string, unknown> = { event: d.event, type: d.type, amount: d.amount.trim() === '' ? null : Number(d.amount) }
  if (d.type === 'flat' && d.currency.trim() !== '') out.currency = d.currency.trim()
  if (d.holdDays.trim() !== '') out.holdDays = Number(d.holdDays)
  return out
}

/** `partners[0].rewards[1].amount: must be …` → the second reward's amount. */
const REWARD_PATH = /rewards\[(\d+)\]\.(\w+): /

function Rewards(p: { partner: Partner; onSaved: (p: Partner) => void }) {
  const t = pick(strings)
  const writable = can('partnersWrite')
  const [drafts, setDrafts] = useState<Draft[]>(() => (p.partner.rewards ?? []).map(draftOf))
  const [fieldError, setFieldError] = useState<{ i: number; field: string; text: string } | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)

  const set = (i: number, k: keyof Draft) => (v: string) => setDrafts((ds) => ds.map((d, j) => (j === i ? { ...d, [k]: v } : d)))
  const errorOf = (i: number, field: string) => (fieldError && fieldError.i === i && fieldError.field === field ? fieldError.text : undefined)

  function add() {
    const event = drafts.some((d) => d.event === 'sale') ? 'lead' : 'sale'
    setDrafts([...drafts, { event, type: event === 'sale' ? 'percentage' : 'flat', amount: '', currency: '', holdDays: '' }])
  }

  async function save(e: Event) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    setFieldError(null)
    try {
      const body = [{ id: p.partner.id, rewards: drafts.length === 0 ? null : drafts.map(rewardOf) }]
      const [saved] = await api<Partner[]>('/api/partners', { method: 'PUT', body })
      setDrafts((saved.rewards ?? []).map(draftOf))
      p.onSaved(saved)
      toast(t.saved)
    } catch (err) {
      const m = err instanceof ApiError ? REWARD_PATH.exec(message(err)) : null
      if (m && ['event', 'type', 'amount', 'currency', 'holdDays'].includes(m[2]!)) setFieldError({ i: Number(m[1]), field: m[2]!, text: withoutPath(errorText(err)) })
      else setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="rewards" aria-labelledby="partner-rewards">
      <h2 id="partner-rewards">{t.rewards}</h2>
      <p class="muted">{t.rewardsIntro}</p>
      <form onSubmit={save} noValidate aria-labelledby="partner-rewards">
        {drafts.length === 0 && <p class="no-rewards">{t.noRewards}</p>}
        {drafts.map((d, i) => (
          <fieldset key={i} class="reward" disabled={!writable}>
            <legend>{fill(t.reward, { n: i + 1 })}</legend>
            <div class="row">
              <SelectField
                label={t.event}
                name="event"
                value={d.event}
                onValue={set(i, 'event')}
                error={errorOf(i, 'event')}
                options={[
                  { value: 'sale', label: t.sale },
                  { value: 'lead', label: t.lead },
                ]}
              />
              <SelectField
                label={t.type}
                name="type"
                value={d.type}
                onValue={set(i, 'type')}
                error={errorOf(i, 'type')}
                options={[
                  { value: 'percentage', label: t.percentage },
                  { value: 'flat', label: t.flat },
                ]}
              />
              <Field label={d.type === 'flat' ? t.amountFlat : t.amountPercent} error={errorOf(i, 'amount')} hint={hintOf(d)}>
                {(a) => <input {...a} type="number" name="amount" inputMode="decimal" step="any" min="0" value={d.amount} onInput={(e) => set(i, 'amount')(e.currentTarget.value)} />}
              </Field>
              {d.type === 'flat' && (
                <TextField label={t.currency} name="currency" value={d.currency} onValue={set(i, 'currency')} error={errorOf(i, 'currency')} hint={t.currencyHint} maxLength={3} autoComplete="off" dir="ltr" />
              )}
              <Field label={t.holdDays} error={errorOf(i, 'holdDays')} hint={t.holdHint}>
                {(a) => <input {...a} type="number" name="holdDays" inputMode="numeric" step="1" min="0" max="365" value={d.holdDays} onInput={(e) => set(i, 'holdDays')(e.currentTarget.value)} />}
              </Field>
            </div>
            {writable && (
              <button type="button" class="small" onClick={() => (setFieldError(null), setDrafts(drafts.filter((_, j) => j !== i)))}>
                {fill(t.remove, { n: i + 1 })}
              </button>
            )}
          </fieldset>
        ))}
        <ErrorBox error={error} />
        {writable && (
          <div class="actions">
            {drafts.length < 2 && (
              <button type="button" onClick={add}>
                {t.add}
              </button>
            )}
            <button type="submit" class="primary" disabled={busy}>
              {t.save}
            </button>
          </div>
        )}
      </form>
    </section>
  )
}

/** A flat amount read back as money (500 usd → $5.00), so that a slip of two digits shows before saving. */
function hintOf(d: Draft): string | undefined {
  if (d.type !== 'flat' || !/^\d+$/.test(d.amount.trim())) return undefined
  return `= ${formatMoney(Number(d.amount), /^[A-Za-z]{3}$/.test(d.currency.trim()) ? d.currency.trim() : 'usd')}`
}
