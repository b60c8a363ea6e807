import { useEffect, useState } from 'preact/hooks'

type Toast = { id: number; text: string }
let next = 1
const listeners = new Set<(t: Toast) => void>()

/** A short confirmation ("Saved"), announced politely by screen readers. */
export function toast(text: string) {
  const t = { id: next++, text }
  for (const l of listeners) l(t)
}

export function Toasts() {
  const [items, setItems] = useState<Toast[]>([])
  useEffect(() => {
    const l = (t: Toast) => {
      setItems((xs) => [...xs.slice(-2), t])
      setTimeout(() => setItems((xs) => xs.filter((x) => x.id !== t.id)), 4000)
    }
    listeners.add(l)
    return () => void listeners.delete(l)
  }, [])
  return (
    <div class="toasts" role="status" aria-live="polite">
      {items.map((t) => (
        <p key={t.id}>{t.text}</p>
      ))}
    </div>
  )
}
