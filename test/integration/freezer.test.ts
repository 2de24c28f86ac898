// A frozen cgroup at the two ends of a container's life, as runc 1.1:
// `delete --force` of a paused container kills and removes it (the init is
// thawed after SIGKILL: a frozen v1 task does not die otherwise), and
// `create` in a cgroup that is already frozen (by itself or an ancestor)
// refuses at once ("container's cgroup unexpectedly frozen") and leaves that
// cgroup alone. On this host's v1 freezer with real containers (and runc side
// by side), and on the v2 cgroup.freeze code path on the host's real cgroup2
// mount (/sys/fs/cgroup/unified), as cgroups-v2-real.test.ts does it.
import t from 'tap'
import type { Test } from 'tap'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { spawn } from 'node:child_process'
import { newManager } from '../../lib/cgroups'
import { del } from '../../lib/runtime/delete'
import { statusOf } from '../../lib/runtime/status'
import { procInfo } from '../../lib/state/proc'
import { Store, type StoredState } from '../../lib/state/store'
import { assertNoTrace, CGROUP_ROOT, diag, isRunc, makeBundle, procAlive, runtime, traceOf, waitFor, waitForStatus, withReference } from '../helpers'

const freezerV1 = path.join(CGROUP_ROOT, 'freezer')
const NO_V1 = fs.existsSync(path.join(freezerV1, 'freezer.state')) || fs.existsSync(path.join(freezerV1, 'cgroup.procs')) ? false : 'no v1 freezer hierarchy on this host'


t.test('delete --force of a paused container (v1 freezer)', { skip: NO_V1 }, async (t) => {
  for (const [name, bin] of withReference()) {
    const r = runtime(t, bin ? { bin } : {})
    const b = makeBundle(t, ['sh', '-c', 'sleep 1000 & sleep 1000'])
    const run = await r.rt(['run', '-d', '--bundle', b.dir, b.id])
    t.equal(run.code, 0, `${name}: run -d`, diag(run))
    const p = await r.rt(['pause', b.id])
    t.equal(p.code, 0, `${name}: pause`, diag(p))
    await waitForStatus(r, b.id, 'paused')
    const d = await r.rt(['delete', '--force', b.id])
    t.equal(d.code, 0, `${name}: delete --force of the paused container`, diag(d))
    t.equal(d.stderr, '', `${name}: no error`)
    await assertNoTrace(t, traceOf(r.root, b), `${name}`)
  }
})

t.test('create in a frozen cgroup fails at once (v1 freezer), leaving that cgroup alone', { skip: NO_V1 }, async (t) => {
  for (const [name, bin] of withReference()) {
    const r = runtime(t, bin ? { bin } : {})
    const b = makeBundle(t)
    const dir = path.join(freezerV1, b.cgroupsPath)
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'freezer.state'), 'FROZEN')
    t.ok(await waitFor(() => fs.readFileSync(path.join(dir, 'freezer.state'), 'utf8').trim() === 'FROZEN'), `${name}: the cgroup is frozen`)
    for (const cmd of ['create', 'run']) {
      const res = await r.rt(cmd === 'run' ? ['run', '-d', '--bundle', b.dir, b.id] : ['create', '--bundle', b.dir, b.id])
      t.equal(res.code, 1, `${name} ${cmd}: fails`, diag(res))
      t.match(res.stderr, /container's cgroup unexpectedly frozen/, `${name} ${cmd}: runc's words`)
      t.notOk(fs.existsSync(path.join(r.root, b.id)), `${name} ${cmd}: no state dir`)
    }
    t.ok(fs.existsSync(dir), `${name}: the frozen cgroup is still there`)
    t.equal(fs.readFileSync(path.join(dir, 'freezer.state'), 'utf8').trim(), 'FROZEN', `${name}: and still frozen`)
  }
})

t.test("create below a frozen cgroup fails at once and removes the cgroup it made (ocits; runc checks only the container's own)", { skip: NO_V1 || (isRunc() ? 'runc does not check the ancestors' : false) }, async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c, bb) => (c.linux.cgroupsPath = `${bb.cgroupsPath}/child`))
  const parent = path.join(freezerV1, b.cgroupsPath)
  fs.mkdirSync(parent, { recursive: true })
  fs.writeFileSync(path.join(parent, 'freezer.state'), 'FROZEN')
  const res = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(res.code, 1, 'create fails', diag(res))
  t.match(res.stderr, /container's cgroup unexpectedly frozen/, 'frozen through its parent')
  t.notOk(fs.existsSync(path.join(parent, 'child')), 'the cgroup create made is removed again')
  t.notOk(fs.existsSync(path.join(r.root, b.id)), 'no state dir')
})

// ---------------------------------------------------------------- the v2 code path, for real

const V2_ROOT = '/sys/fs/cgroup/unified'
const v2line = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === V2_ROOT && l.includes(' - cgroup2 '))
const NO_V2 = process.getuid?.() !== 0 ? 'needs root' : !v2line ? `no cgroup2 mounted at ${V2_ROOT}` : false

function v2Manager(t: Test, rel: string) {
  const m = newManager({ id: 'x', cgroupsPath: rel, root: V2_ROOT, mountinfo: `${v2line}\n` })
  t.teardown(() => {
    try {
      fs.writeFileSync(path.join(m.paths.unified, 'cgroup.freeze'), '0')
    } catch {
      /* gone */
    }
    try {
      m.destroy()
    } catch {
      /* asserted in the test */
    }
  })
  return m
}

const v2Path = (what: string) => `/ocits-test/v2-${what}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`

t.test('v2: freezing() of a frozen cgroup, of one below a frozen parent, of a thawed one', { skip: NO_V2 }, async (t) => {
  const parentRel = v2Path('parent')
  const parent = v2Manager(t, parentRel)
  const child = v2Manager(t, `${parentRel}/child`)
  t.notOk(child.freezing(), 'a cgroup that does not exist is not frozen')
  parent.create()
  t.notOk(parent.freezing(), 'a new cgroup is not frozen')
  parent.freeze()
  t.ok(parent.freezing(), 'cgroup.freeze 1: frozen')
  child.create()
  t.ok(child.freezing(), 'a new cgroup below a frozen one is frozen (cgroup.events)')
  parent.thaw()
  t.notOk(child.freezing(), 'thawed again')
  child.destroy()
  parent.destroy()
})

t.test('v2: delete --force of a paused container (cgroup.freeze) kills, thaws and removes it', { skip: NO_V2 }, async (t) => {
  const m = v2Manager(t, v2Path('paused'))
  m.create()
  const proc = spawn('sh', ['-c', 'while :; do sleep 0.05; done'], { stdio: 'ignore' })
  t.teardown(() => proc.kill('SIGKILL'))
  const pid = proc.pid!
  m.addPid(pid)
  m.freeze()
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-root-'))
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }))
  const store = new Store(root)
  const id = `v2paused-${process.pid}`
  store.claim(id)
  const s: StoredState = {
    ociVersion: '1.2.0',
    id,
    pid,
    initStartTime: procInfo(pid)!.startTime,
    bundle: root,
    rootfs: root,
    created: new Date().toISOString(),
    owner: '',
    systemdCgroup: false,
    newPidNs: false,
    cgroup: m.toJSON(),
  }
  store.write(s)
  t.equal(statusOf(s, store.dir(id)), 'paused', 'the container is paused (v2: cgroup.events frozen 1)')
  t.doesNotThrow(() => del(root, id, true), 'delete --force succeeds')
  t.ok(await waitFor(() => !procAlive(pid), { timeout: 2000 }), 'the process is gone')
  t.notOk(fs.existsSync(m.paths.unified), 'the cgroup is removed')
  t.notOk(fs.existsSync(store.dir(id)), 'the state is removed')
})
