import type { ComponentChildren } from 'preact'
import { fill, pick } from '../i18n'
import { formatCount } from '../format'
import { strings } from './strings'

/**
 * Wide tables scroll inside their own box, never the page (375 px phones). The box is focusable
 * so that keyboard users can scroll it too.
 */
export function TableBox(p: { label: string; children: ComponentChildren }) {
  const t = pick(strings)
  return (
    <div class="table-box" tabIndex={0} role="region" aria-label={fill(t.scrollable, { name: p.label })}>
      <table>
        <caption class="sr-only">{p.label}</caption>
        {p.children}
      </table>
    </div>
  )
}

/** Previous/next over a list with X-Total-Count (total null: "next" while pages come back full). */
export function Pager(p: { skip: number; take: number; count: number; total: number | null; onSkip: (skip: number) => void }) {
  const t = pick(strings)
  if (p.count === 0 && p.skip === 0) return null
  const from = p.count === 0 ? 0 : p.skip + 1
  const to = p.skip + p.count
  const more = p.total === null ? p.count === p.take : to < p.total
  return (
    <nav class="pager" aria-label={t.pages}>
      <span>
        {p.total === null
          ? fill(t.rangeOpen, { from: formatCount(from), to: formatCount(to) })
          : fill(t.range, { from: formatCount(from), to: formatCount(to), total: formatCount(p.total) })}
      </span>
      <button type="button" disabled={p.skip === 0} onClick={() => p.onSkip(Math.max(0, p.skip - p.take))}>
        {t.previous}
      </button>
      <button type="button" disabled={!more} onClick={() => p.onSkip(p.skip + p.take)}>
        {t.next}
      </button>
    </nav>
  )
}
