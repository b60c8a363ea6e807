import { afterAll, beforeAll, expect, test } from 'bun:test'
import { expectBilingual, removeDir, startServer, type TestServer } from './harness'

let s: TestServer
beforeAll(async () => {
  s = await startServer({ env: { HOKO_IDLE_TIMEOUT: '1' } })
})
afterAll(async () => {
  await s.stop()
  removeDir(s.dir)
})

test('a URL over 8,192 characters is a bilingual 414, on the API and on short links', async () => {
  for (const path of [`/api/links?externalId=${'x'.repeat(9000)}`, `/abc?q=${'x'.repeat(9000)}`]) {
    const res = await s.api(path)
    expect(res.status).toBe(414)
    expect(expectBilingual(await res.json()).en).toBe('The URL is longer than 8192 characters')
  }
})

test('oversized headers are refused by the HTTP server (431)', async () => {
  const res = await fetch(`${s.url}/healthz`, { headers: { 'x-big': 'x'.repeat(100_000) } })
  expect(res.status).toBe(431)
})

test('a stalled client is disconnected (HOKO_IDLE_TIMEOUT) and blocks no one meanwhile', async () => {
  let closed = false
  const port = Number(new URL(s.url).port)
  const socket = await Bun.connect({
    hostname: '127.0.0.1',
    port,
    socket: {
      data() {},
      close() {
        closed = true
      },
    },
  })
  socket.write('POST /api/links HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n[{"url":')
  // Others are served while it stalls.
  for (let i = 0; i < 5; i++) expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
  for (let i = 0; i < 200 && !closed; i++) await Bun.sleep(50)
  expect(closed).toBe(true)
})
