import { describe, expect, test } from 'bun:test'
import { addressBlock, clientIp, isPublicIp, truncateIp } from '../src/clicks/ip'
import { loadConfig } from '../src/config'
import { Lru } from '../src/lru'
import { buildDestination, clickUtm } from '../src/redirect/destination'
import { PasswordGuard } from '../src/redirect/password-guard'

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

  const forwardedFor = (...lines: string[]) => new Request('http://x/', { headers: lines.map((l): [string, string] => ['x-forwarded-for', l]) })
  const SOCKET = '10.0.0.2'

  test('X-Forwarded-For counts only behind a trusted proxy', () => {
    const req = forwardedFor('8.8.8.8')
    expect(clientIp(req, () => SOCKET, 1)).toBe('8.8.8.8')
    expect(clientIp(req, () => SOCKET, 0)).toBe(SOCKET)
    expect(clientIp(new Request('http://x/'), () => '::ffff:127.0.0.1', 1)).toBe('127.0.0.1')
  })

  test.each<[string, string[], number, string]>([
    // The client writes the left part; each of the N trusted proxies appends the address it was reached from.
    ['one proxy: the right-most entry, whatever the client wrote before it', ['81.2.69.160, 203.0.113.9'], 1, '203.0.113.9'],
    ['one proxy: a long spoofed prefix changes nothing', ['1.1.1.1, 8.8.8.8, 81.2.69.160, 203.0.113.9'], 1, '203.0.113.9'],
    ['two proxies: the second entry from the right', ['81.2.69.160, 203.0.113.9, 10.0.0.7'], 2, '203.0.113.9'],
    ['two proxies: spoofed entries further left are ignored', ['6.6.6.6, 81.2.69.160, 203.0.113.9, 10.0.0.7'], 2, '203.0.113.9'],
    ['several header lines count as one list, in order', ['81.2.69.160', '203.0.113.9'], 1, '203.0.113.9'],
    ['several header lines, two proxies', ['81.2.69.160, 203.0.113.9', '10.0.0.7'], 2, '203.0.113.9'],
    ['spaces and empty entries are skipped', ['  81.2.69.160 ,, ,203.0.113.9  , '], 1, '203.0.113.9'],
    ['fewer entries than proxies: the left-most', ['203.0.113.9'], 3, '203.0.113.9'],
    ['fewer entries than proxies, several of them: the left-most', ['203.0.113.9, 10.0.0.7'], 3, '203.0.113.9'],
    ['garbage in the trusted place falls back to the socket, never to an entry further left', ['81.2.69.160, unknown'], 1, SOCKET],
    ['an empty header falls back to the socket', [' , '], 1, SOCKET],
    ['IPv6', ['81.2.69.160, 2001:DB8::1'], 1, '2001:db8::1'],
    ['IPv6 in brackets with a port', ['81.2.69.160, [2001:db8::1]:443'], 1, '2001:db8::1'],
    ['IPv4 with a port', ['81.2.69.160, 203.0.113.9:51234'], 1, '203.0.113.9'],
    ['IPv4-mapped IPv6 is IPv4', ['81.2.69.160, ::ffff:203.0.113.9'], 1, '203.0.113.9'],
    ['IPv4-mapped IPv6 in hexadecimal is IPv4', ['[::ffff:cb00:7109]:80'], 1, '203.0.113.9'],
    ['an IPv6 zone index is no address', ['81.2.69.160, fe80::1%eth0'], 1, SOCKET],
  ])('%s', (_, lines, hops, expected) => {
    expect(clientIp(forwardedFor(...lines), () => SOCKET, hops)).toBe(expected)
  })

  test.each([
    ['203.0.113.9', '203.0.113.9'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['2001:db8:aaaa:bbbb:1:2:3:4', '2001:db8:aaaa:bbbb::/64'],
    ['2001:db8:aaaa:bbbb::ffff', '2001:db8:aaaa:bbbb::/64'],
    ['2001:DB8:AAAA:BBBB:0:0:0:1', '2001:db8:aaaa:bbbb::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    [null, 'unknown'],
    ['not an ip', 'unknown'],
  ])('the brakes count %p as %p', (ip, block) => expect(addressBlock(ip)).toBe(block))
})

describe('password brake', () => {
  test('rotating IPv6 addresses inside one /64 does not reset it; the next /64 and other links are apart', () => {
    const guard = new PasswordGuard()
    const now = Date.now()
    for (let i = 1; i <= 5; i++) {
      expect(guard.blockedFor(`2001:db8:1:2::${i.toString(16)}`, 'link-a', now)).toBe(0)
      guard.fail(`2001:db8:1:2::${i.toString(16)}`, 'link-a', now)
    }
    expect(guard.blockedFor('2001:db8:1:2:ffff:ffff:ffff:ffff', 'link-a', now)).toBe(900)
    expect(guard.blockedFor('2001:db8:1:3::1', 'link-a', now)).toBe(0)
    expect(guard.blockedFor('2001:db8:1:2::1', 'link-b', now)).toBe(0)
    expect(guard.blockedFor('2001:db8:1:2::9', 'link-a', now + 15 * 60_000)).toBe(0)
  })

  test('IPv4 is counted per address, the same whether written plain or IPv4-mapped', () => {
    const guard = new PasswordGuard()
    for (let i = 0; i < 5; i++) guard.fail(i % 2 ? '203.0.113.9' : '::ffff:203.0.113.9', 'link-a')
    expect(guard.blockedFor('203.0.113.9', 'link-a')).toBeGreaterThan(0)
    expect(guard.blockedFor('203.0.113.10', 'link-a')).toBe(0)
    guard.succeed('::ffff:203.0.113.9', 'link-a')
    expect(guard.blockedFor('203.0.113.9', 'link-a')).toBe(0)
  })
})

describe('HOKO_TRUST_PROXY', () => {
  test.each([
    [undefined, 0],
    ['', 0],
    ['0', 0],
    ['false', 0],
    ['1', 1],
    ['true', 1],
    [' 2 ', 2],
    ['10', 10],
  ])('%p means %d trusted proxies', (value, hops) => expect(loadConfig({ HOKO_TRUST_PROXY: value }).trustProxy).toBe(hops))

  test.each(['11', '-1', '1.5', 'yes', '01x'])('%p is refused with one line', (value) => {
    expect(() => loadConfig({ HOKO_TRUST_PROXY: value })).toThrow(
      'invalid configuration: HOKO_TRUST_PROXY must be the number of reverse proxies in front of Hoko, 0 (off) to 10',
    )
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

test('a cleared LRU is empty and fills and evicts as a new one', () => {
  const lru = new Lru<string, number>(2)
  lru.set('a', 1)
  lru.set('b', 2)
  lru.clear()
  expect(lru.size).toBe(0)
  expect(lru.get('a')).toBeUndefined()
  lru.set('c', 3)
  lru.set('d', 4)
  lru.set('e', 5)
  expect([lru.get('c'), lru.get('d'), lru.get('e')]).toEqual([undefined, 4, 5])
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
