import type { ComponentChildren } from 'preact'
import { useEffect } from 'preact/hooks'
import { api } from '../api'
import { lang, pick, setLang, type Bilingual } from '../i18n'
import { NAV, type NavEntry } from '../routes'
import { can, chooseWorkspace, getMe } from '../session'
import { Toasts } from '../components/toast'
import { strings } from './strings'

function isCurrent(entry: NavEntry, path: string) {
  return entry.path === path || (path.startsWith(`${entry.path}/`) && !NAV.some((n) => n !== entry && n.path.startsWith(`${entry.path}/`) && path.startsWith(n.path)))
}

/** Saves the language on this browser (cookie, for the server-rendered pages too) and on the account. */
async function switchLanguage() {
  const next = lang() === 'ar' ? 'en' : 'ar'
  setLang(next)
  if (getMe().user) await api('/api/me', { method: 'PUT', body: { language: next } }).catch(() => undefined)
}

function WorkspaceSwitcher() {
  const t = pick(strings)
  const me = getMe()
  if (me.workspaces.length < 2) return <span class="ws-name">{me.workspace.name}</span>
  return (
    <label class="ws-switch">
      <span class="sr-only">{t.workspace}</span>
      <select
        name="workspace"
        value={me.workspace.id}
        onChange={(e) => {
          chooseWorkspace(e.currentTarget.value)
          // Ids in the address belong to the old workspace: start over at the section's root.
          location.assign(location.pathname.split('/').slice(0, 3).join('/'))
        }}
      >
        {me.workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
      </select>
    </label>
  )
}

const label = (b: Bilingual<string>) => pick(b)

export function Layout(p: { path: string; title: Bilingual<string> | null; children: ComponentChildren }) {
  const t = pick(strings)
  const me = getMe()
  useEffect(() => {
    document.title = p.title ? `${label(p.title)} · Hoko` : 'Hoko'
  })
  const visible = NAV.filter((n) => !n.scope || can(n.scope))
  const main = visible.filter((n) => n.section === 'main')
  const settings = visible.filter((n) => n.section === 'settings')
  return (
    <>
      <a class="skip" href="#main">
        {t.skip}
      </a>
      <header class="top">
        <a class="brand" href="/app/links">
          Hoko
        </a>
        <WorkspaceSwitcher />
        <div class="top-end">
          <button type="button" class="link-button" lang={lang() === 'ar' ? 'en' : 'ar'} title={t.languageLabel} onClick={switchLanguage}>
            {t.language}
          </button>
          {me.user ? (
            <form method="post" action="/logout" class="logout">
              <input type="hidden" name="csrf" value={me.csrfToken ?? ''} />
              <span class="user" title={me.user.email}>
                {me.user.name || me.user.email}
              </span>
              <button type="submit" class="link-button">
                {t.logout}
              </button>
            </form>
          ) : (
            <span class="user">{t.apiKey}</span>
          )}
        </div>
      </header>
      <div class="frame">
        <nav class="side" aria-label={t.nav}>
          <ul>
            {main.map((n) => (
              <li key={n.path}>
                <a href={n.path} aria-current={isCurrent(n, p.path) ? 'page' : undefined}>
                  {label(n.label)}
                </a>
              </li>
            ))}
          </ul>
          {settings.length > 0 && (
            <>
              <h2 class="nav-head">{t.settings}</h2>
              <ul>
                {settings.map((n) => (
                  <li key={n.path}>
                    <a href={n.path} aria-current={isCurrent(n, p.path) ? 'page' : undefined}>
                      {label(n.label)}
                    </a>
                  </li>
                ))}
              </ul>
            </>
          )}
        </nav>
        <main id="main" tabIndex={-1}>
          {p.children}
        </main>
      </div>
      <Toasts />
    </>
  )
}

export function NotFound() {
  const t = pick(strings)
  return (
    <>
      <h1>{t.notFound}</h1>
      <p>
        <a href="/app/links">{t.toLinks}</a>
      </p>
    </>
  )
}

