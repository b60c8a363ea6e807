import { useEffect, useState } from 'preact/hooks'
import { api, ApiError, apiList, withoutPath, type Page } from '../../api'
import { OnceSecret } from '../../components/copy'
import { Confirm, Dialog } from '../../components/dialog'
import { ErrorBox, errorText } from '../../components/errors'
import { Checkbox, Fieldset, TextArea, TextField } from '../../components/field'
import { Pager, TableBox } from '../../components/table'
import { toast } from '../../components/toast'
import { formatCount, formatDateTime } from '../../format'
import { fill, message, pick } from '../../i18n'
import { navigate, type PageProps, withQuery } from '../../router'
import { can } from '../../session'
import { strings } from './strings'
// The API's own list (a module without imports: no server code reaches the bundle).
import { EVENT_TYPES } from '../../../../webhooks/events'
import './webhooks.css'

type Webhook = { id: string; url: string; events: string[]; description: string | null; disabled: boolean; createdAt: string; updatedAt: string }
type Attempt = { timestamp: string; status: number | null; durationMs: number; response: string | null; error: string | null }
type Delivery = { id: string; webhookId: string; type: string; status: 'pending' | 'succeeded' | 'failed'; attempts: Attempt[]; nextAttemptAt: string | null; createdAt: string }

const TAKE = 50
const LOG_TAKE = 20

/** Create or edit: url, description, one checkbox per event type. */
function WebhookForm(p: { webhook: Webhook | null; action: string; onSaved: (w: Webhook & { secret?: string }) => void }) {
  const t = pick(strings)
  const [url, setUrl] = useState(p.webhook?.url ?? '')
  const [description, setDescription] = useState(p.webhook?.description ?? '')
  const [events, setEvents] = useState<string[]>(p.webhook?.events ?? [])
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)

  async function submit(e: Event) {
    e.preventDefault()
    setErrors({})
    setError(null)
    if (events.length === 0) return setErrors({ events: t.noEvent })
    setBusy(true)
    try {
      const body = { url: url.trim(), events, description: description.trim() === '' ? null : description.trim() }
      const [saved] = p.webhook
        ? await api<Webhook[]>('/api/webhooks', { method: 'PUT', body: [{ id: p.webhook.id, ...body }] })
        : await api<(Webhook & { secret: string })[]>('/api/webhooks', { method: 'POST', body: [body] })
      if (!p.webhook) {
        setUrl('')
        setDescription('')
        setEvents([])
      }
      p.onSaved(saved)
    } catch (err) {
      if (err instanceof ApiError && err.field && ['url', 'events', 'description'].includes(err.field)) setErrors({ [err.field]: withoutPath(message(err)) })
      else setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <ErrorBox error={error} />
      <div class="grid">
        <TextField label={t.url} name="url" type="url" dir="ltr" value={url} onValue={setUrl} hint={t.urlHint} error={errors.url} required autoComplete="off" />
      </div>
      <TextArea label={t.description} name="description" value={description} onValue={setDescription} error={errors.description} rows={2} />
      <Fieldset legend={t.events} error={errors.events}>
        <div class="checks">
          {EVENT_TYPES.map((type) => (
            <Checkbox key={type} label={type} name="events" value={type} checked={events.includes(type)} onChecked={(c) => setEvents(c ? [...events, type] : events.filter((x) => x !== type))} />
          ))}
        </div>
      </Fieldset>
      <button type="submit" class="primary" disabled={busy}>
        {p.action}
      </button>
    </form>
  )
}

/** One delivery's attempts: time, HTTP status (or the error), duration, the start of the answer. */
function Attempts(p: { attempts: Attempt[] }) {
  const t = pick(strings)
  if (p.attempts.length === 0) return <span class="muted">{t.noAttempt}</span>
  return (
    <ol class="attempts">
      {p.attempts.map((a, i) => (
        <li key={i}>
          <span class="nowrap">{formatDateTime(a.timestamp)}</span>
          <strong dir="ltr">{a.status === null ? t.noAnswer : fill(t.httpStatus, { status: a.status })}</strong>
          <span>{fill(t.duration, { ms: formatCount(a.durationMs) })}</span>
          {a.error && <span class="error">{a.error}</span>}
          {a.response && (
            <pre class="excerpt" dir="ltr" aria-label={t.response}>
              {a.response}
            </pre>
          )}
        </li>
      ))}
    </ol>
  )
}

function DeliveryLog(p: { webhook: Webhook; writable: boolean; refresh: number }) {
  const t = pick(strings)
  const [skip, setSkip] = useState(0)
  const [page, setPage] = useState<Page<Delivery> | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [reload, setReload] = useState(0)

  useEffect(() => {
    let live = true
    let timer: ReturnType<typeof setTimeout> | undefined
    apiList<Delivery>(`/api/webhooks/deliveries?webhookId=${encodeURIComponent(p.webhook.id)}&take=${LOG_TAKE}&skip=${skip}`)
      .then((pg) => {
        if (!live) return
        setPage(pg)
        setError(null)
        // Pending deliveries are being sent: look again shortly, while this log is shown.
        if (pg.items.some((d) => d.status === 'pending')) timer = setTimeout(() => setReload((n) => n + 1), 1500)
      })
      .catch((e) => live && setError(e))
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [p.webhook.id, skip, reload, p.refresh])

  async function retry(d: Delivery) {
    try {
      await api('/api/webhooks/deliveries/retry', { method: 'POST', body: [d.id] })
      toast(t.retried)
      setReload((n) => n + 1)
    } catch (e) {
      toast(errorText(e))
    }
  }

  const label = fill(t.logTitle, { url: p.webhook.url })
  return (
    <section aria-labelledby="log-title">
      <div class="page-head">
        <h2 id="log-title" class="wrap-anywhere">
          {label}
        </h2>
        <div class="actions">
          <button type="button" class="small" onClick={() => setReload((n) => n + 1)}>
            {t.refresh}
          </button>
          <a class="button small" href="/app/settings/webhooks">
            {t.closeLog}
          </a>
        </div>
      </div>
      <p class="muted">{t.logIntro}</p>
      <ErrorBox error={error} />
      {page && page.items.length === 0 && skip === 0 && <p class="muted">{t.logEmpty}</p>}
      {page && page.items.length > 0 && (
        <TableBox label={label}>
          <thead>
            <tr>
              <th scope="col">{t.time}</th>
              <th scope="col">{t.event}</th>
              <th scope="col">{t.status}</th>
              <th scope="col">{t.attempts}</th>
              <th scope="col">{t.nextAttempt}</th>
              {p.writable && <th scope="col">{t.actions}</th>}
            </tr>
          </thead>
          <tbody>
            {page.items.map((d) => (
              <tr key={d.id} data-delivery={d.id}>
                <td class="nowrap">{formatDateTime(d.createdAt)}</td>
                <td class="mono nowrap" dir="ltr">
                  {d.type}
                </td>
                <td class={`nowrap status-${d.status}`}>{t[d.status]}</td>
                <td class="wrap">
                  <Attempts attempts={d.attempts} />
                </td>
                <td class="nowrap">{d.nextAttemptAt ? formatDateTime(d.nextAttemptAt) : '—'}</td>
                {p.writable && (
                  <td>
                    <button type="button" class="small" onClick={() => retry(d)} aria-label={`${t.retry}: ${d.type} ${formatDateTime(d.createdAt)}`}>
                      {t.retry}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
      {page && <Pager skip={skip} take={LOG_TAKE} count={page.items.length} total={page.total} onSkip={setSkip} />}
    </section>
  )
}

export default function WebhooksPage(props: PageProps) {
  const t = pick(strings)
  const writable = can('webhooksWrite')
  const selected = new URLSearchParams(props.search).get('webhookId')
  const [skip, setSkip] = useState(0)
  const [page, setPage] = useState<Page<Webhook> | null>(null)
  const [shown, setShown] = useState<Webhook | null | 'missing'>(null)
  const [error, setError] = useState<unknown>(null)
  const [reload, setReload] = useState(0)
  const [logRefresh, setLogRefresh] = useState(0)
  const [secret, setSecret] = useState<{ value: string; rotated: boolean } | null>(null)
  const [editing, setEditing] = useState<Webhook | null>(null)
  const [confirm, setConfirm] = useState<{ kind: 'remove' | 'rotate'; webhook: Webhook } | null>(null)
  const [confirmError, setConfirmError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    apiList<Webhook>(`/api/webhooks?take=${TAKE}&skip=${skip}&sort=desc`)
      .then((pg) => (setPage(pg), setError(null)))
      .catch(setError)
  }, [skip, reload])

  // The webhook whose log is shown, even when it is not on this page of the list.
  useEffect(() => {
    if (!selected) return setShown(null)
    api<Webhook[]>(`/api/webhooks?id=${encodeURIComponent(selected)}`)
      .then(([w]) => setShown(w ?? 'missing'))
      .catch((e) => (e instanceof ApiError && e.status === 400 ? setShown('missing') : setError(e)))
  }, [selected, reload])

  async function run(what: () => Promise<unknown>, done: string) {
    try {
      await what()
      toast(done)
      setReload((n) => n + 1)
    } catch (e) {
      toast(errorText(e))
    }
  }

  const toggle = (w: Webhook) =>
    run(() => api('/api/webhooks', { method: 'PUT', body: [{ id: w.id, disabled: !w.disabled }] }), w.disabled ? t.enabledToast : t.disabledToast)

  async function sendTest(w: Webhook) {
    try {
      await api('/api/webhooks/test', { method: 'POST', body: [w.id] })
      toast(t.testSent)
      if (selected === w.id) setLogRefresh((n) => n + 1)
      else navigate(`/app/settings/webhooks${withQuery('', { webhookId: w.id })}`)
    } catch (e) {
      toast(errorText(e))
    }
  }

  async function confirmed() {
    if (!confirm) return
    setBusy(true)
    try {
      if (confirm.kind === 'remove') {
        await api('/api/webhooks', { method: 'DELETE', body: [confirm.webhook.id] })
        toast(t.removed)
        if (selected === confirm.webhook.id) navigate('/app/settings/webhooks', { replace: true })
      } else {
        const [rotated] = await api<{ secret: string }[]>('/api/webhooks/rotate-secret', { method: 'POST', body: [confirm.webhook.id] })
        setSecret({ value: rotated.secret, rotated: true })
      }
      setConfirm(null)
      setReload((n) => n + 1)
    } catch (e) {
      setConfirmError(errorText(e))
    } finally {
      setBusy(false)
    }
  }

  const ask = (kind: 'remove' | 'rotate', webhook: Webhook) => (setConfirmError(undefined), setConfirm({ kind, webhook }))
  return (
    <>
      <h1>{t.title}</h1>
      <p class="muted">{t.intro}</p>
      {writable && (
        <section aria-labelledby="create-webhook">
          <h2 id="create-webhook">{t.create}</h2>
          <WebhookForm
            webhook={null}
            action={t.createAction}
            onSaved={(w) => {
              toast(t.createdToast)
              if (w.secret) setSecret({ value: w.secret, rotated: false })
              setReload((n) => n + 1)
            }}
          />
        </section>
      )}
      <h2>{t.list}</h2>
      <ErrorBox error={error} />
      {page && page.items.length === 0 && skip === 0 && <p class="muted">{t.empty}</p>}
      {page && page.items.length > 0 && (
        <TableBox label={t.list}>
          <thead>
            <tr>
              <th scope="col">{t.url}</th>
              <th scope="col">{t.events}</th>
              <th scope="col">{t.descriptionCol}</th>
              <th scope="col">{t.status}</th>
              <th scope="col">{t.created}</th>
              <th scope="col">{t.actions}</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((w) => (
              <tr key={w.id} class={w.disabled ? 'muted' : undefined}>
                <td class="wrap mono" dir="ltr">
                  {w.url}
                </td>
                <td class="wrap mono" dir="ltr">
                  {w.events.join(', ')}
                </td>
                <td class="wrap">{w.description ?? ''}</td>
                <td class="nowrap">{w.disabled ? t.disabled : t.enabled}</td>
                <td class="nowrap">{formatDateTime(w.createdAt)}</td>
                <td>
                  <div class="cell-actions">
                    <a class="button small" href={`/app/settings/webhooks${withQuery('', { webhookId: w.id })}`} aria-label={`${t.deliveries}: ${w.url}`}>
                      {t.deliveries}
                    </a>
                    {writable && (
                      <>
                        <button type="button" class="small" onClick={() => sendTest(w)} aria-label={`${t.test}: ${w.url}`}>
                          {t.test}
                        </button>
                        <button type="button" class="small" onClick={() => setEditing(w)} aria-label={`${t.edit}: ${w.url}`}>
                          {t.edit}
                        </button>
                        <button type="button" class="small" onClick={() => toggle(w)} aria-label={`${w.disabled ? t.enable : t.disable}: ${w.url}`}>
                          {w.disabled ? t.enable : t.disable}
                        </button>
                        <button type="button" class="small" onClick={() => ask('rotate', w)} aria-label={`${t.rotate}: ${w.url}`}>
                          {t.rotate}
                        </button>
                        <button type="button" class="small" onClick={() => ask('remove', w)} aria-label={`${t.remove}: ${w.url}`}>
                          {t.remove}
                        </button>
                      </>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
      {page && <Pager skip={skip} take={TAKE} count={page.items.length} total={page.total} onSkip={setSkip} />}
      {shown === 'missing' && <p class="error-box">{t.notFound}</p>}
      {shown && shown !== 'missing' && <DeliveryLog webhook={shown} writable={writable} refresh={logRefresh} />}
      <Dialog title={t.editTitle} open={editing !== null} onClose={() => setEditing(null)} wide>
        {editing && (
          <WebhookForm
            webhook={editing}
            action={t.save}
            onSaved={() => {
              toast(t.saved)
              setEditing(null)
              setReload((n) => n + 1)
            }}
          />
        )}
      </Dialog>
      <Dialog title={t.secretTitle} open={secret !== null} onClose={() => setSecret(null)}>
        <p>{secret?.rotated ? t.rotatedBody : t.secretBody}</p>
        {secret && <OnceSecret value={secret.value} label={t.secretLabel} />}
        <div class="actions">
          <button type="button" class="primary" onClick={() => setSecret(null)}>
            {t.done}
          </button>
        </div>
      </Dialog>
      <Confirm
        open={confirm !== null}
        title={confirm?.kind === 'rotate' ? t.rotateTitle : t.removeTitle}
        body={confirm ? fill(confirm.kind === 'rotate' ? t.rotateBody : t.removeBody, { url: confirm.webhook.url }) : ''}
        action={confirm?.kind === 'rotate' ? t.rotateAction : t.removeAction}
        busy={busy}
        error={confirmError}
        onConfirm={confirmed}
        onClose={() => setConfirm(null)}
      />
    </>
  )
}
