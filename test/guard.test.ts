import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { removeDir, startServer, type TestServer } from './harness'

/** One raw HTTP/1.1 request, so that the Host header and the path are sent exactly as written. */
async function raw(port: number, method: string, path: string, host: string | null, headers: string[] = [], body = ''): Promise<{ status: number; text: string }> {
  const lines = [`${method} ${path} HTTP/1.1`, ...(host === null ? [] : [`Host: ${host}`]), ...headers, 'Connection: close', '', body]
  const chunks: Uint8Array[] = []
  const { promise, resolve, reject } = Promise.withResolvers<void>()
  const socket = await Bun.connect({
    hostname: '127.0.0.1',
    port,
    socket: {
      data: (_s, d) => void chunks.push(new Uint8Array(d)),
      close: () => resolve(),
      error: (_s, e) => reject(e),
    },
  })
  socket.write(lines.join('\r\n'))
  socket.flush()
  await Promise.race([promise, Bun.sleep(5000)])
  socket.end()
  const text = Buffer.concat(chunks).toString('latin1')
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)
  return { status, text }
}

let s: TestServer
let port: number
let stderr = ''
beforeAll(async () => {
  s = await startServer({ stderr: 'pipe' })
  port = Number(new URL(s.url).port)
  ;(async () => {
    for await (const chunk of s.proc.stderr as ReadableStream<Uint8Array>) stderr += new TextDecoder().decode(chunk)
  })()
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

const HOSTS = ['a', 'ab', 'abc', '', 'a:1', 'localhost', `127.0.0.1:${'0'}`, 'x'.repeat(3000), '[::1]']
const PATHS = ['/bcd/api/links', '/b/api/links', '/bc/api/links', '/api/links', '//api/links', '/x/y/api/links?take=1', '/./api/links', '/%61pi/links', '/api//links', '/api/links/', '/api']

describe('the API guard and the router agree on every path', () => {
  test('no Host or path variant reaches an /api handler without a key, and none is a 5xx', async () => {
    for (const host of HOSTS)
      for (const path of PATHS)
        for (const method of ['GET', 'POST', 'DELETE']) {
          const headers = method === 'GET' ? [] : ['Content-Type: application/json', 'Content-Length: 2']
          const r = await raw(port, method, path, host, headers, method === 'GET' ? '' : '[]')
          const where = `${method} Host=${host.slice(0, 20)} ${path}`
          expect({ where, status: r.status < 500 && r.status > 0 }).toEqual({ where, status: true })
          // Without a key an API handler answers nothing but 401 or 404 (or 400 for a request Bun refuses).
          expect({ where, ok: r.status !== 200 && r.status !== 201 }).toEqual({ where, ok: true })
        }
  })

  test('a short Host shifting the router\'s path is a 404, with a key too', async () => {
    const r = await raw(port, 'GET', '/bcd/api/links', 'a', [`Authorization: Bearer ${s.key}`])
    expect(r.status).toBe(404)
  })

  test('with a key, the real path still works on any ordinary Host', async () => {
    for (const host of ['localhost', 'abcd', `127.0.0.1:${port}`, 'example.com:8080']) {
      const r = await raw(port, 'GET', '/api/links', host, [`Authorization: Bearer ${s.key}`])
      expect({ host, status: r.status }).toEqual({ host, status: 200 })
    }
  })

  test('nothing above was logged as an error', async () => {
    await Bun.sleep(100)
    expect(stderr).not.toContain('"level":"error"')
    expect(stderr).not.toContain('unhandled')
  })
})
