import { api, configureApi } from './api'

export type Role = 'owner' | 'member' | 'viewer'
export type WorkspaceRef = { id: string; slug: string; name: string; role: Role | null }
export type Me = {
  user: { id: string; email: string; name: string; isAdmin: boolean; language: 'en' | 'ar' | null } | null
  workspace: WorkspaceRef
  workspaces: WorkspaceRef[]
  scopes: string[]
  csrfToken: string | null
  /** The host of HOKO_BASE_URL: links on no domain of their own answer there. */
  baseHost: string
}

let me: Me | null = null

const WS_KEY = 'hoko_workspace'

/** Who is signed in, for which workspace (the one chosen last on this browser, if still a member). */
export async function loadMe(): Promise<Me> {
  const saved = localStorage.getItem(WS_KEY)
  configureApi({ workspace: saved })
  try {
    me = await api<Me>('/api/me')
  } catch (e) {
    if (!saved) throw e
    // No longer a member of the remembered workspace: fall back to the default one.
    localStorage.removeItem(WS_KEY)
    configureApi({ workspace: null })
    me = await api<Me>('/api/me')
  }
  configureApi({ csrfToken: me.csrfToken, workspace: me.workspace.id })
  return me
}

export function chooseWorkspace(id: string) {
  localStorage.setItem(WS_KEY, id)
}

export const getMe = (): Me => {
  if (!me) throw new Error('loadMe() first')
  return me
}

/** Whether the session's role grants a scope: write controls are shown only when it does. */
export const can = (scope: string): boolean => me?.scopes.includes(scope) ?? false
