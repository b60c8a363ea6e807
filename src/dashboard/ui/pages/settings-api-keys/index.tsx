import { useEffect, useState } from 'preact/hooks'
import { api, ApiError, apiList, withoutPath, type Page } from '../../api'
import { OnceSecret } from '../../components/copy'
import { Confirm, Dialog } from '../../components/dialog'
import { ErrorBox, errorText } from '../../components/errors'
import { Checkbox, Fieldset, TextField } from '../../components/field'
import { Pager, TableBox } from '../../components/table'
import { toast } from '../../components/toast'
import { formatDateTime } from '../../format'
import { fill, message, pick } from '../../i18n'
import { can, getMe } from '../../session'
import { strings } from './strings'

type Key = {
  id: string
  name: string
  prefix: string
  scopes: string[]
  createdAt: string
  lastUsedAt: string | null
  expiresAt: string | null
  revoked: boolean
  revokedAt: string | null
}

const TAKE = 50

function CreateKey(p: { onCreated: (key: string) => void }) {
  const t = pick(strings)
  const grantable = getMe().scopes
  const [name, setName] = useState('')
  const [scopes, setScopes] = useState<string[]>([])
  const [expiresAt, setExpiresAt] = useState('')
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)

  async function submit(e: Event) {
    e.preventDefault()
    setErrors({})
    setError(null)
    if (scopes.length === 0) return setErrors({ scopes: t.noScope })
    setBusy(true)
    try {
      const body: Record<string, unknown> = { name: name.trim(), scopes }
      if (expiresAt) body.expiresAt = new Date(expiresAt).toISOString()
      const [created] = await api<(Key & { key: string })[]>('/api/keys', { method: 'POST', body: [body] })
      setName('')
      setScopes([])
      setExpiresAt('')
      p.onCreated(created.key)
    } catch (err) {
      if (err instanceof ApiError && err.field && ['name', 'scopes', 'expiresAt'].includes(err.field)) setErrors({ [err.field]: withoutPath(message(err)) })
      else setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section aria-labelledby="create-key">
      <h2 id="create-key">{t.create}</h2>
      <form onSubmit={submit} noValidate>
        <ErrorBox error={error} />
        <div class="grid">
          <TextField label={t.name} name="name" value={name} onValue={setName} hint={t.nameHint} error={errors.name} required autoComplete="off" />
          <TextField label={t.expiresAt} name="expiresAt" type="datetime-local" value={expiresAt} onValue={setExpiresAt} hint={t.expiresAtHint} error={errors.expiresAt} />
        </div>
        <Fieldset legend={t.scopes} error={errors.scopes}>
          <div class="checks">
            {grantable.map((s) => (
              <Checkbox key={s} label={s} name="scopes" value={s} checked={scopes.includes(s)} onChecked={(c) => setScopes(c ? [...scopes, s] : scopes.filter((x) => x !== s))} />
            ))}
          </div>
        </Fieldset>
        <button type="submit" class="primary" disabled={busy}>
          {t.createAction}
        </button>
      </form>
    </section>
  )
}

export default function ApiKeysPage() {
  const t = pick(strings)
  const writable = can('keysWrite')
  const [skip, setSkip] = useState(0)
  const [page, setPage] = useState<Page<Key> | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [reload, setReload] = useState(0)
  const [newKey, setNewKey] = useState<string | null>(null)
  const [revoking, setRevoking] = useState<Key | null>(null)
  const [revokeError, setRevokeError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    apiList<Key>(`/api/keys?take=${TAKE}&skip=${skip}`)
      .then(setPage)
      .catch(setError)
  }, [skip, reload])

  async function revoke() {
    if (!revoking) return
    setBusy(true)
    try {
      await api('/api/keys', { method: 'DELETE', body: [revoking.id] })
      toast(t.revokedToast)
      setRevoking(null)
      setReload((n) => n + 1)
    } catch (e) {
      setRevokeError(errorText(e))
    } finally {
      setBusy(false)
    }
  }

  const status = (k: Key) =>
    k.revoked ? fill(t.revoked, { when: formatDateTime(k.revokedAt) }) : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? t.expired : t.active
  return (
    <>
      <h1>{t.title}</h1>
      <p class="muted">{t.intro}</p>
      {writable && <CreateKey onCreated={(key) => (setNewKey(key), setReload((n) => n + 1))} />}
      <h2>{t.list}</h2>
      <ErrorBox error={error} />
      {page && page.items.length === 0 && skip === 0 && <p class="muted">{t.empty}</p>}
      {page && page.items.length > 0 && (
        <TableBox label={t.list}>
          <thead>
            <tr>
              <th scope="col">{t.name}</th>
              <th scope="col">{t.prefix}</th>
              <th scope="col">{t.scopes}</th>
              <th scope="col">{t.created}</th>
              <th scope="col">{t.lastUsed}</th>
              <th scope="col">{t.expires}</th>
              <th scope="col">{t.status}</th>
              {writable && <th scope="col">{t.actions}</th>}
            </tr>
          </thead>
          <tbody>
            {page.items.map((k) => (
              <tr key={k.id} class={k.revoked ? 'muted' : undefined}>
                <td class="wrap">{k.name}</td>
                <td class="mono nowrap" dir="ltr">
                  {k.prefix}…
                </td>
                <td class="wrap mono">{k.scopes.join(', ')}</td>
                <td class="nowrap">{formatDateTime(k.createdAt)}</td>
                <td class="nowrap">{k.lastUsedAt ? formatDateTime(k.lastUsedAt) : t.never}</td>
                <td class="nowrap">{k.expiresAt ? formatDateTime(k.expiresAt) : t.never}</td>
                <td class="nowrap">{status(k)}</td>
                {writable && (
                  <td>
                    {!k.revoked && (
                      <button type="button" class="small" onClick={() => (setRevokeError(undefined), setRevoking(k))} aria-label={`${t.revoke}: ${k.name}`}>
                        {t.revoke}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
      {page && <Pager skip={skip} take={TAKE} count={page.items.length} total={page.total} onSkip={setSkip} />}
      <Dialog title={t.createdTitle} open={newKey !== null} onClose={() => setNewKey(null)}>
        <p>{t.createdBody}</p>
        {newKey && <OnceSecret value={newKey} label={t.keyLabel} />}
        <div class="actions">
          <button type="button" class="primary" onClick={() => setNewKey(null)}>
            {t.done}
          </button>
        </div>
      </Dialog>
      <Confirm
        open={revoking !== null}
        title={t.revokeTitle}
        body={revoking ? fill(t.revokeBody, { name: revoking.name, prefix: revoking.prefix }) : ''}
        action={t.revokeAction}
        busy={busy}
        error={revokeError}
        onConfirm={revoke}
        onClose={() => setRevoking(null)}
      />
    </>
  )
}
