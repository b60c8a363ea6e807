/** @jsxImportSource preact */
import './charts.css'

export type Bar = {
  /** Stable key (the API's group key as JSON). */
  id: string
  label: string
  value: number
  valueText: string
  /** When set, the label is a button that applies this row as a filter. */
  onSelect?: () => void
  selectLabel?: string
}

/**
 * A top-N list drawn with plain elements: each row's label and figure are text; the bar is
 * decoration (its width is the row's share of the largest value), hidden from assistive technology.
 */
export function TopList(p: { title: string; rows: Bar[]; empty: string; headingId: string }) {
  const max = Math.max(1, ...p.rows.map((r) => r.value))
  return (
    <section class="card toplist" aria-labelledby={p.headingId}>
      <h3 id={p.headingId}>{p.title}</h3>
      {p.rows.length === 0 ? (
        <p class="muted">{p.empty}</p>
      ) : (
        <ol>
          {p.rows.map((r) => (
            <li key={r.id}>
              <span class="bar" aria-hidden="true" style={{ width: `${(r.value / max) * 100}%` }} />
              {r.onSelect ? (
                <button type="button" class="linklike toplist-label" onClick={r.onSelect} aria-label={r.selectLabel}>
                  <bdi>{r.label}</bdi>
                </button>
              ) : (
                <span class="toplist-label">
                  <bdi>{r.label}</bdi>
                </span>
              )}
              <span class="toplist-value">{r.valueText}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}

/**
 * Clicks → leads → sales, each step with its share of the one before. The figures are text;
 * the bars (share of clicks) are decoration.
 */
export function Funnel(p: { steps: { label: string; value: number; valueText: string; rateText?: string }[]; title: string }) {
  const top = Math.max(1, p.steps[0]?.value ?? 0)
  return (
    <section class="card funnel" aria-labelledby="funnel-title">
      <h3 id="funnel-title">{p.title}</h3>
      <ol>
        {p.steps.map((s, i) => (
          <li key={s.label}>
            <span class="funnel-label">{s.label}</span>
            <span class="funnel-value">{s.valueText}</span>
            {s.rateText && <span class="funnel-rate muted">{s.rateText}</span>}
            <span class={`bar bar-${i}`} aria-hidden="true" style={{ width: `${Math.max(s.value / top, s.value > 0 ? 0.01 : 0) * 100}%` }} />
          </li>
        ))}
      </ol>
    </section>
  )
}
