import { useEffect, useState } from 'preact/hooks'
import { api } from '../../api'
import { OnceSecret } from '../../components/copy'
import { Confirm } from '../../components/dialog'
import { ErrorBox, errorText } from '../../components/errors'
import { SelectField, TextField } from '../../components/field'
import { TableBox } from '../../components/table'
import { toast } from '../../components/toast'
import { formatDateTime } from '../../format'
import { fill, pick } from '../../i18n'
import { can, getMe } from '../../session'
import { strings } from './strings'

type Member = { userId: string; email: string; name: string; role: string; createdAt: string }
type Invite = { id: string; role: string; expiresAt: string; createdAt: string; url?: string }
const ROLES = ['owner', 'member', 'viewer']

function Invites() {
  const t = pick(strings)
  const [role, setRole] = useState('member')
  const [days, setDays] = useState('7')
  const [invites, setInvites] = useState<Invite[] | null>(null)
  const [url, setUrl] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [reload, setReload] = useState(0)
  useEffect(() => {
    api<Invite[]>('/api/invites').then(setInvites).catch(setError)
  }, [reload])

  async function create(e: Event) {
    e.preventDefault()
    setError(null)
    try {
      const [inv] = await api<Invite[]>('/api/invites', { method: 'POST', body: [{ role, expiresInDays: Number(days) }] })
      setUrl(inv.url ?? null)
      setReload((n) => n + 1)
    } catch (err) {
      setError(err)
    }
  }
  async function remove(id: string) {
    try {
      await api('/api/invites', { method: 'DELETE', body: [id] })
      toast(t.inviteDeleted)
      setReload((n) => n + 1)
    } catch (err) {
      setError(err)
    }
  }
  const roleOptions = ROLES.map((r) => ({ value: r, label: t.roles[r] }))
  return (
    <section aria-labelledby="invite">
      <h2 id="invite">{t.invite}</h2>
      <p class="muted">{t.inviteIntro}</p>
      <ErrorBox error={error} />
      <form class="toolbar" onSubmit={create}>
        <SelectField label={t.role} name="role" value={role} options={roleOptions} onValue={setRole} />
        <TextField label={t.expiresInDays} name="expiresInDays" type="number" value={days} onValue={setDays} inputMode="numeric" />
        <div class="actions">
          <button type="submit" class="primary">
            {t.inviteAction}
          </button>
        </div>
      </form>
      {url && (
        <div role="status">
          <p>{t.inviteCreated}</p>
          <OnceSecret value={url} label={t.inviteLabel} />
        </div>
      )}
      <h3>{t.invites}</h3>
      {invites && invites.length === 0 && <p class="muted">{t.noInvites}</p>}
      {invites && invites.length > 0 && (
        <TableBox label={t.invites}>
          <thead>
            <tr>
              <th scope="col">{t.role}</th>
              <th scope="col">{t.created}</th>
              <th scope="col">{t.expires}</th>
              <th scope="col">{t.actions}</th>
            </tr>
          </thead>
          <tbody>
            {invites.map((i) => (
              <tr key={i.id}>
                <td>{t.roles[i.role] ?? i.role}</td>
                <td class="nowrap">{formatDateTime(i.createdAt)}</td>
                <td class="nowrap">{formatDateTime(i.expiresAt)}</td>
                <td>
                  <button type="button" class="small" onClick={() => remove(i.id)}>
                    {t.cancelInvite}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
    </section>
  )
}

export default function MembersPage() {
  const t = pick(strings)
  const me = getMe()
  const writable = can('membersWrite')
  const [members, setMembers] = useState<Member[] | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [reload, setReload] = useState(0)
  const [removing, setRemoving] = useState<Member | null>(null)
  const [removeError, setRemoveError] = useState<string | undefined>()
  useEffect(() => {
    api<Member[]>('/api/members').then(setMembers).catch(setError)
  }, [reload])

  async function changeRole(m: Member, role: string) {
    setError(null)
    try {
      await api('/api/members', { method: 'PUT', body: [{ userId: m.userId, role }] })
      toast(t.roleChanged)
    } catch (err) {
      setError(err)
    }
    setReload((n) => n + 1)
  }
  async function remove() {
    if (!removing) return
    try {
      await api('/api/members', { method: 'DELETE', body: [removing.userId] })
      toast(t.removed)
      setRemoving(null)
      setReload((n) => n + 1)
    } catch (err) {
      setRemoveError(errorText(err))
    }
  }

  const roleOptions = ROLES.map((r) => ({ value: r, label: t.roles[r] }))
  return (
    <>
      <h1>{t.title}</h1>
      <p class="muted">{t.intro}</p>
      <ErrorBox error={error} />
      {members && (
        <TableBox label={t.title}>
          <thead>
            <tr>
              <th scope="col">{t.name}</th>
              <th scope="col">{t.email}</th>
              <th scope="col">{t.role}</th>
              <th scope="col">{t.joined}</th>
              {writable && <th scope="col">{t.actions}</th>}
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.userId}>
                <td class="wrap">
                  {m.name} {m.userId === me.user?.id && <span class="muted">{t.you}</span>}
                </td>
                <td class="wrap">{m.email}</td>
                <td>
                  {writable ? (
                    <select name="role" aria-label={fill(t.roleOf, { name: m.name || m.email })} value={m.role} onChange={(e) => changeRole(m, e.currentTarget.value)}>
                      {roleOptions.map((o) => (
                        <option key={o.value} value={o.value}>
                          {o.label}
                        </option>
                      ))}
                    </select>
                  ) : (
                    (t.roles[m.role] ?? m.role)
                  )}
                </td>
                <td class="nowrap">{formatDateTime(m.createdAt)}</td>
                {writable && (
                  <td>
                    <button type="button" class="small" onClick={() => (setRemoveError(undefined), setRemoving(m))} aria-label={`${t.remove}: ${m.name || m.email}`}>
                      {t.remove}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </TableBox>
      )}
      {writable && <Invites />}
      <Confirm
        open={removing !== null}
        title={t.removeTitle}
        body={removing ? fill(t.removeBody, { name: removing.name || removing.email }) : ''}
        action={t.removeAction}
        error={removeError}
        onConfirm={remove}
        onClose={() => setRemoving(null)}
      />
    </>
  )
}
