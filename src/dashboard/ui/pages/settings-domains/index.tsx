import { useEffect, useState } from 'preact/hooks'
import { api, apiAll } from '../../api'
import { CrudPage } from '../../components/crud'
import { ErrorBox } from '../../components/errors'
import { SelectField } from '../../components/field'
import { toast } from '../../components/toast'
import { fill, pick } from '../../i18n'
import { can, getMe } from '../../session'
import { strings } from './strings'

export type Domain = { id: string; name: string; rootUrl: string | null; notFoundUrl: string | null; createdAt: string; updatedAt: string }
type Workspace = { defaultDomainId: string | null }

/** The workspace's default domain (PUT /api/workspace {defaultDomainId}); '' stands for the base host. */
function DefaultDomain(p: { domains: Domain[]; defaultId: string; onSaved: (id: string) => void }) {
  const t = pick(strings)
  const baseHost = getMe().baseHost
  const [value, setValue] = useState(p.defaultId)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  useEffect(() => setValue(p.defaultId), [p.defaultId])
  const current = p.domains.find((d) => d.id === p.defaultId)?.name ?? baseHost

  async function submit(e: Event) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const saved = await api<Workspace>('/api/workspace', { method: 'PUT', body: { defaultDomainId: value === '' ? null : value } })
      toast(t.defaultSaved)
      p.onSaved(saved.defaultDomainId ?? '')
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section aria-labelledby="default-domain">
      <h2 id="default-domain">{t.defaultTitle}</h2>
      <p class="muted">{fill(t.defaultIs, { host: current })}</p>
      {can('workspaceWrite') && (
        <form class="toolbar" onSubmit={submit}>
          <ErrorBox error={error} />
          <SelectField
            label={t.defaultLabel}
            name="defaultDomainId"
            value={value}
            hint={t.defaultHint}
            options={[{ value: '', label: fill(t.baseHost, { host: baseHost }) }, ...p.domains.map((d) => ({ value: d.id, label: d.name }))]}
            onValue={setValue}
          />
          <div class="actions">
            <button type="submit" class="primary" disabled={busy || value === p.defaultId}>
              {t.setDefault}
            </button>
          </div>
        </form>
      )}
    </section>
  )
}

export default function DomainsPage() {
  const t = pick(strings)
  const [domains, setDomains] = useState<Domain[] | null>(null)
  const [defaultId, setDefaultId] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [reload, setReload] = useState(0)

  useEffect(() => {
    Promise.all([apiAll<Domain>('/api/domains'), api<Workspace>('/api/workspace')])
      .then(([list, ws]) => {
        setDomains(list)
        setDefaultId(ws.defaultDomainId ?? '')
      })
      .catch(setError)
  }, [reload])

  const url = (u: string | null) => (u ? <span dir="ltr">{u}</span> : t.none)
  return (
    <>
      <CrudPage<Domain>
        resource="/api/domains"
        writeScope="domainsWrite"
        strings={{ ...t, intro: t.intro }}
        fields={[
          { name: 'name', label: t.name, required: true, hint: t.nameHint },
          { name: 'rootUrl', label: t.rootUrl, kind: 'url', hint: t.rootUrlHint },
          { name: 'notFoundUrl', label: t.notFoundUrl, kind: 'url', hint: t.notFoundUrlHint },
        ]}
        columns={[
          {
            label: t.name,
            class: 'wrap mono',
            cell: (d) => (
              <>
                <span dir="ltr">{d.name}</span>
                {d.id === defaultId && <> <span class="tag">{t.isDefault}</span></>}
              </>
            ),
          },
          { label: t.rootUrl, class: 'wrap', cell: (d) => url(d.rootUrl) },
          { label: t.notFoundUrl, class: 'wrap', cell: (d) => url(d.notFoundUrl) },
        ]}
        onChanged={() => setReload((n) => n + 1)}
      />
      <ErrorBox error={error} />
      {domains && <DefaultDomain domains={domains} defaultId={defaultId} onSaved={setDefaultId} />}
    </>
  )
}
