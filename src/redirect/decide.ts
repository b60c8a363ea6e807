import { createHash, timingSafeEqual } from 'node:crypto'
import type { Visitor } from '../clicks/capture'
import type { CachedLink } from './cache'

/** How the short URL was asked for: a visit, a HEAD probe, or the password form's POST. */
export type RequestMode = 'get' | 'head' | 'form'

/** What the decision reads of a link. */
export type DecidableLink = Pick<
  CachedLink,
  'id' | 'deleted' | 'url' | 'title' | 'expiresAt' | 'expiredUrl' | 'password' | 'ios' | 'android' | 'geo'
>

/** What targeting and the brake read of a visitor. */
export type Audience = Pick<Visitor, 'ip'> & { agent: Pick<Visitor['agent'], 'platform'>; location: Pick<Visitor['location'], 'countryCode'> }

/** The password brake (PasswordGuard), only read here: seconds to wait, 0 when an attempt may be made. */
export type Brake = { blockedFor(ip: string | null, linkId: string, now: number): number }

export type DecisionInput<L extends DecidableLink> = {
  /** The link under the short id; null when there is none. */
  link: L | null
  /** Milliseconds since the epoch. */
  now: number
  mode: RequestMode
  /** The submitted password; read in `form` mode only, where a missing field is the empty password. */
  password?: string
  /**
   * The visitor, asked for only once the link is known to be live: describing one parses the user
   * agent and looks up the country, which a 404 or a 410 need not pay for.
   */
  visitor: () => Audience
  brake: Brake
}

export type Decision<L extends DecidableLink> =
  | { kind: 'notFound' }
  | { kind: 'gone' }
  | { kind: 'needPassword'; title: string | null }
  | { kind: 'wrongPassword'; title: string | null; link: L }
  | { kind: 'tooManyAttempts'; retryAfter: number }
  | {
      kind: 'redirect'
      link: L
      /** The chosen destination, before the link's utm, the short URL's query and the click id. */
      url: string
      /** After a password form, 303 turns the POST into a GET of the destination. */
      status: 302 | 303
      /** HEAD answers where the link goes and records nothing. */
      record: boolean
      /** The right password was given: the brake forgets this visitor's failures. */
      unlocked: boolean
    }

const digest = (s: string) => createHash('sha256').update(s).digest()
const samePassword = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected))

/** The device-specific destination first, then the visitor's country's, then the link's own url. */
function target(link: DecidableLink, { agent, location }: Audience): string {
  if (agent.platform === 'ios' && link.ios) return link.ios
  if (agent.platform === 'android' && link.android) return link.android
  if (location.countryCode && link.geo?.[location.countryCode]) return link.geo[location.countryCode]
  return link.url
}

/**
 * Whether decide() asks the brake about this request: the password form of a live protected link.
 * The redirect asks a brake kept in Redis beforehand (decide() does no I/O) exactly when this says so.
 */
export function asksBrake<L extends DecidableLink>(link: L | null, mode: RequestMode, now: number): link is L {
  return mode === 'form' && link !== null && !link.deleted && link.password !== null && (link.expiresAt === null || link.expiresAt > now)
}

/** Where a visit of a short link goes, or why it goes nowhere. No I/O, no clock of its own. */
export function decide<L extends DecidableLink>(input: DecisionInput<L>): Decision<L> {
  const { link, mode } = input
  if (!link || link.deleted) return { kind: 'notFound' }
  const status = mode === 'form' ? 303 : 302
  const record = mode !== 'head'
  // An expired link's fallback is public: no password, no targeting.
  if (link.expiresAt !== null && link.expiresAt <= input.now)
    return link.expiredUrl ? { kind: 'redirect', link, url: link.expiredUrl, status, record, unlocked: false } : { kind: 'gone' }

  let unlocked = false
  if (link.password !== null) {
    if (mode !== 'form') return { kind: 'needPassword', title: link.title }
    const retryAfter = input.brake.blockedFor(input.visitor().ip, link.id, input.now)
    if (retryAfter > 0) return { kind: 'tooManyAttempts', retryAfter }
    if (!samePassword(input.password ?? '', link.password)) return { kind: 'wrongPassword', title: link.title, link }
    unlocked = true
  }
  return { kind: 'redirect', link, url: target(link, input.visitor()), status, record, unlocked }
}
