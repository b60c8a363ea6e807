import { isIP } from 'node:net'
import { domainToASCII } from 'node:url'
import * as v from 'valibot'
import { msg } from '../http/validation'

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/

/**
 * A hostname as Hoko stores and compares it: lower-case, internationalised names as punycode, no
 * trailing dot. Null when `raw` is anything else: a scheme, port, path or user-info, an IP address,
 * a name without a dot, or longer than 253 characters.
 */
export function normalizeHostname(raw: string): string | null {
  if (raw.length === 0 || raw.length > 1024 || /[\s/:@?#\\[\]%]/.test(raw)) return null
  const ascii = domainToASCII(raw.toLowerCase().replace(/\.$/, ''))
  if (!ascii || ascii.length > 253 || isIP(ascii) !== 0) return null
  const labels = ascii.split('.')
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null
  // An all-digit last label reads as an IPv4 address in URLs (http://1.2.3/ is 1.2.0.3).
  if (/^\d+$/.test(labels[labels.length - 1])) return null
  return ascii
}

export const Hostname = v.pipe(
  v.string(),
  v.transform((s) => normalizeHostname(s.trim()) ?? ''),
  v.check(
    (s) => s !== '',
    msg(
      'must be a hostname such as go.example.com: no scheme, port or path, at least one dot, not an IP address, at most 253 characters',
      'يجب أن يكون اسم مضيف مثل go.example.com: بلا بروتوكول أو منفذ أو مسار، وفيه نقطة واحدة على الأقل، وليس عنوان IP، وبحد أقصى 253 حرفًا',
    ),
  ),
)

/**
 * A host a link or a filter names: the base host (which may be `localhost`) or a domain's name,
 * compared in the form domains are stored in. Whether it is one is the service's to say.
 */
export const HostName = v.pipe(
  v.string(),
  v.maxLength(1024),
  v.transform((s) => {
    const t = s.trim().toLowerCase().replace(/\.$/, '')
    return domainToASCII(t) || t
  }),
)
