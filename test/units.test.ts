import { describe, expect, test } from 'bun:test'
import { clientIp, isPublicIp, truncateIp } from '../src/clicks/ip'
import { Lru } from '../src/lru'
import { buildDestination, clickUtm } from '../src/redirect/destination'

describe('IP addresses', () => {
  test.each([
    ['203.0.113.77', '203.0.113.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:db8::1', '2001:db8:0::'],
    ['::1', '0:0:0::'],
    ['not an ip', null],
  ])('%s is stored as %s', (ip, stored) => expect(truncateIp(ip)).toBe(stored))

  test.each([
    ['8.8.8.8', true],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['172.32.0.1', true],
    ['192.168.1.1', false],
    ['127.0.0.1', false],
    ['169.254.1.1', false],
    ['100.64.0.1', false],
    ['::1', false],
    ['fd00::1', false],
    ['fe80::1', false],
    ['2001:4860:4860::8888', true],
  ])('%s is public: %p', (ip, expected) => expect(isPublicIp(ip)).toBe(expected))

  test('X-Forwarded-For counts only behind a trusted proxy', () => {
    const req = new Request('http://x/', { headers: { 'x-forwarded-for': '8.8.8.8, 10.0.0.2' } })
    expect(clientIp(req, () => '10.0.0.2', true)).toBe('8.8.8.8')
    expect(clientIp(req, () => '10.0.0.2', false)).toBe('10.0.0.2')
    expect(clientIp(new Request('http://x/', { headers: { 'x-forwarded-for': 'garbage' } }), () => '::ffff:127.0.0.1', true)).toBe('127.0.0.1')
  })
})

describe('destination', () => {
  test('keeps the destination, adds missing utm, lets the short URL override, sets hoko_id last', () => {
    const url = buildDestination(
      'https://shop.example/p?utm_source=site&a=1#top',
      { source: 'google', medium: 'cpc' },
      new URLSearchParams('a=2&a=3&qr=1&b=x'),
      'click-1',
    )
    expect(url).toBe('https://shop.example/p?utm_source=site&utm_medium=cpc&a=2&a=3&b=x&hoko_id=click-1#top')
  })

  test("the click's utm overlays the link's with the short URL's, ref → referral", () => {
    expect(clickUtm({ source: 'a' }, new URLSearchParams('utm_source=b&ref=c'))).toEqual({ source: 'b', referral: 'c' })
    expect(clickUtm({ source: 'a' }, new URLSearchParams('x=1'))).toEqual({ source: 'a' })
    expect(clickUtm(null, null)).toBeNull()
  })
})

test('the LRU drops the least recently used entry', () => {
  const lru = new Lru<string, number>(2)
  lru.set('a', 1)
  lru.set('b', 2)
  lru.get('a')
  lru.set('c', 3)
  expect(lru.get('b')).toBeUndefined()
  expect(lru.get('a')).toBe(1)
  expect(lru.size).toBe(2)
})

test('a weighed LRU keeps its total weight (bytes) under its capacity and refuses a value heavier than all of it', () => {
  const lru = new Lru<string, Uint8Array>(100, (bytes) => bytes.byteLength)
  lru.set('a', new Uint8Array(40))
  lru.set('b', new Uint8Array(40))
  lru.get('a')
  lru.set('c', new Uint8Array(40))
  expect(lru.get('b')).toBeUndefined()
  expect(lru.weight).toBe(80)
  lru.set('a', new Uint8Array(10))
  expect(lru.weight).toBe(50)
  lru.set('huge', new Uint8Array(101))
  expect(lru.get('huge')).toBeUndefined()
  expect(lru.weight).toBe(50)
  lru.delete('c')
  expect([lru.size, lru.weight]).toEqual([1, 10])
})
