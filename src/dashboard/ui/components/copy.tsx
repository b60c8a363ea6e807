import { useState } from 'preact/hooks'
import { pick } from '../i18n'
import { strings } from './strings'
import { toast } from './toast'

/** Copies a text; the label names what is copied for screen readers. */
export function CopyButton(p: { text: string; label?: string; what?: string }) {
  const t = pick(strings)
  const [done, setDone] = useState(false)
  async function copy() {
    try {
      await navigator.clipboard.writeText(p.text)
      setDone(true)
      toast(t.copied)
      setTimeout(() => setDone(false), 1500)
    } catch {
      toast(t.copyFailed)
    }
  }
  return (
    <button type="button" class="small" onClick={copy} aria-label={p.what ? `${t.copy}: ${p.what}` : undefined}>
      {done ? t.copied : (p.label ?? t.copy)}
    </button>
  )
}

/** A secret shown once: read-only field (select-all on focus) beside its copy button. */
export function OnceSecret(p: { value: string; label: string }) {
  return (
    <div class="secret">
      <input type="text" readOnly value={p.value} aria-label={p.label} onFocus={(e) => e.currentTarget.select()} />
      <CopyButton text={p.value} what={p.label} />
    </div>
  )
}

