/** @jsxImportSource preact */
import { useEffect, useMemo, useState } from 'preact/hooks'
import { api, apiAll } from '../../api'
import { fill, locale, message, pick } from '../../i18n'
import { navigate, useLocation } from '../../router'
import { Funnel, TopList, type Bar } from '../../charts/bars'
import { TimeSeries, type Line } from '../../charts/timeseries'
import { FILTERS, type Filters, loadClicks, loadReport, RECENT_PAGE, type Click, type Report, type SummaryRow, type TopGroup } from './data'
import { resolveRange, type Range } from './range'
import { RangeFields } from './range-fields'
import { strings } from './strings'
import { countryName, formatCount, formatDateTime, formatMoney, formatPercent, moneyUnits } from '../../format'

type Named = { id: string; name: string }
type LinkRef = { id: string; shortId: string; url: string; title: string | null; shortUrl?: string }

const DEVICES = ['desktop', 'mobile', 'tablet', 'console', 'smarttv', 'wearable', 'embedded']

/** The page's state lives in its URL: a range and filters can be bookmarked and shared. */
function readUrl(search: string) {
  const q = new URLSearchParams(search)
  const filters: Filters = {}
  for (const k of FILTERS) {
    const v = q.get(k)
    if (v) filters[k] = k === 'country' ? v.toUpperCase() : v
  }
  return { range: resolveRange(q.get('range'), q.get('start'), q.get('end')), filters, skip: Math.max(0, Number(q.get('skip')) || 0) }
}

function writeUrl(range: Pick<Range, 'key'> & { start?: string; end?: string }, filters: Filters, skip = 0) {
  const q = new URLSearchParams()
  q.set('range', range.key)
  if (range.key === 'custom' && range.start && range.end) {
    q.set('start', range.start)
    q.set('end', range.end)
  }
  for (const k of FILTERS) if (filters[k]) q.set(k, filters[k]!)
  if (skip) q.set('skip', String(skip))
  navigate(`/app/analytics?${q}`)
}

export default function AnalyticsPage() {
  const t = pick(strings)
  const { search } = useLocation()
  const { range, filters, skip } = useMemo(() => readUrl(search), [search])
  const [report, setReport] = useState<Report | null>(null)
  const [clicks, setClicks] = useState<Click[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [lists, setLists] = useState<{ collections: Named[]; tags: Named[]; partners: Named[] }>({ collections: [], tags: [], partners: [] })
  const [link, setLink] = useState<LinkRef | null>(null)

  useEffect(() => {
    Promise.all([apiAll<Named>('/api/collections'), apiAll<Named>('/api/tags'), apiAll<Named>('/api/partners')])
      .then(([collections, tags, partners]) => setLists({ collections, tags, partners }))
      .catch(() => {})
  }, [])

  useEffect(() => {
    if (!filters.linkId) return setLink(null)
    api<LinkRef[]>(`/api/links?id=${encodeURIComponent(filters.linkId)}`)
      .then((ls) => setLink(ls[0] ?? null))
      .catch(() => setLink(null))
  }, [filters.linkId])

  const reportKey = JSON.stringify([range.startDate, range.endDate, range.groupBy, filters])
  useEffect(() => {
    let live = true
    setReport(null)
    setError(null)
    loadReport(range, filters)
      .then((r) => live && setReport(r))
      .catch((e) => live && setError(errorText(e)))
    return () => {
      live = false
    }
  }, [reportKey])

  useEffect(() => {
    let live = true
    setClicks(null)
    loadClicks(range, filters, skip)
      .then((c) => live && setClicks(c))
      .catch((e) => live && setError(errorText(e)))
    return () => {
      live = false
    }
  }, [reportKey, skip])

  const apply = (f: Filters, r: Pick<Range, 'key'> & { start?: string; end?: string } = rangeOf(range)) => writeUrl(r, f)
  const title = link ? fill(t.titleForLink, { link: link.shortUrl ?? link.shortId }) : t.title

  return (
    <div class="analytics">
      <h1>{title}</h1>
      <FilterForm range={range} filters={filters} lists={lists} link={link} onApply={apply} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!report && !error && <p aria-live="polite">{t.loading}</p>}
      {report && (
        <>
          <Summary report={report} range={range} />
          <h2>{t.top}</h2>
          <div class="toplists">
            {TOPS.map(([group, label]) => (
              <TopList
                key={group}
                headingId={`top-${group}`}
                title={t[label]}
                empty={t.nothingYet}
                rows={report.tops[group].map((row) => bar(group, row, filters, apply))}
              />
            ))}
          </div>
        </>
      )}
      <RecentClicks clicks={clicks} skip={skip} onPage={(s) => writeUrl(rangeOf(range), filters, s)} />
    </div>
  )
}

const rangeOf = (r: Range) => ({ key: r.key, start: r.key === 'custom' ? r.startDate : undefined, end: r.endDate })

const errorText = (e: unknown) => {
  const err = e as { en?: string; ar?: string }
  return err.en && err.ar ? message({ en: err.en, ar: err.ar }) : String(e)
}

const utcDay = (ms: number, style: 'long' | 'short') =>
  new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', month: 'short', day: 'numeric', ...(style === 'long' ? { year: 'numeric' } : {}) }).format(ms)

/** Axis figures: short (1.2K, ١٫٢ ألف). */
const compact = (n: number) => new Intl.NumberFormat(locale(), { notation: 'compact', maximumFractionDigits: 1 }).format(n)

/** A figure already in whole currency units (the chart's scale), with its currency. */
const units = (n: number, currency: string) => {
  try {
    return new Intl.NumberFormat(locale(), { style: 'currency', currency: currency.toUpperCase() }).format(n)
  } catch {
    return `${formatCount(n)} ${currency.toUpperCase()}`
  }
}

const TOPS: [TopGroup, 'countries' | 'cities' | 'referrers' | 'browsers' | 'os' | 'devices' | 'utmSource' | 'utmMedium' | 'utmCampaign' | 'qrVsLink'][] = [
  ['country', 'countries'],
  ['city', 'cities'],
  ['referrer', 'referrers'],
  ['browser', 'browsers'],
  ['os', 'os'],
  ['device', 'devices'],
  ['utm_source', 'utmSource'],
  ['utm_medium', 'utmMedium'],
  ['utm_campaign', 'utmCampaign'],
  ['qr', 'qrVsLink'],
]

/** A top-list row: the group key in words; countries and devices can narrow the page to themselves. */
function bar(group: TopGroup, row: SummaryRow, filters: Filters, apply: (f: Filters) => void): Bar {
  const t = pick(strings)
  const label = keyLabel(group, row.key)
  const filterKey = group === 'country' ? 'country' : group === 'device' ? 'device' : null
  const canFilter = filterKey && typeof row.key === 'string' && filters[filterKey] !== row.key
  return {
    id: JSON.stringify(row.key),
    label,
    value: row.clicks,
    valueText: formatCount(row.clicks),
    onSelect: canFilter ? () => apply({ ...filters, [filterKey]: row.key as string }) : undefined,
    selectLabel: canFilter ? fill(t.filterBy, { value: label }) : undefined,
  }
}

function keyLabel(group: TopGroup, key: SummaryRow['key']): string {
  const t = pick(strings)
  if (group === 'qr') return key === true ? t.viaQr : t.viaLink
  if (key === null || key === false) return group === 'referrer' || group.startsWith('utm_') ? t.none : t.unknown
  if (group === 'country') return countryName(key as string)
  if (group === 'device') return t.deviceNames[key as string] ?? (key as string)
  return String(key)
}

function Summary({ report, range }: { report: Report; range: Range }) {
  const t = pick(strings)
  const { totals, series } = report
  const currencies = Object.keys(totals.saleAmountByCurrency).sort()
  const lines: Line[] = useMemo(
    () => [
      { label: t.clicks, values: series.clicks, scale: 'count', format: formatCount },
      { label: t.leads, values: series.leads, scale: 'count', format: formatCount },
      { label: t.sales, values: series.sales, scale: 'count', format: formatCount },
      ...Object.keys(series.revenue)
        .sort()
        .map((cur): Line => ({
          label: fill(t.revenueIn, { currency: cur.toUpperCase() }),
          values: series.revenue[cur]!.map((a) => moneyUnits(a, cur)),
          scale: 'money',
          format: (n) => units(n, cur),
        })),
    ],
    [series],
  )
  const hourly = range.groupBy === 'hour'
  // Hours in the user's time zone; days are UTC days (the API's buckets), so they are named in UTC.
  const formatX = (ms: number) => (hourly ? formatDateTime(ms, 'hour') : utcDay(ms, 'long'))
  const formatTick = (ms: number) => (hourly ? formatDateTime(ms, 'tick-hour') : utcDay(ms, 'short'))
  return (
    <>
      <section class="stats" aria-label={t.totals}>
        <div class="stat">
          <span class="stat-label">{t.clicks}</span>
          <span class="stat-value">{formatCount(totals.clicks)}</span>
        </div>
        <div class="stat">
          <span class="stat-label">{t.leads}</span>
          <span class="stat-value">{formatCount(totals.leads)}</span>
        </div>
        <div class="stat">
          <span class="stat-label">{t.sales}</span>
          <span class="stat-value">{formatCount(totals.sales)}</span>
        </div>
        <div class="stat">
          <span class="stat-label">{t.revenue}</span>
          {currencies.length === 0 ? (
            <span class="stat-value muted">{t.noRevenue}</span>
          ) : (
            <ul class="stat-value money-list">
              {currencies.map((c) => (
                <li key={c}>{formatMoney(totals.saleAmountByCurrency[c]!, c)}</li>
              ))}
            </ul>
          )}
        </div>
      </section>
      <div class="analytics-main">
        <TimeSeries
          x={series.x}
          lines={lines}
          caption={hourly ? t.chartCaption : t.chartCaptionUtc}
          timeHeader={hourly ? t.time : t.day}
          tableToggle={t.chartTable}
          formatX={formatX}
          formatTick={formatTick}
          step={hourly ? 3_600_000 : 86_400_000}
          formatCount={compact}
        />
        <Funnel
          title={t.funnel}
          steps={[
            { label: t.clicks, value: totals.clicks, valueText: formatCount(totals.clicks) },
            { label: t.leads, value: totals.leads, valueText: formatCount(totals.leads), rateText: rate(totals.leads, totals.clicks) },
            { label: t.sales, value: totals.sales, valueText: formatCount(totals.sales), rateText: rate(totals.sales, totals.leads) },
          ]}
        />
      </div>
    </>
  )
}

const rate = (n: number, of: number) => (of > 0 ? fill(pick(strings).rateOfPrevious, { rate: formatPercent(n / of) }) : undefined)

function FilterForm(p: {
  range: Range
  filters: Filters
  lists: { collections: Named[]; tags: Named[]; partners: Named[] }
  link: LinkRef | null
  onApply: (f: Filters, r: Pick<Range, 'key'> & { start?: string; end?: string }) => void
}) {
  const t = pick(strings)
  const [linkQuery, setLinkQuery] = useState('')
  const [matches, setMatches] = useState<LinkRef[]>([])
  const [linkError, setLinkError] = useState<string | null>(null)
  const [countryError, setCountryError] = useState<string | null>(null)

  useEffect(() => setLinkQuery(p.link?.shortId ?? ''), [p.link?.id])

  // Suggestions while typing: one small search, never the whole link table.
  useEffect(() => {
    const q = linkQuery.trim()
    if (!q || q === p.link?.shortId) return setMatches([])
    const timer = setTimeout(() => {
      api<LinkRef[]>(`/api/links?search=${encodeURIComponent(q)}&take=10`)
        .then(setMatches)
        .catch(() => setMatches([]))
    }, 250)
    return () => clearTimeout(timer)
  }, [linkQuery])

  async function submit(e: Event) {
    e.preventDefault()
    const form = new FormData(e.currentTarget as HTMLFormElement)
    const value = (k: string) => String(form.get(k) ?? '').trim()
    const f: Filters = {}
    for (const k of ['collectionId', 'tagId', 'partnerId', 'device'] as const) if (value(k)) f[k] = value(k)
    const country = value('country').toUpperCase()
    setCountryError(null)
    setLinkError(null)
    if (country) {
      if (!/^[A-Z]{2}$/.test(country)) return setCountryError(t.countryInvalid)
      f.country = country
    }
    const q = value('link')
    if (q) {
      let found = q === p.link?.shortId ? p.link : matches.find((l) => l.shortId === q)
      if (!found) {
        const res = await api<LinkRef[]>(`/api/links?search=${encodeURIComponent(q)}&take=10`).catch(() => [])
        found = res.find((l) => l.shortId === q) ?? res[0]
      }
      if (!found) return setLinkError(fill(t.linkNotFound, { q }))
      f.linkId = found.id
    }
    const key = value('range')
    p.onApply(f, key === 'custom' ? { key: 'custom', start: value('start'), end: value('end') } : { key: key as Range['key'] })
  }

  const select = (name: 'collectionId' | 'tagId' | 'partnerId', label: string, items: Named[]) => (
    <div class="field">
      <label for={`f-${name}`}>{label}</label>
      <select id={`f-${name}`} name={name} value={p.filters[name] ?? ''}>
        <option value="">{t.any}</option>
        {items.map((i) => (
          <option key={i.id} value={i.id}>
            {i.name}
          </option>
        ))}
      </select>
    </div>
  )

  return (
    <form class="filters card" role="search" aria-label={t.filters} onSubmit={submit} key={JSON.stringify([p.range.key, p.filters])}>
      <RangeFields idPrefix="f" range={p.range} />
      <div class="field">
        <label for="f-link">{t.link}</label>
        <input
          id="f-link"
          type="search"
          name="link"
          list="f-link-options"
          autocomplete="off"
          placeholder={t.linkHint}
          value={linkQuery}
          onInput={(e) => setLinkQuery((e.currentTarget as HTMLInputElement).value)}
          aria-invalid={linkError ? 'true' : undefined}
          aria-describedby={linkError ? 'f-link-error' : undefined}
        />
        <datalist id="f-link-options">
          {matches.map((l) => (
            <option key={l.id} value={l.shortId}>
              {l.title ?? l.url}
            </option>
          ))}
        </datalist>
        {linkError && (
          <p class="field-error" id="f-link-error">
            {linkError}
          </p>
        )}
      </div>
      {select('collectionId', t.collection, p.lists.collections)}
      {select('tagId', t.tag, p.lists.tags)}
      {select('partnerId', t.partner, p.lists.partners)}
      <div class="field">
        <label for="f-country">{t.country}</label>
        <input
          id="f-country"
          name="country"
          maxLength={2}
          autocomplete="off"
          placeholder={t.countryHint}
          defaultValue={p.filters.country ?? ''}
          aria-invalid={countryError ? 'true' : undefined}
          aria-describedby={countryError ? 'f-country-error' : undefined}
        />
        {countryError && (
          <p class="field-error" id="f-country-error">
            {countryError}
          </p>
        )}
      </div>
      <div class="field">
        <label for="f-device">{t.device}</label>
        <select id="f-device" name="device" value={p.filters.device ?? ''}>
          <option value="">{t.any}</option>
          {DEVICES.map((d) => (
            <option key={d} value={d}>
              {t.deviceNames[d]}
            </option>
          ))}
        </select>
      </div>
      <div class="actions">
        <button type="submit" class="primary">
          {t.apply}
        </button>
        <button type="button" onClick={() => p.onApply({}, rangeOf(p.range))}>
          {t.reset}
        </button>
      </div>
    </form>
  )
}

function RecentClicks({ clicks, skip, onPage }: { clicks: Click[] | null; skip: number; onPage: (skip: number) => void }) {
  const t = pick(strings)
  return (
    <section class="card recent" aria-labelledby="recent-title">
      <h2 id="recent-title">{t.recent}</h2>
      {!clicks ? (
        <p>{t.loading}</p>
      ) : clicks.length === 0 && skip === 0 ? (
        <p class="muted">{t.recentEmpty}</p>
      ) : (
        <>
          <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="recent-title">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.when}</th>
                  <th scope="col">{t.shortLink}</th>
                  <th scope="col">{t.location}</th>
                  <th scope="col">{t.device}</th>
                  <th scope="col">{t.browser}</th>
                  <th scope="col">{t.system}</th>
                  <th scope="col">{t.referrer}</th>
                  <th scope="col">{t.qr}</th>
                </tr>
              </thead>
              <tbody>
                {clicks.map((c) => (
                  <tr key={c.id}>
                    <td>{formatDateTime(Date.parse(c.createdAt), 'full')}</td>
                    <td>
                      <a href={`/app/analytics?linkId=${encodeURIComponent(c.linkId)}`}>
                        <bdi>{c.shortId}</bdi>
                      </a>
                    </td>
                    <td>
                      <bdi>{[c.city, c.countryCode ? countryName(c.countryCode) : null].filter(Boolean).join(', ') || t.unknown}</bdi>
                    </td>
                    <td>{c.deviceType ? (t.deviceNames[c.deviceType] ?? c.deviceType) : t.unknown}</td>
                    <td>
                      <bdi>{c.browserName ?? t.unknown}</bdi>
                    </td>
                    <td>
                      <bdi>{c.osName ?? t.unknown}</bdi>
                    </td>
                    <td class="referrer">
                      <bdi>{c.referrer ?? t.direct}</bdi>
                    </td>
                    <td>{c.qr ? t.yes : t.no}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav class="pager" aria-label={t.recent}>
            <button type="button" disabled={skip === 0} onClick={() => onPage(Math.max(0, skip - RECENT_PAGE))}>
              {t.newer}
            </button>
            <span>{fill(t.pageOf, { from: formatCount(skip + 1), to: formatCount(skip + clicks.length) })}</span>
            <button type="button" disabled={clicks.length < RECENT_PAGE} onClick={() => onPage(skip + RECENT_PAGE)}>
              {t.older}
            </button>
          </nav>
        </>
      )}
    </section>
  )
}
