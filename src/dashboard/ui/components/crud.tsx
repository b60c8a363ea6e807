import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { ApiError, apiList, api, withoutPath, type Page } from '../api'
import { fill, message, pick } from '../i18n'
import { formatDateTime } from '../format'
import { can } from '../session'
import { Confirm, Dialog } from './dialog'
import { ErrorBox, errorText } from './errors'
import { SelectField, TextArea, TextField, type Option } from './field'
import { Pager, TableBox } from './table'
import { toast } from './toast'
import { strings as common } from './strings'

export type CrudField = {
  /** The API field, also the form control's name. */
  name: string
  label: string
  kind?: 'text' | 'textarea' | 'select' | 'email' | 'tel' | 'url'
  options?: Option[]
  required?: boolean
  hint?: string
}

export type CrudStrings = {
  title: string
  intro?: string
  create: string
  createTitle: string
  editTitle: string
  save: string
  edit: string
  remove: string
  removeTitle: string
  /** `{name}` is the item's name. */
  removeBody: string
  removeAction: string
  created: string
  saved: string
  removed: string
  empty: string
  actions: string
  createdAt: string
}

export type CrudColumn<T> = { label: string; cell: (item: T) => ComponentChildren; class?: string }

type Item = { id: string; name: string; createdAt?: string }

const TAKE = 50

/** Values of a form: empty optional text becomes null (clears the field on edit). */
function bodyOf(fields: CrudField[], values: Record<string, string>) {
  const out: Record<string, string | null> = {}
  for (const f of fields) {
    const v = (values[f.name] ?? '').trim()
    out[f.name] = v === '' ? (f.required || f.kind === 'select' ? undefined! : null) : v
    if (out[f.name] === undefined) delete out[f.name]
  }
  return out
}

/**
 * List, create, edit and delete of a simple named resource (collections, tags, partners): one table,
 * one dialog form whose controls are named after the API fields, one confirmation.
 */
export function CrudPage<T extends Item>(p: {
  resource: string
  writeScope: string
  strings: CrudStrings
  fields: CrudField[]
  columns: CrudColumn<T>[]
  /** The form's starting values for a new item. */
  defaults?: Record<string, string>
  /** After each create, edit or delete (for a page that shows the list elsewhere too). */
  onChanged?: () => void
}) {
  const t = p.strings
  const c = pick(common)
  const writable = can(p.writeScope)
  const [skip, setSkip] = useState(0)
  const [page, setPage] = useState<Page<T> | null>(null)
  const [loadError, setLoadError] = useState<unknown>(null)
  const [reload, setReload] = useState(0)
  const [editing, setEditing] = useState<T | 'new' | null>(null)
  const [removing, setRemoving] = useState<T | null>(null)
  const [busy, setBusy] = useState(false)
  const [removeError, setRemoveError] = useState<string | undefined>()

  useEffect(() => {
    let live = true
    apiList<T>(`${p.resource}?take=${TAKE}&skip=${skip}&sort=desc`)
      .then((pg) => live && (setPage(pg), setLoadError(null)))
      .catch((e) => live && setLoadError(e))
    return () => void (live = false)
  }, [skip, reload])

  async function remove() {
    if (!removing) return
    setBusy(true)
    try {
      await api(p.resource, { method: 'DELETE', body: [removing.id] })
      toast(t.removed)
      setRemoving(null)
      setReload((n) => n + 1)
      p.onChanged?.()
    } catch (e) {
      // `domains[0]: go.brand.com still has 2 live links…`: the dialog already names the item.
      setRemoveError(withoutPath(errorText(e)))
    } finally {
      setBusy(false)
    }
  }

  return (
    <>
      <div class="page-head">
        <h1>{t.title}</h1>
        {writable && (
          <button type="button" class="primary" onClick={() => setEditing('new')}>
            {t.create}
          </button>
        )}
      </div>
      {t.intro && <p class="muted">{t.intro}</p>}
      <ErrorBox error={loadError} />
      {!page && !loadError && <p>{c.loading}</p>}
      {page && page.items.length === 0 && skip === 0 && <p class="muted">{t.empty}</p>}
      {page && page.items.length > 0 && (
        <TableBox label={t.title}>
          <thead>
            <tr>
              {p.columns.map((col) => (
                <th scope="col" key={col.label}>
                  {col.label}
                </th>
              ))}
              <th scope="col">{t.createdAt}</th>
              {writable && <th scope="col">{t.actions}</th>}
            </tr>
          </thead>
          <tbody>
            {page.items.map((item) => (
              <tr key={item.id}>
                {p.columns.map((col) => (
                  <td key={col.label} class={col.class}>
                    {col.cell(item)}
                  </td>
                ))}
                <td class="nowrap">{formatDateTime(item.createdAt ?? null)}</td>
                {writable && (
                  <td>
                    <div class="cell-actions">
                      <button type="button" class="small" onClick={() => setEditing(item)} aria-label={`${t.edit}: ${item.name}`}>
                        {t.edit}
                      </button>
                      <button
                        type="button"
                        class="small"
                        onClick={() => (setRemoveError(undefined), setRemoving(item))}
                        aria-label={`${t.remove}: ${item.name}`}
                      >
                        {t.remove}
                      </button>
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
      {page && <Pager skip={skip} take={TAKE} count={page.items.length} total={page.total} onSkip={setSkip} />}
      <Dialog title={editing === 'new' ? t.createTitle : t.editTitle} open={editing !== null} onClose={() => setEditing(null)}>
        {editing !== null && (
          <CrudForm
            resource={p.resource}
            fields={p.fields}
            item={editing === 'new' ? null : editing}
            defaults={p.defaults}
            save={t.save}
            onDone={(created) => {
              toast(created ? t.created : t.saved)
              setEditing(null)
              setReload((n) => n + 1)
              p.onChanged?.()
            }}
          />
        )}
      </Dialog>
      <Confirm
        open={removing !== null}
        title={t.removeTitle}
        body={removing ? fill(t.removeBody, { name: removing.name }) : ''}
        action={t.removeAction}
        busy={busy}
        error={removeError}
        onConfirm={remove}
        onClose={() => setRemoving(null)}
      />
    </>
  )
}

function CrudForm<T extends Item>(p: {
  resource: string
  fields: CrudField[]
  item: T | null
  defaults?: Record<string, string>
  save: string
  onDone: (created: boolean) => void
}) {
  const [values, setValues] = useState<Record<string, string>>(() => {
    const v: Record<string, string> = { ...p.defaults }
    if (p.item) for (const f of p.fields) v[f.name] = String((p.item as any)[f.name] ?? '')
    return v
  })
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const set = (name: string) => (v: string) => setValues((x) => ({ ...x, [name]: v }))

  async function submit(e: Event) {
    e.preventDefault()
    setBusy(true)
    setErrors({})
    setError(null)
    try {
      const body = bodyOf(p.fields, values)
      if (p.item) await api(p.resource, { method: 'PUT', body: [{ id: p.item.id, ...body }] })
      else await api(p.resource, { method: 'POST', body: [body] })
      p.onDone(!p.item)
    } catch (err) {
      if (err instanceof ApiError && err.field && p.fields.some((f) => f.name === err.field))
        setErrors({ [err.field]: withoutPath(message(err)) })
      else setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <ErrorBox error={error} />
      {p.fields.map((f) =>
        f.kind === 'textarea' ? (
          <TextArea key={f.name} label={f.label} name={f.name} value={values[f.name] ?? ''} onValue={set(f.name)} hint={f.hint} error={errors[f.name]} />
        ) : f.kind === 'select' ? (
          <SelectField
            key={f.name}
            label={f.label}
            name={f.name}
            value={values[f.name] ?? ''}
            options={f.options ?? []}
            onValue={set(f.name)}
            hint={f.hint}
            error={errors[f.name]}
          />
        ) : (
          <TextField
            key={f.name}
            type={f.kind ?? 'text'}
            label={f.label}
            name={f.name}
            value={values[f.name] ?? ''}
            onValue={set(f.name)}
            required={f.required}
            hint={f.hint}
            error={errors[f.name]}
            autoComplete="off"
          />
        ),
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {p.save}
        </button>
      </div>
    </form>
  )
}
