import type { ComponentChildren } from 'preact'
import { useId } from 'preact/hooks'
import { pick } from '../i18n'
import { strings } from './strings'

type FieldProps = {
  label: string
  /** Shown under the field, announced with it. */
  hint?: string
  /** The API's message for this field, in the user's language. */
  error?: string
  required?: boolean
  children: (a11y: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean; required?: boolean }) => ComponentChildren
  class?: string
}

/** A labelled control with a hint and an error slot, both tied to it by aria-describedby. */
export function Field(p: FieldProps) {
  const id = useId()
  const t = pick(strings)
  const described = [p.hint && `${id}-hint`, p.error && `${id}-error`].filter(Boolean).join(' ') || undefined
  return (
    <div class={`field${p.error ? ' invalid' : ''}${p.class ? ` ${p.class}` : ''}`}>
      <label for={id}>
        {p.label}
        {p.required && <span class="muted"> {t.required}</span>}
      </label>
      {p.children({ id, 'aria-describedby': described, 'aria-invalid': p.error ? true : undefined, required: p.required })}
      {p.hint && (
        <small id={`${id}-hint`} class="hint">
          {p.hint}
        </small>
      )}
      {p.error && (
        <small id={`${id}-error`} class="error" role="alert">
          {p.error}
        </small>
      )}
    </div>
  )
}

type InputProps = {
  type?: 'text' | 'url' | 'email' | 'tel' | 'password' | 'search' | 'datetime-local' | 'number'
  autoComplete?: string
  placeholder?: string
  inputMode?: 'text' | 'url' | 'email' | 'numeric' | 'tel' | 'search'
  maxLength?: number
  dir?: 'ltr' | 'rtl' | 'auto'
  spellcheck?: boolean
  readOnly?: boolean
  label: string
  name: string
  value: string
  onValue: (v: string) => void
  hint?: string
  error?: string
  required?: boolean
}

export function TextField({ label, hint, error, required, value, onValue, ...rest }: InputProps) {
  return (
    <Field label={label} hint={hint} error={error} required={required}>
      {(a) => <input {...rest} type={(rest.type ?? 'text') as 'text'} {...a} value={value} onInput={(e) => onValue(e.currentTarget.value)} />}
    </Field>
  )
}

export function TextArea(p: { label: string; name: string; value: string; onValue: (v: string) => void; hint?: string; error?: string; rows?: number }) {
  return (
    <Field label={p.label} hint={p.hint} error={p.error}>
      {(a) => <textarea {...a} name={p.name} rows={p.rows ?? 3} value={p.value} onInput={(e) => p.onValue(e.currentTarget.value)} />}
    </Field>
  )
}

export type Option = { value: string; label: string }

export function SelectField(p: {
  label: string
  name: string
  value: string
  options: Option[]
  onValue: (v: string) => void
  hint?: string
  error?: string
  required?: boolean
  /** A first, empty choice (such as "None" or "All"). */
  empty?: string
}) {
  return (
    <Field label={p.label} hint={p.hint} error={p.error} required={p.required}>
      {(a) => (
        <select {...a} name={p.name} value={p.value} onChange={(e) => p.onValue(e.currentTarget.value)}>
          {p.empty !== undefined && <option value="">{p.empty}</option>}
          {p.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  )
}

export function Checkbox(p: { label: string; name: string; value?: string; checked: boolean; onChecked: (c: boolean) => void; disabled?: boolean }) {
  const id = useId()
  return (
    <div class="check">
      <input
        type="checkbox"
        id={id}
        name={p.name}
        value={p.value ?? 'true'}
        checked={p.checked}
        disabled={p.disabled}
        onChange={(e) => p.onChecked(e.currentTarget.checked)}
      />
      <label for={id}>{p.label}</label>
    </div>
  )
}

/** A group of checkboxes or fields under one caption. */
export function Fieldset(p: { legend: string; children: ComponentChildren; error?: string; class?: string; disabled?: boolean }) {
  return (
    <fieldset class={p.class} disabled={p.disabled}>
      <legend>{p.legend}</legend>
      {p.children}
      {p.error && (
        <small class="error" role="alert">
          {p.error}
        </small>
      )}
    </fieldset>
  )
}
