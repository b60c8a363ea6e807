import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { expectBilingual, removeDir, startServer, type TestServer } from './harness'

let s: TestServer
beforeAll(async () => {
  s = await startServer({ env: { HOKO_BASE_URL: 'https://go.example.test' } })
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

describe('GET /qrcode', () => {
  test("a link's qrCode URL answers an SVG, without a key, cached for long", async () => {
    const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'q' }] })).json()
    const [link] = await (await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com', collectionId: col.id }] })).json()
    const path = link.qrCode.replace('https://go.example.test', '')
    const res = await fetch(`${s.url}${path}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const svg = await res.text()
    expect(svg).toStartWith('<svg')
    expect(svg).toContain('width="512"')
    expect(svg).toContain('#000000')
    expect(svg).toContain('#FFFFFF')
  })

  test('format=png answers a PNG of the requested size and colours', async () => {
    const res = await fetch(`${s.url}/qrcode?text=${encodeURIComponent('https://go.example.test/abc?qr=1')}&size=300&format=png&foreground=112233&background=FFEEDD&margin=2&errorCorrection=L`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/png')
    const png = new Uint8Array(await res.arrayBuffer())
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const view = new DataView(png.buffer)
    expect(view.getUint32(16)).toBe(300) // IHDR width
    expect(view.getUint32(20)).toBe(300) // IHDR height
  })

  test('defaults are the values of the spec URL', async () => {
    const a = await (await fetch(`${s.url}/qrcode?text=hello`)).text()
    const b = await (await fetch(`${s.url}/qrcode?text=hello&size=512&errorCorrection=H&foreground=000000&background=FFFFFF&margin=1&format=svg`)).text()
    expect(a).toBe(b)
  })

  test.each([
    ['', 'text: is required', 'validation'],
    ['?text=', 'text: must be at least 1 character long', 'validation'],
    [`?text=${'x'.repeat(513)}`, 'text: must be at most 512 characters long', 'validation'],
    ['?text=a&size=63', 'size: must be at least 64', 'validation'],
    ['?text=a&size=2049', 'size: must be at most 2048', 'validation'],
    ['?text=a&size=big', 'size: must be a whole number', 'validation'],
    ['?text=a&errorCorrection=X', 'errorCorrection: must be one of: L, M, Q, H', 'validation'],
    ['?text=a&foreground=red', 'foreground: must be a 6-digit hex colour such as 000000', 'validation'],
    ['?text=a&background=FFF', 'background: must be a 6-digit hex colour such as 000000', 'validation'],
    ['?text=a&margin=17', 'margin: must be at most 16', 'validation'],
    ['?text=a&format=gif', 'format: must be one of: svg, png', 'validation'],
    ['?text=a&format=png&size=1025', 'size: must be at most 1024 for a PNG (an SVG can be larger)', 'validation'],
    ['?text=a&colour=red', 'colour: is not a known field', 'validation'],
    [`?text=${encodeURIComponent('中'.repeat(500))}&errorCorrection=H`, 'text: is too long for a QR code with errorCorrection H', 'qr_text_too_long'],
  ])('%s is a bilingual 400: %s (%s)', async (query, message, code) => {
    const res = await fetch(`${s.url}/qrcode${query}`)
    expect(res.status).toBe(400)
    expect(res.headers.get('x-hoko-error')).toBe(code)
    expect(expectBilingual(await res.json()).en).toBe(message)
  })

  test('text too long for the level names its own code; the body is the bilingual message alone', async () => {
    const res = await fetch(`${s.url}/qrcode?text=${encodeURIComponent('中'.repeat(500))}&errorCorrection=H`)
    expect(res.status).toBe(400)
    expect(res.headers.get('x-hoko-error')).toBe('qr_text_too_long')
    expect(await res.json()).toEqual({
      error: {
        en: 'text: is too long for a QR code with errorCorrection H',
        ar: 'text: أطول من أن يتسع له رمز QR بمستوى تصحيح الأخطاء H',
      },
    })
  })

  test('the largest PNG and the longest text are drawn; an SVG may still be 2048 wide', async () => {
    const text = encodeURIComponent('https://go.example.test/'.padEnd(512, 'x'))
    const png = await fetch(`${s.url}/qrcode?text=${text}&size=1024&format=png&errorCorrection=H`)
    expect(png.status).toBe(200)
    expect(png.headers.get('content-type')).toBe('image/png')
    expect(new DataView(await png.arrayBuffer()).getUint32(16)).toBe(1024)
    const svg = await fetch(`${s.url}/qrcode?text=${text}&size=2048`)
    expect(svg.status).toBe(200)
    expect(await svg.text()).toContain('width="2048"')
  })

  test('the same parameters give the same bytes, drawn at once or one after another', async () => {
    const url = `${s.url}/qrcode?text=${encodeURIComponent('https://go.example.test/same?qr=1')}&size=700&format=png`
    const together = await Promise.all(Array.from({ length: 6 }, () => fetch(url)))
    const images = await Promise.all(together.map(async (r) => Buffer.from(await r.arrayBuffer()).toString('base64')))
    const later = Buffer.from(await (await fetch(url)).arrayBuffer()).toString('base64')
    for (const r of together) {
      expect(r.status).toBe(200)
      expect(r.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    }
    expect(new Set([...images, later]).size).toBe(1)
  })
})
