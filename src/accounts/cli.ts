import { eq } from 'drizzle-orm'
import * as v from 'valibot'
import type { Db } from '../db'
import { users } from '../db/schema'
import { findWorkspace } from '../workspaces/service'
import { hashPasswordSync, passwordProblem } from './passwords'
import { isRole, ROLES } from './roles'
import { endSessions } from './sessions'
import { AccountError, Email, findUserByEmail, insertUser, listUsers, setMembership } from './users'

function email(value: string): string {
  const r = v.safeParse(Email, value)
  if (!r.success) throw new AccountError(`--email must be a valid email address, got "${value}"`)
  return r.output
}

function password(value: string): string {
  const problem = passwordProblem(value)
  if (problem) throw new AccountError(`--password ${problem}`)
  return value
}

/** `user create`: a new user, or a new or changed membership of an existing one. */
export function createUserFromCli(db: Db, o: { email: string; password: string | undefined; workspace: string; role: string; admin: boolean; name?: string }) {
  const address = email(o.email)
  if (!isRole(o.role)) throw new AccountError(`--role must be one of: ${ROLES.join(', ')}, got "${o.role}"`)
  const role = o.role
  const ws = findWorkspace(db, o.workspace)
  if (!ws) throw new AccountError(`unknown workspace "${o.workspace}"`)
  const existing = findUserByEmail(db, address)
  if (!existing && o.password === undefined) throw new AccountError('--password is required for a new user')
  const passwordHash = existing ? null : hashPasswordSync(password(o.password!))
  return db.transaction(
    () => {
      let user = findUserByEmail(db, address)
      const created = !user
      if (!user) user = insertUser(db, { email: address, name: o.name?.trim() || address.split('@')[0], passwordHash: passwordHash!, isAdmin: o.admin })
      else if (o.admin && !user.isAdmin) db.update(users).set({ isAdmin: true, updatedAt: new Date() }).where(eq(users.id, user.id)).run()
      setMembership(db, user.id, ws.id, role)
      return { id: user.id, email: user.email, workspaceId: ws.id, role, created, name: user.name }
    },
    { behavior: 'immediate' },
  )
}

export const listUsersForCli = (db: Db) => listUsers(db)

/** `user set-password`: the way back in for a user who forgot it; every session of theirs ends. */
export function setPasswordFromCli(db: Db, address: string, newPassword: string) {
  const user = findUserByEmail(db, email(address))
  if (!user) throw new AccountError(`no user with email "${address}"`)
  const passwordHash = hashPasswordSync(password(newPassword))
  const endedSessions = db.transaction(() => {
    db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, user.id)).run()
    return endSessions(db, user.id)
  })
  return { id: user.id, email: user.email, endedSessions }
}
