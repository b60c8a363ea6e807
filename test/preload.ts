import { afterAll } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { closeTestDatabases } from './harness'
import { checkResponses } from './openapi.check'

/**
 * Loaded before every test file (bunfig.toml): the harness records each /api answer to this file,
 * and after the last file every one of them is held against /openapi.json.
 */
// The readers of s.rows() and the private PostgreSQL of HOKO_TEST_ENGINE=pg, opened on first use by the harness.
afterAll(() => closeTestDatabases())

if (!process.env.HOKO_TEST_RESPONSE_LOG) {
  const dir = mkdtempSync(join(tmpdir(), 'hoko-responses-'))
  process.env.HOKO_TEST_RESPONSE_LOG = join(dir, 'responses.jsonl')
  afterAll(async () => {
    const file = process.env.HOKO_TEST_RESPONSE_LOG!
    try {
      if (existsSync(file)) await checkResponses(file)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}
