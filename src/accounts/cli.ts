import { eq } from 'drizzle-orm'
import * as v from 'valibot'
import type { Data } from '../db/data'
import { findWorkspace } from '../workspaces/service'
import { hashPassword, passwordProblem } from './passwords'
import { isRole, ROLES } from './roles'
import { endSessions } from './sessions'
import { isUniqueViolation } from '../db/unique'
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
export async function createUserFromCli(d: Data, o: { email: string; password: string | undefined; workspace: string; role: string; admin: boolean; name?: string }) {
  const address = email(o.email)
  if (!isRole(o.role)) throw new AccountError(`--role must be one of: ${ROLES.join(', ')}, got "${o.role}"`)
  const role = o.role
  const ws = await findWorkspace(d, o.workspace)
  if (!ws) throw new AccountError(`unknown workspace "${o.workspace}"`)
  const existing = await findUserByEmail(d, address)
  if (!existing && o.password === undefined) throw new AccountError('--password is required for a new user')
  // Hashed before the transaction: nothing but the database is awaited inside one.
  const passwordHash = existing ? null : await hashPassword(password(o.password!))
  const save = () => d.tx(async (tx) => {
    let user = await findUserByEmail(tx, address)
    const created = !user
    if (!user) {
      if (passwordHash === null) throw new AccountError(`user "${address}" was deleted meanwhile; run the command again`)
      user = await insertUser(tx, { email: address, name: o.name?.trim() || address.split('@')[0], passwordHash, isAdmin: o.admin })
    } else if (o.admin && !user.isAdmin) await tx.orm.update(tx.t.users).set({ isAdmin: true, updatedAt: new Date() }).where(eq(tx.t.users.id, user.id))
    await setMembership(tx, user.id, ws.id, role)
    return { id: user.id, email: user.email, workspaceId: ws.id, role, created, name: user.name }
  })
  try {
    return await save()
  } catch (e) {
    if (isUniqueViolation(e)) throw new AccountError(`user "${address}" was created meanwhile; run the command again`)
    throw e
  }
}

export const listUsersForCli = (d: Data) => listUsers(d)

/** `user set-password`: the way back in for a user who forgot it; every session of theirs ends. */
export async function setPasswordFromCli(d: Data, address: string, newPassword: string) {
  const user = await findUserByEmail(d, email(address))
  if (!user) throw new AccountError(`no user with email "${address}"`)
  const passwordHash = await hashPassword(password(newPassword))
  const endedSessions = await d.tx(async (tx) => {
    await tx.orm.update(tx.t.users).set({ passwordHash, updatedAt: new Date() }).where(eq(tx.t.users.id, user.id))
    return endSessions(tx, user.id)
  })
  return { id: user.id, email: user.email, endedSessions }
}
