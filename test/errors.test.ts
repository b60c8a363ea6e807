import { describe, expect, test } from 'bun:test'
import { errorBody, HokoError } from '../src/http/errors'

/**
 * The compile-time contract of the error table: `npx tsc --noEmit -p .` (the first step of `npm test`)
 * fails as soon as one of the lines marked @ts-expect-error compiles. Never called: some would throw.
 */
export function typeContract() {
  // @ts-expect-error a code with params needs them
  new HokoError('not_found')
  // @ts-expect-error a param is missing
  new HokoError('not_found', { method: 'GET' })
  // @ts-expect-error a param has the wrong type
  new HokoError('too_deep', { max: '32' })
  // @ts-expect-error the params of another code
  new HokoError('click_not_found', { path: 'links[0]', value: 'x', firstPath: 'links[1]' })
  // @ts-expect-error a fixed-text code takes no params
  new HokoError('end_before_start', { en: 'x', ar: 'y' })
  // @ts-expect-error a fixed-text code takes no params, even where extra fields follow
  new HokoError('rate_limited', { retryAfter: 1 }, { retryAfter: 1 })
  // @ts-expect-error not a code of the table
  new HokoError('no_such_code')
  // These compile: fixed text with or without extra fields, params with extra fields.
  new HokoError('internal')
  new HokoError('rate_limited', undefined, { retryAfter: 1 })
  new HokoError('missing_features', { features: ['x'] }, { missingFeatures: ['x'] })
}

describe('HokoError', () => {
  test('builds the status, code and both messages from the typed params', () => {
    const e = new HokoError('duplicate_value', { path: 'tags[1]', value: 'abc', firstPath: 'tags[0]' })
    expect(e).toBeInstanceOf(HokoError)
    expect([e.status, e.code, e.message]).toEqual([400, 'duplicate_value', e.en])
    expect(errorBody(e)).toEqual({
      error: {
        en: 'tags[1]: abc appears more than once in this request (first at tags[0])',
        ar: 'tags[1]: القيمة abc مكررة في هذا الطلب (أول ظهور في tags[0])',
      },
    })
  })

  test('an optional param changes the text only when given', () => {
    const bare = new HokoError('sale_unattributable', { customerExternalId: 'c1' })
    const named = new HokoError('sale_unattributable', { customerExternalId: 'c1', leadEventName: 'Sign up' })
    expect(bare.en).toBe('Cannot attribute this sale: customer c1 has no lead, and no clickId was sent')
    expect(named.en).toBe('Cannot attribute this sale: customer c1 has no lead named "Sign up", no lead, and no clickId was sent')
  })

  test('extra fields sit beside the error in the body', () => {
    const e = new HokoError('rate_limited', undefined, { retryAfter: 7 })
    expect([e.status, e.code]).toEqual([429, 'rate_limited'])
    expect(errorBody(e)).toEqual({ error: { en: 'Rate limit exceeded', ar: 'تم تجاوز حد المعدل' }, retryAfter: 7 })
  })
})
