// The devices cgroup on the real host: the v1 devices.list of a container
// (compared with runc's for the same config), device access seen from inside
// (allowed, EPERM), config errors leaving nothing behind, and the v2 eBPF
// program attached for real to a test cgroup under the unified hierarchy.
import t from 'tap'
import type { Test } from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawnSync } from 'node:child_process'
import { assertNoTrace, CGROUP_ROOT, diag, firstLine, isOcits, makeBundle, runtime, type Mutate } from '../helpers'
import { bpfInput, buildDeviceRules } from '../../lib/cgroups/devices'
import { native } from '../../lib/native'
import type { Spec } from '../../lib/spec/types'

const RUNC = '/usr/sbin/runc'
const DEVICES_V1 = path.join(CGROUP_ROOT, 'devices')
const UNIFIED = path.join(CGROUP_ROOT, 'unified')
const hasV1 = fs.existsSync(path.join(DEVICES_V1, 'devices.list'))
const hasUnified = fs.existsSync(path.join(UNIFIED, 'cgroup.procs'))
const withRunc = isOcits() && fs.existsSync(RUNC)

/** devices.list of a created (not started) container. */
async function devicesList(t: Test, mutate: Mutate, bin?: string): Promise<string> {
  const r = runtime(t, bin ? { bin } : {})
  const b = makeBundle(t, mutate)
  const c = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(c.code, 0, `${bin ?? 'runtime'}: created`, diag(c))
  const list = fs.readFileSync(path.join(DEVICES_V1, b.cgroupsPath, 'devices.list'), 'utf8')
  const d = await r.rt(['delete', '--force', b.id])
  t.equal(d.code, 0, 'deleted', diag(d))
  return list
}

/** Lines "name=ok" / "name=<error>" for each open the script tries. */
const probe = (opens: Record<string, string>) =>
  Object.entries(opens)
    .map(([name, redir]) => `if err=$( (: ${redir}) 2>&1 ); then echo ${name}=ok; else echo "${name}=$err"; fi`)
    .join('; ')

async function inside(t: Test, opens: Record<string, string>, mutate: Mutate, bin?: string): Promise<Record<string, string>> {
  const r = runtime(t, bin ? { bin } : {})
  const b = makeBundle(t, (c, bb) => {
    c.process.args = ['sh', '-c', probe(opens)]
    mutate(c, bb)
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, `${bin ?? 'runtime'}: the container ran`, diag(res))
  await assertNoTrace(t, { root: r.root, id: b.id, bundle: b.dir, cgroupsPath: b.cgroupsPath, mark: b.mark })
  const out: Record<string, string> = {}
  for (const l of res.stdout.split('\n')) {
    const i = l.indexOf('=')
    if (i > 0) out[l.slice(0, i)] = /Operation not permitted/.test(l) ? 'EPERM' : l.slice(i + 1)
  }
  return out
}

const KMSG2 = { path: '/dev/kmsg2', type: 'c', major: 1, minor: 11, fileMode: 0o666 }

t.test('v1: devices.list of the default spec equals runc', { skip: !hasV1 && 'no v1 devices hierarchy' }, async (t) => {
  const mutate: Mutate = () => {}
  const ours = await devicesList(t, mutate)
  t.match(ours, /^b \*:\* m\nc \*:\* m\nc 1:3 rwm\n/, 'deny-all, then the defaults')
  t.notMatch(ours, /^a /m, 'not allow-all')
  if (withRunc) t.equal(ours, await devicesList(t, mutate, RUNC), 'same devices.list as runc')
})

t.test('v1: devices.list with config rules equals runc', { skip: !hasV1 && 'no v1 devices hierarchy' }, async (t) => {
  const cases: Record<string, Mutate> = {
    'allow c 1:11 rw, deny c 1:7': (c) => {
      c.linux.resources.devices.push({ allow: true, type: 'c', major: 1, minor: 11, access: 'rw' }, { allow: false, type: 'c', major: 1, minor: 7, access: 'rwm' })
    },
    '/dev/full in linux.devices, deny c 1:7': (c) => {
      c.linux.devices = [{ path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666 }]
      c.linux.resources.devices.push({ allow: false, type: 'c', major: 1, minor: 7, access: 'rwm' })
    },
    'allow all, deny c 1:5 r': (c) => {
      c.linux.resources.devices = [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 5, access: 'r' }]
    },
    'no rules at all': (c) => {
      delete c.linux.resources.devices
    },
  }
  for (const [name, mutate] of Object.entries(cases)) {
    const ours = await devicesList(t, mutate)
    if (withRunc) t.equal(ours, await devicesList(t, mutate, RUNC), `${name}: same devices.list as runc`)
    else t.ok(ours.length > 0, `${name}: a list`)
  }
})

t.test('v1: device access from inside the container', { skip: !hasV1 && 'no v1 devices hierarchy' }, async (t) => {
  const opens = {
    null: '</dev/null',
    nullw: '>/dev/null',
    zero: '</dev/zero',
    urandom: '</dev/urandom',
    full: '>/dev/full',
    kmsg2: '</dev/kmsg2',
  }
  const def: Mutate = (c) => (c.linux.devices = [KMSG2])
  const s = await inside(t, opens, def)
  t.same(s, { null: 'ok', nullw: 'ok', zero: 'ok', urandom: 'ok', full: 'ok', kmsg2: 'EPERM' }, 'defaults allowed, a made node c 1:11 denied')
  if (withRunc) t.same(await inside(t, opens, def, RUNC), s, 'same as runc')

  // /dev/zero and /dev/full redefined by path: their default rules are dropped (runc)
  const redefined: Mutate = (c) => {
    c.linux.devices = [KMSG2, { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666 }, { path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666 }]
    c.linux.resources.devices.push({ allow: true, type: 'c', major: 1, minor: 7, access: 'w' })
  }
  const ropens = { ...opens, zerow: '>/dev/zero', fullr: '</dev/full' }
  const a = await inside(t, ropens, redefined)
  t.same(a, { null: 'ok', nullw: 'ok', zero: 'EPERM', urandom: 'ok', full: 'ok', kmsg2: 'EPERM', zerow: 'EPERM', fullr: 'EPERM' }, 'no rule for c 1:5: denied; allow c 1:7 w: write only')
  if (withRunc) t.same(await inside(t, ropens, redefined, RUNC), a, 'same as runc')
})

t.test('config errors leave nothing behind', async (t) => {
  const cases: Record<string, [Mutate, RegExp]> = {
    'empty access': [(c) => c.linux.resources.devices.push({ allow: true, type: 'c', major: 1, minor: 3, access: '' }), /access/],
    'hole in a wildcard': [
      (c) => c.linux.resources.devices.push({ allow: true, type: 'c', access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 11, access: 'r' }),
      /cannot punch hole/,
    ],
  }
  for (const [name, [mutate, re]] of Object.entries(cases)) {
    const r = runtime(t)
    const b = makeBundle(t, mutate)
    const c = await r.rt(['create', '--bundle', b.dir, b.id])
    t.not(c.code, 0, `${name}: create fails`)
    if (isOcits()) t.match(firstLine(c), re, `${name}: ${firstLine(c)}`)
    await assertNoTrace(t, { root: r.root, id: b.id, bundle: b.dir, cgroupsPath: b.cgroupsPath, mark: b.mark }, name)
    if (withRunc) {
      const rr = runtime(t, { bin: RUNC })
      const rb = makeBundle(t, mutate)
      const rc = await rr.rt(['create', '--bundle', rb.dir, rb.id])
      t.not(rc.code, 0, `${name}: runc refuses it too`)
    }
  }
})

/** Open each device from a process placed in cgroup dir; "ok" or the error. */
function opensIn(dir: string, devs: string[]): Record<string, string> {
  const script = `echo $$ > ${dir}/cgroup.procs || exit 9; ` + probe(Object.fromEntries(devs.map((d) => [path.basename(d), `<${d}`])))
  const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' })
  const out: Record<string, string> = {}
  for (const l of r.stdout.split('\n')) {
    const i = l.indexOf('=')
    if (i > 0) out[l.slice(0, i)] = /Operation not permitted/.test(l) ? 'EPERM' : l.slice(i + 1)
  }
  if (r.status !== 0) out.status = String(r.status)
  return out
}

t.test('v2: the eBPF device program attached to a real cgroup2 dir', { skip: !hasUnified && 'no cgroup2 hierarchy' }, async (t) => {
  const n = native()
  const dir = path.join(UNIFIED, `ocits-test-devices-${process.pid}`)
  fs.mkdirSync(dir)
  const fds: number[] = []
  t.teardown(() => {
    for (const fd of fds) {
      try {
        n.devicesDetach(dir, fd)
      } catch {
        /* already detached */
      }
      n.close(fd)
    }
    fs.rmdirSync(dir)
  })
  const devs = ['/dev/null', '/dev/zero', '/dev/urandom', '/dev/kmsg']
  t.same(opensIn(dir, devs), { null: 'ok', zero: 'ok', urandom: 'ok', kmsg: 'ok' }, 'no program: everything opens')

  // deny all, allow c 1:3 only: the rules of a config, without runc's defaults
  const spec = { ociVersion: '1.0.2', linux: { resources: { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }] } } } as unknown as Spec
  const only = bpfInput(buildDeviceRules(spec)).rules.filter((r) => r.major === 1 && r.minor === 3)
  const fd = n.devicesAttach(dir, n.devicesProgram({ defaultAllow: false, rules: only }))
  fds.push(fd)
  t.ok(fd > 2, 'program loaded and attached')
  t.same(opensIn(dir, devs), { null: 'ok', zero: 'EPERM', urandom: 'EPERM', kmsg: 'EPERM' }, '/dev/null allowed, the rest EPERM')
  n.devicesDetach(dir, fd)
  n.close(fds.pop()!)
  t.same(opensIn(dir, devs), { null: 'ok', zero: 'ok', urandom: 'ok', kmsg: 'ok' }, 'detached: everything opens again')

  // the full default spec: runc's defaults allowed, c 1:11 (kmsg) denied
  const def = n.devicesAttach(dir, n.devicesProgram(bpfInput(buildDeviceRules({ ociVersion: '1.0.2', linux: { resources: { devices: [{ allow: false, access: 'rwm' }] } } } as unknown as Spec))))
  fds.push(def)
  t.same(opensIn(dir, devs), { null: 'ok', zero: 'ok', urandom: 'ok', kmsg: 'EPERM' }, 'default spec: the standard devices open, /dev/kmsg does not')

  // a black-list: allow all, deny c 1:11 (runc's defaults follow and allow c 1:5 again)
  n.devicesDetach(dir, def)
  n.close(fds.pop()!)
  const bl = n.devicesAttach(dir, n.devicesProgram(bpfInput(buildDeviceRules({ ociVersion: '1.0.2', linux: { resources: { devices: [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 11, access: 'rwm' }] } } } as unknown as Spec))))
  fds.push(bl)
  t.same(opensIn(dir, devs), { null: 'ok', zero: 'ok', urandom: 'ok', kmsg: 'EPERM' }, 'black-list: only /dev/kmsg denied')
})
