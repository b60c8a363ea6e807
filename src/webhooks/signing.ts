import { createHmac, randomBytes } from 'node:crypto'

/** Standard Webhooks 1.0: `whsec_` and the base64 of the key; 24 random bytes, as Svix makes them. */
export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`

const keyOf = (secret: string) => Buffer.from(secret.slice('whsec_'.length), 'base64')

/**
 * The webhook-signature header: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` for each
 * secret, space-separated (two while a rotated-out secret is still honoured).
 */
export function signatureHeader(secrets: string[], id: string, timestamp: number, body: string): string {
  return secrets
    .map((s) => `v1,${createHmac('sha256', keyOf(s)).update(`${id}.${timestamp}.${body}`).digest('base64')}`)
    .join(' ')
}
