import * as v from 'valibot'
import { msg } from '../http/validation'

/** Long enough to matter, short enough that hashing cannot be used to burn CPU. */
export const Password = v.pipe(
  v.string(),
  v.minLength(8, msg('must be at least 8 characters long', 'يجب ألا يقل طولها عن 8 أحرف')),
  v.maxLength(256, msg('must be at most 256 characters long', 'يجب ألا يزيد طولها عن 256 حرفًا')),
)

export const hashPassword = (password: string) => Bun.password.hash(password, { algorithm: 'argon2id' })
export const hashPasswordSync = (password: string) => Bun.password.hashSync(password, { algorithm: 'argon2id' })

// An unknown email costs the same argon2id work as a known one, so timing does not tell them apart.
let dummy: string | undefined
export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  if (hash === null) {
    dummy ??= await hashPassword('not the password of anyone')
    await Bun.password.verify(password, dummy)
    return false
  }
  return Bun.password.verify(password, hash)
}

/** Passwords given on the command line or by an admin follow the same rule as the forms'. */
export function passwordProblem(password: string): string | null {
  const r = v.safeParse(Password, password)
  return r.success ? null : r.issues[0].message
}
