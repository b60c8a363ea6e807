/** @jsxImportSource preact */
import { useEffect, useRef, useState } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import './charts.css'

export type Line = {
  label: string
  values: number[]
  /** `count` lines share the left axis; `money` lines (one per currency) the right one. */
  scale: 'count' | 'money'
  format: (n: number) => string
}

export type TimeSeriesProps = {
  /** Bucket starts in ms, oldest first. */
  x: number[]
  lines: Line[]
  /** The chart's accessible name, also its visible caption. */
  caption: string
  /** Column headers of the table that carries the same figures. */
  timeHeader: string
  tableToggle: string
  formatX: (ms: number) => string
  formatTick: (ms: number) => string
  /** The bucket size in ms: ticks fall on whole buckets (a day is never labelled twice). */
  step: number
  formatCount: (n: number) => string
}

const PALETTE = ['#2563eb', '#16a34a', '#c2410c', '#9333ea', '#0f766e', '#be123c', '#4d7c0f', '#a16207']

const cssVar = (el: Element, name: string, fallback: string) =>
  getComputedStyle(el).getPropertyValue(name).trim() || fallback

/**
 * A uPlot line chart that follows its box's width. The canvas is hidden from assistive technology:
 * the same figures are in the table below it (one row per bucket) and in the legend, which shows the
 * values under the cursor. Time runs left to right in both languages, as in printed Arabic charts.
 */
export function TimeSeries(p: TimeSeriesProps) {
  const box = useRef<HTMLDivElement>(null)
  const [cursor, setCursor] = useState<number | null>(null)

  useEffect(() => {
    const el = box.current
    if (!el) return
    const text = cssVar(el, '--fg', '#1f2937')
    const grid = cssVar(el, '--border', '#e5e7eb')
    const hasMoney = p.lines.some((l) => l.scale === 'money')
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } }
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height: 240,
      ms: 1,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, count: { range: (_u, _min, max) => [0, Math.max(max, 1)] }, money: { range: (_u, _min, max) => [0, Math.max(max, 1)] } },
      series: [
        {},
        ...p.lines.map((l, i) => ({
          label: l.label,
          scale: l.scale,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          dash: l.scale === 'money' ? [6, 4] : undefined,
          points: { show: p.x.length <= 60 },
        })),
      ],
      axes: [
        { ...axis, space: 56, incrs: [1, 2, 3, 6, 12, 24, 48, 168, 336, 720].map((n) => n * p.step), values: (_u, splits) => splits.map((v) => p.formatTick(v)) },
        { ...axis, scale: 'count', values: (_u, splits) => splits.map((v) => p.formatCount(v)), size: 56 },
        ...(hasMoney
          ? [{ ...axis, scale: 'money', side: 1 as const, grid: { show: false }, size: 64, values: (_u: uPlot, splits: number[]) => splits.map((v) => p.formatCount(v)) }]
          : []),
      ],
      hooks: { setCursor: [(u) => setCursor(u.cursor.idx ?? null)] },
    }
    const chart = new uPlot(opts, [p.x, ...p.lines.map((l) => l.values)], el)
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(el.clientWidth, 200), height: 240 }))
    resize.observe(el)
    return () => {
      resize.disconnect()
      chart.destroy()
    }
  }, [p.x, p.lines])

  const at = cursor ?? p.x.length - 1
  return (
    <figure class="chart">
      <figcaption>{p.caption}</figcaption>
      <ul class="chart-legend">
        {at >= 0 && <li class="chart-legend-time">{p.formatX(p.x[at]!)}</li>}
        {p.lines.map((l, i) => (
          <li key={l.label}>
            <span class={`series-key series-key-${i % PALETTE.length}${l.scale === 'money' ? ' dashed' : ''}`} aria-hidden="true" />
            {l.label}: <bdi>{at >= 0 ? l.format(l.values[at] ?? 0) : '—'}</bdi>
          </li>
        ))}
      </ul>
      <div class="chart-canvas" dir="ltr" ref={box} aria-hidden="true" data-series={p.lines.length} />
      <details class="chart-table">
        <summary>{p.tableToggle}</summary>
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{p.timeHeader}</th>
                {p.lines.map((l) => (
                  <th scope="col" key={l.label}>{l.label}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {p.x.map((t, i) => (
                <tr key={t}>
                  <th scope="row">{p.formatX(t)}</th>
                  {p.lines.map((l) => (
                    <td key={l.label}>{l.format(l.values[i] ?? 0)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  )
}
