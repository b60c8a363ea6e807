import { expect, test } from 'bun:test'
import { removeDir, startServer, UA } from './harness'

test('request logs are JSON lines with no key, password or whole IP address in them', async () => {
  const s = await startServer({ env: { HOKO_LOG: 'debug', HOKO_TRUST_PROXY: '1' }, stderr: 'pipe' })
  try {
    const [col] = await (await s.api('/api/collections', { method: 'POST', json: [{ name: 'logs' }] })).json()
    const [link] = await (await s.api('/api/links', { method: 'POST', json: [{ url: 'https://example.com', collectionId: col.id, password: 'hunter2-secret' }] })).json()
    await s.api('/api/links?take=1', { key: null, headers: { authorization: `Bearer ${s.key}`, 'x-forwarded-for': '203.0.113.77' } })
    await s.api('/api/links', { key: null, headers: { authorization: 'Bearer hk_wrongwrongwrongwrongwrongwrongwrong' } })
    await fetch(`${s.url}/${link.shortId}?utm_source=x`, {
      method: 'POST',
      redirect: 'manual',
      body: 'password=hunter2-secret',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': UA.chromeWindows, 'x-forwarded-for': '198.51.100.23' },
    })
    await s.stop()
    const text = await new Response(s.proc.stderr as ReadableStream).text()
    const lines = text.trim().split('\n').map((l) => JSON.parse(l))
    const requests = lines.filter((l) => l.msg === 'request')
    expect(requests.length).toBeGreaterThanOrEqual(5)
    for (const l of requests) {
      expect(typeof l.time).toBe('string')
      expect(['info', 'debug']).toContain(l.level)
      expect(l).toHaveProperty('method')
      expect(l).toHaveProperty('status')
      expect(l.path).not.toContain('?')
    }
    expect(requests).toContainEqual(expect.objectContaining({ level: 'info', method: 'GET', path: '/api/links', status: 200, ip: '203.0.113.0' }))
    expect(requests).toContainEqual(expect.objectContaining({ level: 'info', path: '/api/links', status: 401 }))
    expect(requests).toContainEqual(expect.objectContaining({ level: 'debug', method: 'POST', path: `/${link.shortId}`, status: 303, ip: '198.51.100.0' }))
    for (const secret of [s.key, 'hk_wrongwrong', 'hunter2-secret', '203.0.113.77', '198.51.100.23', 'utm_source']) expect(text).not.toContain(secret)
  } finally {
    removeDir(s.dir)
  }
})
