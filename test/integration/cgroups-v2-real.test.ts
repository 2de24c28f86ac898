// The cgroup v2 code paths on a real cgroup2 hierarchy. This host is hybrid
// (TESTING.md): its cgroup2 is mounted at /sys/fs/cgroup/unified. A manager
// told that this mount is the whole hierarchy (root /sys/fs/cgroup/unified,
// mode v2) runs the pure-v2 code for real: create, place, pids, freeze, thaw,
// stats, kill (cgroup.kill), destroy; it leaves nothing behind.
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { newManager, type CgroupManager } from '../../lib/cgroups'

const ROOT = '/sys/fs/cgroup/unified'
const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === ROOT && l.includes(' - cgroup2 '))
const skip = process.getuid?.() !== 0 ? 'needs root' : !line ? `no cgroup2 mounted at ${ROOT}` : false

function manager(t: Test): CgroupManager {
  const m = newManager({ id: 'x', cgroupsPath: `/ocits-test/v2-${process.pid}-${Math.random().toString(36).slice(2, 8)}`, root: ROOT, mountinfo: `${line}\n` })
  t.teardown(() => {
    try {
      m.destroy()
    } catch {
      /* asserted below */
    }
  })
  return m
}
type Test = Parameters<Parameters<typeof t.test>[1]>[0]

t.test('v2 manager on the real unified hierarchy', { skip }, async (t) => {
  const m = manager(t)
  t.equal(m.mode, 'v2', 'pure v2 mode')
  const dir = m.paths.unified
  t.ok(dir?.startsWith(`${ROOT}/ocits-test/`), 'the container dir is in the unified hierarchy')
  m.create()
  t.ok(existsSync(join(dir, 'cgroup.procs')), 'created')
  const child = spawn('sh', ['-c', 'while :; do sleep 0.05; done'], { stdio: 'ignore' })
  const exited = new Promise((ok) => child.on('exit', ok))
  t.teardown(() => child.kill('SIGKILL'))
  m.addPid(child.pid!)
  t.ok(m.pids().includes(child.pid!), 'pids() lists the process')
  t.match(readFileSync(`/proc/${child.pid}/cgroup`, 'utf8'), new RegExp(`^0::/ocits-test/`, 'm'), 'the process is in it (0:: line)')

  m.freeze()
  t.match(readFileSync(join(dir, 'cgroup.events'), 'utf8'), /^frozen 1$/m, 'cgroup.events: frozen 1')
  const state = () => readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1][0]
  // the kernel parks each task on its way out of the CPU: give a loaded machine a moment
  for (let i = 0; i < 40 && state() === 'R'; i++) await new Promise((ok) => setTimeout(ok, 25))
  t.not(state(), 'R', 'a frozen process does not run')
  m.thaw()
  t.match(readFileSync(join(dir, 'cgroup.events'), 'utf8'), /^frozen 0$/m, 'cgroup.events: frozen 0 after thaw')

  const s = m.stats() as unknown as Record<string, unknown>
  t.ok(s && typeof s === 'object', 'stats() reads the v2 files')

  m.killAll(9)
  await exited
  t.pass('killAll(9) killed the process (cgroup.kill)')
  m.destroy()
  t.notOk(existsSync(dir), 'destroy removed the dir')
  t.notOk(existsSync(join(ROOT, 'ocits-test', 'v2-' + process.pid)), 'and nothing else of ours is left')
})

t.test('v2 manager: exec --cgroup places a process in an existing sub-cgroup', { skip }, async (t) => {
  const m = manager(t)
  m.create()
  const { mkdirSync } = await import('node:fs')
  const { subCgroupDirs } = await import('../../lib/cgroups/paths')
  mkdirSync(join(m.paths.unified, 'sub'))
  const child = spawn('sh', ['-c', 'while :; do sleep 0.05; done'], { stdio: 'ignore' })
  const exited = new Promise((ok) => child.on('exit', ok))
  t.teardown(() => child.kill('SIGKILL'))
  m.addPid(child.pid!, subCgroupDirs(m.paths, ['sub']))
  t.match(readFileSync(`/proc/${child.pid}/cgroup`, 'utf8'), /^0::\/ocits-test\/v2-[^/]+\/sub$/m, 'the process is in the sub-cgroup')
  t.ok(m.pids().includes(child.pid!), 'and counted as the container\'s')
  m.killAll(9)
  await exited
  m.destroy()
  t.notOk(existsSync(m.paths.unified), 'destroy removes the sub-cgroup too')
})
