import { useEffect, useState } from 'preact/hooks'
import { api, apiAll, ApiError, withoutPath } from '../../api'
import { CopyButton } from '../../components/copy'
import { ErrorBox } from '../../components/errors'
import { Checkbox, Fieldset, SelectField, TextArea, TextField } from '../../components/field'
import { toast } from '../../components/toast'
import { fill, message, pick } from '../../i18n'
import { navigate, type PageProps } from '../../router'
import { can, getMe } from '../../session'
import { useNames } from './index'
import { type Link, UTM_KEYS, type UtmKey } from './model'
import { QrDialog } from './qr'
import { strings } from './strings'

type GeoRow = { key: number; country: string; url: string }
type Form = {
  url: string
  shortId: string
  domain: string
  collectionId: string
  title: string
  description: string
  image: string
  utm: Record<UtmKey, string>
  partnerId: string
  tenantId: string
  externalId: string
  tagIds: string[]
  expiresAt: string
  expiredUrl: string
  password: string
  cloaked: boolean
  ios: string
  android: string
  geo: GeoRow[]
}

let rowKey = 1
const emptyUtm = () => Object.fromEntries(UTM_KEYS.map((k) => [k, ''])) as Record<UtmKey, string>

/** ISO instant → the value of a datetime-local input, in the browser's time zone. */
function toLocalInput(iso: string | null): string {
  if (!iso) return ''
  const d = new Date(iso)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

function formOf(l: Link | null): Form {
  return {
    url: l?.url ?? '',
    shortId: l?.shortId ?? '',
    domain: l?.domain ?? '',
    collectionId: l?.collectionId ?? '',
    title: l?.title ?? '',
    description: l?.description ?? '',
    image: l?.image ?? '',
    utm: { ...emptyUtm(), ...Object.fromEntries(Object.entries(l?.utm ?? {}).map(([k, v]) => [k, v ?? ''])) },
    partnerId: l?.partnerId ?? '',
    tenantId: l?.tenantId ?? '',
    externalId: l?.externalId ?? '',
    tagIds: l?.tagIds ?? [],
    expiresAt: toLocalInput(l?.expiresAt ?? null),
    expiredUrl: l?.expiredUrl ?? '',
    password: l?.password ?? '',
    cloaked: l?.cloaked ?? false,
    ios: l?.ios ?? '',
    android: l?.android ?? '',
    geo: Object.entries(l?.geo ?? {}).map(([country, url]) => ({ key: rowKey++, country, url })),
  }
}

const orNull = (s: string) => (s.trim() === '' ? null : s.trim())

/** The API body: empty optional fields are null, which clears them on an edit. */
function bodyOf(f: Form, existing: Link | null): Record<string, unknown> {
  const utm = Object.fromEntries(UTM_KEYS.filter((k) => f.utm[k].trim()).map((k) => [k, f.utm[k].trim()]))
  const geo = Object.fromEntries(f.geo.filter((g) => g.country.trim() || g.url.trim()).map((g) => [g.country.trim().toUpperCase(), g.url.trim()]))
  const body: Record<string, unknown> = {
    url: f.url.trim(),
    collectionId: f.collectionId,
    title: orNull(f.title),
    description: orNull(f.description),
    image: orNull(f.image),
    utm: Object.keys(utm).length ? utm : null,
    partnerId: orNull(f.partnerId),
    tenantId: orNull(f.tenantId),
    externalId: orNull(f.externalId),
    tagIds: f.tagIds,
    expiresAt: f.expiresAt ? new Date(f.expiresAt).toISOString() : null,
    expiredUrl: orNull(f.expiredUrl),
    password: f.password === '' ? null : f.password,
    cloaked: f.cloaked,
    ios: orNull(f.ios),
    android: orNull(f.android),
    geo: Object.keys(geo).length ? geo : null,
  }
  // Empty until the choices load: the API then puts a new link on the workspace's default domain.
  if (f.domain) body.domain = f.domain
  if (existing) body.id = existing.id
  else if (f.shortId.trim()) body.shortId = f.shortId.trim()
  return body
}

type DomainChoices = { names: string[]; defaultName: string }

/** The hosts a link can live on: the base host, then the workspace's domains; and the default one. */
function useDomainChoices(): DomainChoices | null {
  const [choices, setChoices] = useState<DomainChoices | null>(null)
  useEffect(() => {
    const baseHost = getMe().baseHost
    const domains = can('domainsRead') ? apiAll<{ id: string; name: string }>('/api/domains') : Promise.resolve([])
    const ws = can('workspaceRead') ? api<{ defaultDomainId: string | null }>('/api/workspace') : Promise.resolve({ defaultDomainId: null })
    Promise.all([domains, ws])
      .then(([list, w]) => setChoices({ names: [baseHost, ...list.map((d) => d.name)], defaultName: list.find((d) => d.id === w.defaultDomainId)?.name ?? baseHost }))
      .catch(() => setChoices({ names: [baseHost], defaultName: baseHost }))
  }, [])
  return choices
}

export default function LinkEditPage(props: PageProps) {
  const t = pick(strings)
  const id = props.params.id
  const names = useNames()
  const domains = useDomainChoices()
  const writable = can('linksWrite')
  const [link, setLink] = useState<Link | null | 'missing'>(null)
  const [form, setForm] = useState<Form>(() => formOf(null))
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const [qr, setQr] = useState(false)

  useEffect(() => {
    if (!id) return
    api<Link[]>(`/api/links?id=${encodeURIComponent(id)}`)
      .then(([l]) => {
        setLink(l ?? 'missing')
        if (l) setForm(formOf(l))
      })
      .catch((e) => (e instanceof ApiError && e.status === 400 ? setLink('missing') : setError(e)))
  }, [id])

  // A new link starts in the first collection (or the one the list was filtered by).
  useEffect(() => {
    if (id || !names || form.collectionId) return
    const wanted = new URLSearchParams(props.search).get('collectionId')
    const first = wanted && names.collections.has(wanted) ? wanted : names.collections.keys().next().value
    if (first) setForm((f) => ({ ...f, collectionId: first }))
  }, [names])

  // A new link starts on the workspace's default domain.
  useEffect(() => {
    if (id || !domains || form.domain) return
    setForm((f) => ({ ...f, domain: domains.defaultName }))
  }, [domains])

  const existing = link && link !== 'missing' ? link : null
  const set = <K extends keyof Form>(k: K) => (v: Form[K]) => setForm((f) => ({ ...f, [k]: v }))
  const text = (k: keyof Form, label: string, o: { type?: 'url' | 'text' | 'password' | 'datetime-local'; hint?: string; required?: boolean; mono?: boolean } = {}) => (
    <TextField
      label={label}
      name={k}
      type={o.type ?? 'text'}
      value={form[k] as string}
      onValue={set(k) as (v: string) => void}
      hint={o.hint}
      error={errors[k]}
      required={o.required}
      autoComplete="off"
      dir={o.type === 'url' ? 'ltr' : undefined}
    />
  )

  async function submit(e: Event) {
    e.preventDefault()
    setBusy(true)
    setErrors({})
    setError(null)
    try {
      const body = bodyOf(form, existing)
      const [saved] = existing ? await api<Link[]>('/api/links', { method: 'PUT', body: [body] }) : await api<Link[]>('/api/links', { method: 'POST', body: [body] })
      toast(existing ? t.saved : fill(t.createdToast, { url: saved.shortUrl }))
      navigate('/app/links')
    } catch (err) {
      if (err instanceof ApiError && err.field && err.field in form) setErrors({ [err.field]: withoutPath(message(err)) })
      else setError(err)
    } finally {
      setBusy(false)
    }
  }

  if (id && link === 'missing')
    return (
      <>
        <h1>{t.editTitle}</h1>
        <p>{t.notFound}</p>
        <a href="/app/links">{t.back}</a>
      </>
    )
  if (id && !existing) return <ErrorBox error={error} />

  const options = (m: Map<string, { id: string; name: string }> | undefined) => [...(m?.values() ?? [])].map((x) => ({ value: x.id, label: x.name }))
  return (
    <>
      <p>
        <a href="/app/links">{t.back}</a>
      </p>
      <div class="page-head">
        <h1>{existing ? t.editTitle : t.newTitle}</h1>
        {existing && (
          <div class="actions">
            <span class="mono" dir="ltr">
              {existing.shortUrl}
            </span>
            <CopyButton text={existing.shortUrl} what={existing.shortUrl} />
            <button type="button" class="small" onClick={() => setQr(true)}>
              {t.qr}
            </button>
          </div>
        )}
      </div>
      {!writable && <p class="muted">{t.viewerNote}</p>}
      <form onSubmit={submit} noValidate>
        <ErrorBox error={error} />
        <fieldset disabled={!writable}>
          <legend>{t.basics}</legend>
          <div class="grid">
            {text('url', t.url, { type: 'url', hint: t.urlHint, required: true })}
            {existing ? (
              <TextField label={t.shortId} name="shortId" value={form.shortId} onValue={() => undefined} readOnly dir="ltr" />
            ) : (
              text('shortId', t.shortId, { hint: t.shortIdHint })
            )}
            <SelectField
              label={t.domain}
              name="domain"
              value={form.domain}
              options={[...new Set([...(domains?.names ?? []), ...(form.domain ? [form.domain] : [])])].map((name) => ({
                value: name,
                label: name === getMe().baseHost ? fill(t.baseHost, { host: name }) : name,
              }))}
              onValue={set('domain')}
              hint={t.domainHint}
              error={errors.domain}
              empty={form.domain ? undefined : ''}
            />
            <SelectField
              label={t.collection}
              name="collectionId"
              value={form.collectionId}
              options={options(names?.collections)}
              onValue={set('collectionId')}
              error={errors.collectionId}
              required
              empty={form.collectionId ? undefined : ''}
            />
            {text('title', t.linkTitle)}
            {text('image', t.image, { type: 'url' })}
          </div>
          <TextArea label={t.description} name="description" value={form.description} onValue={set('description')} error={errors.description} />
          {names && names.tags.size > 0 && (
            <Fieldset legend={t.tags} error={errors.tagIds} class="checks-box" disabled={!writable}>
              <div class="checks">
                {[...names.tags.values()].map((tag) => (
                  <Checkbox
                    key={tag.id}
                    label={tag.name}
                    name="tagIds"
                    value={tag.id}
                    checked={form.tagIds.includes(tag.id)}
                    onChecked={(c) => set('tagIds')(c ? [...form.tagIds, tag.id] : form.tagIds.filter((x) => x !== tag.id))}
                  />
                ))}
              </div>
            </Fieldset>
          )}
        </fieldset>
        <Fieldset legend={t.utm} error={errors.utm} disabled={!writable}>
          <p class="hint muted">{t.utmHint}</p>
          <div class="grid">
            {UTM_KEYS.map((k) => (
              <TextField
                key={k}
                label={t[`utm${k[0].toUpperCase()}${k.slice(1)}` as 'utmSource']}
                name={`utm.${k}`}
                value={form.utm[k]}
                onValue={(v) => set('utm')({ ...form.utm, [k]: v })}
                autoComplete="off"
              />
            ))}
          </div>
        </Fieldset>
        <Fieldset legend={t.attribution} disabled={!writable}>
          <div class="grid">
            <SelectField label={t.partner} name="partnerId" value={form.partnerId} options={options(names?.partners)} empty={t.none} onValue={set('partnerId')} error={errors.partnerId} />
            {text('tenantId', t.tenantId)}
            {text('externalId', t.externalId)}
          </div>
        </Fieldset>
        <Fieldset legend={t.expiry} disabled={!writable}>
          <div class="grid">
            {text('expiresAt', t.expiresAt, { type: 'datetime-local', hint: t.expiresAtHint })}
            {text('expiredUrl', t.expiredUrl, { type: 'url' })}
          </div>
        </Fieldset>
        <Fieldset legend={t.protection} disabled={!writable}>
          <div class="grid">{text('password', t.password, { type: 'text', hint: t.passwordHint })}</div>
          <Checkbox label={t.cloaked} name="cloaked" checked={form.cloaked} onChecked={set('cloaked')} />
        </Fieldset>
        <Fieldset legend={t.targeting} error={errors.geo} disabled={!writable}>
          <div class="grid">
            {text('ios', t.ios, { type: 'url' })}
            {text('android', t.android, { type: 'url' })}
          </div>
          <p class="hint muted">{t.geoHint}</p>
          {form.geo.map((g, i) => (
            <div class="row" key={g.key}>
              <TextField
                label={t.country}
                name="geo.country"
                value={g.country}
                maxLength={2}
                dir="ltr"
                onValue={(v) => set('geo')(form.geo.map((x, j) => (j === i ? { ...x, country: v.toUpperCase() } : x)))}
              />
              <TextField
                label={t.countryUrl}
                name="geo.url"
                type="url"
                dir="ltr"
                value={g.url}
                onValue={(v) => set('geo')(form.geo.map((x, j) => (j === i ? { ...x, url: v } : x)))}
              />
              {writable && (
                <button type="button" class="small" onClick={() => set('geo')(form.geo.filter((_, j) => j !== i))} aria-label={fill(t.removeCountry, { country: g.country || String(i + 1) })}>
                  ×
                </button>
              )}
            </div>
          ))}
          {writable && (
            <button type="button" class="small" onClick={() => set('geo')([...form.geo, { key: rowKey++, country: '', url: '' }])}>
              {t.addCountry}
            </button>
          )}
        </Fieldset>
        {writable && (
          <div class="actions">
            <button type="submit" class="primary" disabled={busy}>
              {existing ? t.save : t.createAction}
            </button>
            <a class="button" href="/app/links">
              {t.back}
            </a>
          </div>
        )}
      </form>
      <QrDialog link={qr ? existing : null} onClose={() => setQr(false)} />
    </>
  )
}
