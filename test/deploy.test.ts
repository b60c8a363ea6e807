import { afterAll, describe, expect, test } from 'bun:test'
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, removeDir, ROOT } from './harness'

const UNIT = join(ROOT, 'deploy/hoko.service')
const unitText = await Bun.file(UNIT).text()
const hasAnalyze = Bun.which('systemd-analyze') !== null && existsSync('/usr/lib/systemd/system')
const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

/** The unit's settings, `Key=value` lines of any section (repeated keys keep every value). */
function settings(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line)
    if (m) out.set(m[1], [...(out.get(m[1]) ?? []), m[2]])
  }
  return out
}
const unit = settings(unitText)
const execStart = unit.get('ExecStart')![0].split(' ')[0]

/**
 * A throwaway root with systemd's own units (copied: symlinks into the real tree loop), the unit
 * under test, and a stub where ExecStart points (verify checks that the command is executable).
 */
function fakeRoot(unitBody: string, withBinary = true): string {
  const root = mkdtempSync(join(tmpdir(), 'hoko-unit-'))
  dirs.push(root)
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true })
  mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true })
  cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true })
  writeFileSync(join(root, 'etc/systemd/system/hoko.service'), unitBody)
  if (withBinary) {
    mkdirSync(join(root, execStart, '..'), { recursive: true })
    writeFileSync(join(root, execStart), '#!/bin/sh\n')
    chmodSync(join(root, execStart), 0o755)
  }
  return root
}
const verify = (root: string) => Bun.spawnSync(['systemd-analyze', 'verify', '--man=no', `--root=${root}`, 'hoko.service'], { stdout: 'pipe', stderr: 'pipe' })

describe('deploy/hoko.service', () => {
  test('runs the compiled binary as a dedicated user, with its database in the state directory', () => {
    expect(unit.get('ExecStart')).toEqual(['/usr/local/bin/hoko serve'])
    expect(unit.get('User')).toEqual(['hoko'])
    expect(unit.get('StateDirectory')).toEqual(['hoko'])
    expect(unit.get('Environment')).toContain('HOKO_DB=/var/lib/hoko/hoko.db')
    expect(unit.get('Restart')).toEqual(['on-failure'])
    expect(unit.get('KillSignal')).toEqual(['SIGTERM'])
    expect(Number(unit.get('TimeoutStopSec')![0])).toBeGreaterThanOrEqual(10)
    for (const [key, value] of [
      ['ProtectSystem', 'strict'],
      ['NoNewPrivileges', 'yes'],
      ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX'],
      ['SystemCallArchitectures', 'native'],
    ])
      expect(unit.get(key)).toEqual([value])
    expect(unit.get('SystemCallFilter')).toContain('@system-service')
    // JavaScriptCore's JIT needs writable, then executable memory.
    expect(unit.has('MemoryDenyWriteExecute')).toBe(false)
  })

  test.skipIf(!hasAnalyze)('systemd-analyze verify is clean', () => {
    const r = verify(fakeRoot(unitText))
    expect({ code: r.exitCode, stderr: r.stderr.toString() }).toEqual({ code: 0, stderr: '' })
    // The check can fail: the same unit without its binary is refused.
    const missing = verify(fakeRoot(unitText, false))
    expect(missing.exitCode).not.toBe(0)
    expect(missing.stderr.toString()).toContain('is not executable')
    const typo = verify(fakeRoot(unitText.replace('ProtectSystem=strict', 'ProtectSystem=strict\nProtectSytem=full')))
    expect(typo.stderr.toString()).toContain("Unknown key 'ProtectSytem'")
  })

  test.skipIf(!hasAnalyze)('systemd-analyze security rates it OK or better', () => {
    const text = Bun.spawnSync(['systemd-analyze', 'security', '--offline=true', '--no-pager', UNIT], { stdout: 'pipe' }).stdout.toString()
    const overall = /Overall exposure level for hoko\.service: ([\d.]+) (\w+)/.exec(text)
    expect(overall).not.toBeNull()
    // systemd's words, best first: PERFECT, SAFE, OK, MEDIUM, EXPOSED, UNSAFE.
    expect(['PERFECT', 'SAFE', 'OK']).toContain(overall![2])
    // The README states the score measured.
    expect(readme.includes(`exposure level ${overall![1]} ${overall![2]}`)).toBe(true)
  })
})

const readme = await Bun.file(join(ROOT, 'README.md')).text()

test('hoko version prints the package version, as text or JSON', async () => {
  const { version } = await Bun.file(join(ROOT, 'package.json')).json()
  const dir = mkdtempSync(join(tmpdir(), 'hoko-version-'))
  dirs.push(dir)
  const db = join(dir, 'hoko.db')
  expect(cli(db, ['version'])).toEqual({ code: 0, stdout: `hoko ${version}\n`, stderr: '' })
  const json = cli(db, ['version', '--json'])
  expect(JSON.parse(json.stdout)).toEqual({ version })
  // It opens no database.
  expect(existsSync(db)).toBe(false)
})
