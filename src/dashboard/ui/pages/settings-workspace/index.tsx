import { useEffect, useState } from 'preact/hooks'
import { api, ApiError, withoutPath } from '../../api'
import { ErrorBox } from '../../components/errors'
import { SelectField, TextField } from '../../components/field'
import { toast } from '../../components/toast'
import { formatCount, formatDateTime } from '../../format'
import { fill, message, pick } from '../../i18n'
import { can, getMe } from '../../session'
import { strings } from './strings'

type Workspace = { id: string; slug: string; name: string; plan: string; rateLimit: number | null; createdAt: string }
const PLANS = ['free', 'pro', 'business', 'unlimited']

export default function WorkspacePage() {
  const t = pick(strings)
  const writable = can('workspaceWrite')
  const admin = getMe().user?.isAdmin ?? false
  const [ws, setWs] = useState<Workspace | null>(null)
  const [form, setForm] = useState({ name: '', slug: '', plan: '', rateLimit: '' })
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    api<Workspace>('/api/workspace')
      .then((w) => {
        setWs(w)
        setForm({ name: w.name, slug: w.slug, plan: w.plan, rateLimit: w.rateLimit === null ? '' : String(w.rateLimit) })
      })
      .catch(setError)
  }, [])

  async function submit(e: Event) {
    e.preventDefault()
    setBusy(true)
    setErrors({})
    setError(null)
    try {
      const body: Record<string, unknown> = { name: form.name.trim(), slug: form.slug.trim() }
      if (admin) {
        body.plan = form.plan
        body.rateLimit = form.rateLimit.trim() === '' ? null : Number(form.rateLimit)
      }
      const saved = await api<Workspace>('/api/workspace', { method: 'PUT', body })
      setWs(saved)
      toast(t.saved)
    } catch (err) {
      if (err instanceof ApiError && err.field && err.field in form) setErrors({ [err.field]: withoutPath(message(err)) })
      else setError(err)
    } finally {
      setBusy(false)
    }
  }

  const set = (k: keyof typeof form) => (v: string) => setForm((f) => ({ ...f, [k]: v }))
  return (
    <>
      <h1>{t.title}</h1>
      <ErrorBox error={error} />
      {ws && (
        <dl class="facts">
          <dt>{t.name}</dt>
          <dd>{ws.name}</dd>
          <dt>{t.slug}</dt>
          <dd class="mono">{ws.slug}</dd>
          <dt>{t.plan}</dt>
          <dd>{ws.plan}</dd>
          <dt>{t.rateLimit}</dt>
          <dd>{ws.rateLimit === null ? t.unlimited : fill(t.perMinute, { n: formatCount(ws.rateLimit) })}</dd>
          <dt>{t.created}</dt>
          <dd>{formatDateTime(ws.createdAt)}</dd>
          <dt>{t.id}</dt>
          <dd class="mono">{ws.id}</dd>
        </dl>
      )}
      {ws && writable && (
        <form onSubmit={submit} noValidate>
          <div class="grid">
            <TextField label={t.name} name="name" value={form.name} onValue={set('name')} error={errors.name} required autoComplete="off" />
            <TextField label={t.slug} name="slug" value={form.slug} onValue={set('slug')} hint={t.slugHint} error={errors.slug} required dir="ltr" autoComplete="off" />
            {admin && <SelectField label={t.plan} name="plan" value={form.plan} options={PLANS.map((p) => ({ value: p, label: p }))} onValue={set('plan')} error={errors.plan} />}
            {admin && <TextField label={t.rateLimit} name="rateLimit" type="number" value={form.rateLimit} onValue={set('rateLimit')} hint={t.rateLimitHint} error={errors.rateLimit} />}
          </div>
          {!admin && <p class="muted">{t.adminOnly}</p>}
          <button type="submit" class="primary" disabled={busy}>
            {t.save}
          </button>
        </form>
      )}
    </>
  )
}
