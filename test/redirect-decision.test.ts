import { describe, expect, test } from 'bun:test'
import { asksBrake, type Audience, type DecidableLink, decide, type DecisionInput } from '../src/redirect/decide'

const NOW = Date.UTC(2026, 0, 15, 12)

const link = (fields: Partial<DecidableLink> = {}): DecidableLink => ({
  id: 'lnk_1',
  deleted: false,
  url: 'https://example.com/landing',
  title: 'Spring sale',
  expiresAt: null,
  expiredUrl: null,
  password: null,
  ios: null,
  android: null,
  geo: null,
  ...fields,
})

const IP = '203.0.113.7'
const desktop: Audience = { ip: IP, agent: { platform: null }, location: { countryCode: null } }
const iphone = (countryCode: string | null = null): Audience => ({ ip: IP, agent: { platform: 'ios' }, location: { countryCode } })
const androidPhone: Audience = { ip: IP, agent: { platform: 'android' }, location: { countryCode: null } }
const inCountry = (countryCode: string): Audience => ({ ip: IP, agent: { platform: null }, location: { countryCode } })

/** A decision with the brake released and a desktop visitor unless the case says otherwise. */
const input = (fields: Partial<DecisionInput<DecidableLink>>): DecisionInput<DecidableLink> => ({
  link: link(),
  now: NOW,
  mode: 'get',
  visitor: () => desktop,
  brake: { blockedFor: () => 0 },
  ...fields,
})

const targeted = link({
  ios: 'https://apps.example.com/ios',
  android: 'https://apps.example.com/android',
  geo: { SA: 'https://sa.example.com/', GB: 'https://uk.example.com/' },
})
const expiring = { expiresAt: NOW - 1 }
const secret = { password: 'open sesame' }

describe('the redirect decision', () => {
  const cases: [string, Partial<DecisionInput<DecidableLink>>, Record<string, unknown>][] = [
    ['no link under the short id is not found', { link: null }, { kind: 'notFound' }],
    ['a deleted link is not found', { link: link({ deleted: true }) }, { kind: 'notFound' }],
    ['a plain link redirects to its url with 302', {}, { kind: 'redirect', url: 'https://example.com/landing', status: 302, record: true, unlocked: false }],
    ['HEAD redirects with 302 and records nothing', { mode: 'head' }, { kind: 'redirect', status: 302, record: false }],
    ['a form POST redirects with 303', { mode: 'form' }, { kind: 'redirect', status: 303, record: true, unlocked: false }],

    ['an iPhone goes to the ios destination', { link: targeted, visitor: () => iphone() }, { kind: 'redirect', url: 'https://apps.example.com/ios' }],
    ['an Android phone goes to the android destination', { link: targeted, visitor: () => androidPhone }, { kind: 'redirect', url: 'https://apps.example.com/android' }],
    ['the device wins over the country', { link: targeted, visitor: () => iphone('SA') }, { kind: 'redirect', url: 'https://apps.example.com/ios' }],
    ['a visitor from a targeted country goes to its destination', { link: targeted, visitor: () => inCountry('GB') }, { kind: 'redirect', url: 'https://uk.example.com/' }],
    ['a visitor from another country goes to the url', { link: targeted, visitor: () => inCountry('FR') }, { kind: 'redirect', url: 'https://example.com/landing' }],
    ['a visitor without a country goes to the url', { link: targeted }, { kind: 'redirect', url: 'https://example.com/landing' }],
    ['an iPhone goes to the url when the link has no ios destination', { visitor: () => iphone('SA') }, { kind: 'redirect', url: 'https://example.com/landing' }],

    ['an expired link without expiredUrl is gone', { link: link(expiring) }, { kind: 'gone' }],
    ['a link expiring exactly now is gone', { link: link({ expiresAt: NOW }) }, { kind: 'gone' }],
    ['a link expiring later redirects', { link: link({ expiresAt: NOW + 1 }) }, { kind: 'redirect', url: 'https://example.com/landing' }],
    [
      'an expired link with expiredUrl redirects there, without targeting',
      { link: link({ ...targeted, ...expiring, expiredUrl: 'https://example.com/over' }), visitor: () => iphone('SA') },
      { kind: 'redirect', url: 'https://example.com/over', status: 302, record: true, unlocked: false },
    ],
    [
      'an expired protected link with expiredUrl asks no password',
      { link: link({ ...secret, ...expiring, expiredUrl: 'https://example.com/over' }) },
      { kind: 'redirect', url: 'https://example.com/over', status: 302 },
    ],
    ['an expired protected link without expiredUrl is gone', { link: link({ ...secret, ...expiring }), mode: 'form', password: 'open sesame' }, { kind: 'gone' }],

    ['a protected link asks for its password', { link: link(secret) }, { kind: 'needPassword', title: 'Spring sale' }],
    ['a protected link asks for its password on HEAD too', { link: link(secret), mode: 'head' }, { kind: 'needPassword', title: 'Spring sale' }],
    ['the password page has no title when the link has none', { link: link({ ...secret, title: null }) }, { kind: 'needPassword', title: null }],
    [
      'the right password redirects with 303 and unlocks',
      { link: link({ ...targeted, ...secret }), mode: 'form', password: 'open sesame', visitor: () => inCountry('SA') },
      { kind: 'redirect', url: 'https://sa.example.com/', status: 303, record: true, unlocked: true },
    ],
    ['a wrong password is refused', { link: link(secret), mode: 'form', password: 'open sesame ' }, { kind: 'wrongPassword', title: 'Spring sale' }],
    ['a form without a password is a wrong password', { link: link(secret), mode: 'form' }, { kind: 'wrongPassword' }],
    ['a password on a GET is not read', { link: link(secret), mode: 'get', password: 'open sesame' }, { kind: 'needPassword' }],
    ['while the brake holds, even the right password waits', { link: link(secret), mode: 'form', password: 'open sesame', brake: { blockedFor: () => 42 } }, { kind: 'tooManyAttempts', retryAfter: 42 }],
    ['the brake is not asked about a link without password', { mode: 'form', brake: { blockedFor: () => 42 } }, { kind: 'redirect', status: 303 }],
  ]

  for (const [name, fields, expected] of cases)
    test(name, () => {
      expect(decide(input(fields))).toMatchObject(expected)
    })

  test('a redirect and a wrong password carry the link they are about', () => {
    const l = link(secret)
    expect(decide(input({ link: l, mode: 'form', password: 'open sesame' }))).toMatchObject({ kind: 'redirect', link: l })
    expect(decide(input({ link: l, mode: 'form', password: 'nope' }))).toMatchObject({ kind: 'wrongPassword', link: l })
  })

  test('the brake is asked about this visitor, this link, at this time', () => {
    const asked: unknown[][] = []
    decide(input({ link: link(secret), mode: 'form', password: 'x', brake: { blockedFor: (...args) => (asked.push(args), 0) } }))
    expect(asked).toEqual([[IP, 'lnk_1', NOW]])
  })

  test('asksBrake says exactly when decide asks the brake (the redirect asks a shared brake beforehand)', () => {
    const links = [null, link(), link(secret), link({ ...secret, deleted: true }), link({ ...secret, ...expiring }), link({ ...secret, expiresAt: NOW + 1 })]
    for (const l of links)
      for (const mode of ['get', 'head', 'form'] as const)
        for (const password of ['open sesame', 'nope']) {
          let asked = false
          decide(input({ link: l, mode, password, brake: { blockedFor: () => ((asked = true), 0) } }))
          expect([l, mode, asksBrake(l, mode, NOW)]).toEqual([l, mode, asked])
        }
  })

  test('the visitor is not described for a link that is not found, gone, or asking for its password', () => {
    const described: string[] = []
    const visitor = () => (described.push('asked'), desktop)
    for (const fields of [{ link: null }, { link: link({ deleted: true }) }, { link: link(expiring) }, { link: link(secret) }])
      decide(input({ ...fields, visitor }))
    expect(described).toEqual([])
    decide(input({ visitor }))
    expect(described).toEqual(['asked'])
  })
})
