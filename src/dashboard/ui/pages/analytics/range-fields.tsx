import { useState } from 'preact/hooks'
import { pick } from '../../i18n'
import { defaultCustom, RANGES, type Range } from './range'

const strings = {
  en: {
    range: 'Date range',
    '24h': 'Last 24 hours',
    '7d': 'Last 7 days',
    '30d': 'Last 30 days',
    '90d': 'Last 90 days',
    custom: 'Custom',
    start: 'From',
    end: 'To',
  },
  ar: {
    range: 'الفترة',
    '24h': 'آخر 24 ساعة',
    '7d': 'آخر 7 أيام',
    '30d': 'آخر 30 يومًا',
    '90d': 'آخر 90 يومًا',
    custom: 'فترة مخصصة',
    start: 'من',
    end: 'إلى',
  },
}

/**
 * The date range fields of a filter form (analytics, partner performance, a partner's page): a
 * `range` select, and `start`/`end` dates when it is custom. `idPrefix` keeps the ids of each page.
 */
export function RangeFields(p: { idPrefix: string; range: Range }) {
  const t = pick(strings)
  const [key, setKey] = useState<string>(p.range.key)
  const custom = p.range.key === 'custom' ? { start: p.range.startDate, end: p.range.endDate! } : defaultCustom()
  return (
    <>
      <div class="field">
        <label for={`${p.idPrefix}-range`}>{t.range}</label>
        <select id={`${p.idPrefix}-range`} name="range" value={key} onChange={(e) => setKey((e.currentTarget as HTMLSelectElement).value)}>
          {RANGES.map((r) => (
            <option key={r} value={r}>
              {t[r]}
            </option>
          ))}
        </select>
      </div>
      {key === 'custom' && (
        <>
          <div class="field">
            <label for={`${p.idPrefix}-start`}>{t.start}</label>
            <input id={`${p.idPrefix}-start`} type="date" name="start" required defaultValue={custom.start} />
          </div>
          <div class="field">
            <label for={`${p.idPrefix}-end`}>{t.end}</label>
            <input id={`${p.idPrefix}-end`} type="date" name="end" required defaultValue={custom.end} />
          </div>
        </>
      )}
    </>
  )
}

/** The URL query of RangeFields' values in a submitted form: `range`, and `start`/`end` when custom. */
export function rangeQuery(form: FormData): URLSearchParams {
  const q = new URLSearchParams({ range: String(form.get('range')) })
  if (form.get('range') === 'custom') {
    q.set('start', String(form.get('start')))
    q.set('end', String(form.get('end')))
  }
  return q
}
