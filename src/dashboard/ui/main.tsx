import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { ErrorBox } from './components/errors'
import { lang, onLangChange, pick } from './i18n'
import { Layout, NotFound } from './layout'
import { strings } from './layout/strings'
import { interceptLinks, match, navigate, useLocation } from './router'
import { ROUTES } from './routes'
import { loadMe } from './session'
import './styles.css'

export { navigate }

function Page() {
  const { path, search } = useLocation()
  useEffect(() => {
    if (path === '/app' || path === '/app/') navigate('/app/links', { replace: true })
  }, [path])
  if (path === '/app' || path === '/app/') return null
  for (const r of ROUTES) {
    const params = match(r.path, path)
    if (params)
      return (
        <Layout path={path} title={r.label}>
          <r.page key={`${r.path}:${JSON.stringify(params)}`} params={params} search={search} />
        </Layout>
      )
  }
  return (
    <Layout path={path} title={null}>
      <NotFound />
    </Layout>
  )
}

function App() {
  const [state, setState] = useState<'loading' | 'ready' | { error: unknown }>('loading')
  const [, setLangTick] = useState(lang())
  useEffect(() => onLangChange(setLangTick), [])
  useEffect(() => {
    loadMe()
      .then(() => setState('ready'))
      .catch((error) => setState({ error }))
  }, [])
  if (state === 'loading') return <p class="loading">…</p>
  if (state !== 'ready') {
    const t = pick(strings)
    return (
      <main id="main" class="fatal">
        <h1>{t.loadFailed}</h1>
        <ErrorBox error={state.error} />
        <button type="button" onClick={() => location.reload()}>
          {t.retry}
        </button>
      </main>
    )
  }
  return <Page />
}

// /app is the links page; say so in the address before anything renders.
if (/^\/app\/?$/.test(location.pathname)) history.replaceState(null, '', `/app/links${location.search}`)
const root = document.getElementById('app')!
interceptLinks(root)
render(<App />, root)
