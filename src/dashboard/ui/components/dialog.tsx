import type { ComponentChildren } from 'preact'
import { useEffect, useId, useRef } from 'preact/hooks'
import { pick } from '../i18n'
import { strings } from './strings'

/**
 * A modal <dialog>: the browser traps focus inside, Escape closes it, and focus returns to the
 * control that opened it.
 */
export function Dialog(p: { title: string; open: boolean; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null)
  const id = useId()
  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (p.open && !d.open) d.showModal()
    if (!p.open && d.open) d.close()
  }, [p.open])
  const t = pick(strings)
  return (
    <dialog ref={ref} aria-labelledby={id} class={p.wide ? 'wide' : undefined} onClose={() => p.open && p.onClose()}>
      <div class="dialog-head">
        <h2 id={id}>{p.title}</h2>
        <button type="button" class="icon" aria-label={t.close} onClick={p.onClose}>
          ×
        </button>
      </div>
      {p.open && p.children}
    </dialog>
  )
}

/** "Are you sure?" with the consequence spelled out; the destructive button is named for its action. */
export function Confirm(p: {
  open: boolean
  title: string
  body: ComponentChildren
  action: string
  busy?: boolean
  error?: string
  onConfirm: () => void
  onClose: () => void
}) {
  const t = pick(strings)
  return (
    <Dialog title={p.title} open={p.open} onClose={p.onClose}>
      <div class="confirm-body">{p.body}</div>
      {p.error && (
        <p class="error" role="alert">
          {p.error}
        </p>
      )}
      <div class="actions">
        <button type="button" class="danger" disabled={p.busy} onClick={p.onConfirm}>
          {p.action}
        </button>
        <button type="button" onClick={p.onClose}>
          {t.cancel}
        </button>
      </div>
    </Dialog>
  )
}
