// lib/plan/process.ts: ioPriority, scheduler, personality values; sysctl and
// LSM rules. (The integration tests see the same from inside containers;
// AppArmor and SELinux are off on the project's machines, so their "enabled"
// branch is covered here, with fake /sys files.)
import t from 'tap'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { checkSysctls, labelMountData, planLsm, processExtras } from '../../lib/plan/process'
import { PlanFlag } from '../../lib/native/protocol'
import type { Spec } from '../../lib/spec/types'

const spec = (s: Partial<Spec> & { process?: Partial<Spec['process']> }): Spec =>
  ({ ociVersion: '1.2.0', root: { path: 'rootfs' }, ...s, process: { cwd: '/', args: ['sh'], ...(s.process ?? {}) } }) as Spec

const thrown = (fn: () => unknown): { code?: string; pointer?: string; message: string } | undefined => {
  try {
    fn()
  } catch (e) {
    return e as never
  }
  return undefined
}

t.test('ioPriority: (class << 13) | level', async (t) => {
  const x = processExtras(spec({ process: { ioPriority: { class: 'IOPRIO_CLASS_RT', priority: 3 } } as never }))
  t.equal(x.ioprio, (1 << 13) | 3)
  t.ok(x.flags & PlanFlag.HAS_IOPRIO)
  t.equal(thrown(() => processExtras(spec({ process: { ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 8 } } as never })))?.pointer, '/process/ioPriority/priority')
  t.equal(processExtras(spec({})).flags, 0, 'nothing asked, nothing set')
})

t.test('scheduler: policies, flags, deadline rules', async (t) => {
  const x = processExtras(spec({ process: { scheduler: { policy: 'SCHED_DEADLINE', runtime: 10, deadline: 20, period: 30, flags: ['SCHED_FLAG_RESET_ON_FORK'] } } as never }))
  t.same(x.sched, { policy: 6, nice: 0, priority: 0, flags: 1, runtime: 10n, deadline: 20n, period: 30n })
  t.equal(thrown(() => processExtras(spec({ process: { scheduler: { policy: 'SCHED_DEADLINE', runtime: 30, deadline: 20 } } as never })))?.pointer, '/process/scheduler')
  t.equal(thrown(() => processExtras(spec({ process: { scheduler: { policy: 'SCHED_RR', priority: 100 } } as never })))?.pointer, '/process/scheduler/priority')
  t.equal(thrown(() => processExtras(spec({ process: { scheduler: { policy: 'SCHED_OTHER', nice: 20 } } as never })))?.pointer, '/process/scheduler/nice')
  t.equal(thrown(() => processExtras(spec({ process: { scheduler: { policy: 'SCHED_NOPE' } } as never })))?.pointer, '/process/scheduler/policy')
})

t.test('personality: domain only, flags refused', async (t) => {
  t.equal(processExtras(spec({ linux: { personality: { domain: 'LINUX32' } } })).personality, 8)
  const e = thrown(() => processExtras(spec({ linux: { personality: { domain: 'LINUX', flags: ['X'] } } })))
  t.equal(e?.code, 'ENOTSUP')
  t.equal(e?.pointer, '/linux/personality/flags')
})

t.test('sysctls: runc\'s namespace rules', async (t) => {
  const ns = (types: string[]) => types.map((type) => ({ type }))
  const ok = (sysctl: Record<string, string>, types: string[]) => checkSysctls(spec({ linux: { sysctl, namespaces: ns(types) as never } }))
  ok({ 'kernel.shmmax': '1', 'fs.mqueue.msg_max': '10' }, ['ipc', 'mount'])
  ok({ 'net.core.somaxconn': '10' }, ['network', 'mount'])
  ok({ 'kernel.domainname': 'x' }, ['uts', 'mount'])
  const bad = (sysctl: Record<string, string>, types: string[]) => thrown(() => ok(sysctl, types))
  t.equal(bad({ 'kernel.shmmax': '1' }, ['mount'])?.pointer, '/linux/sysctl/kernel.shmmax')
  t.equal(bad({ 'net.core.somaxconn': '1' }, ['mount'])?.pointer, '/linux/sysctl/net.core.somaxconn')
  t.equal(bad({ 'kernel.hostname': 'x' }, ['uts'])?.pointer, '/linux/sysctl/kernel.hostname')
  t.equal(bad({ 'vm.overcommit_memory': '1' }, ['uts', 'ipc', 'network'])?.pointer, '/linux/sysctl/vm.overcommit_memory')
  t.equal(bad({ '../../etc': '1' }, ['ipc'])?.pointer, '/linux/sysctl/../../etc')
  // joining the host's own network namespace by path is the host's namespace
  const host = thrown(() => checkSysctls(spec({ linux: { sysctl: { 'net.core.somaxconn': '1' }, namespaces: [{ type: 'network', path: '/proc/self/ns/net' }] } })))
  t.match(host?.message ?? '', /host's network namespace/)
})

t.test('AppArmor and SELinux: ignored where off (as runc), planned where on', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocits-lsm-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const paths = { apparmorEnabled: path.join(dir, 'aa'), selinuxEnforce: path.join(dir, 'enforce') }
  const label = 'system_u:system_r:container_t:s0:c1,c2'
  const s = spec({ process: { apparmorProfile: 'docker-default', selinuxLabel: label } as never, linux: { mountLabel: 'system_u:object_r:container_file_t:s0' } })
  const none = { apparmorProfile: '', selinuxLabel: '', mountLabel: '' }
  t.same(planLsm(s, paths), none, 'both off: ignored, as runc')
  t.same(planLsm(s), none, 'this host: neither LSM is on (TESTING.md)')
  fs.writeFileSync(paths.apparmorEnabled, 'Y\n')
  t.same(planLsm(s, paths), { ...none, apparmorProfile: 'docker-default' }, 'AppArmor on: the profile goes to the init')
  t.equal(thrown(() => planLsm(spec({ process: { apparmorProfile: 'a b' } as never }), paths))?.pointer, '/process/apparmorProfile')
  fs.writeFileSync(paths.apparmorEnabled, 'N\n')
  fs.writeFileSync(paths.selinuxEnforce, '1')
  t.same(planLsm(s, paths), { apparmorProfile: '', selinuxLabel: label, mountLabel: 'system_u:object_r:container_file_t:s0' }, 'SELinux on: labels planned')
  t.same(planLsm(spec({}), paths), none, 'nothing asked: nothing')
})

t.test('mount data gets context="<mountLabel>" where the filesystem takes it', async (t) => {
  t.equal(labelMountData('tmpfs', 'mode=755,size=65536k', 'l:r:t:s0'), 'mode=755,size=65536k,context="l:r:t:s0"')
  t.equal(labelMountData('mqueue', '', 'l:r:t:s0'), 'context="l:r:t:s0"')
  t.equal(labelMountData('proc', '', 'l:r:t:s0'), '', 'proc takes no context=')
  t.equal(labelMountData('tmpfs', 'mode=755', ''), 'mode=755', 'no label: unchanged')
})

t.test('dropUngrantableCaps: what the runtime lacks is left out with one warning', async (t) => {
  const { dropUngrantableCaps } = await import('../../lib/plan/process');
  const caps = { bounding: (1n << 24n) | (1n << 5n), effective: 1n << 24n, permitted: 1n << 24n, inheritable: 0n, ambient: 0n };
  const w = dropUngrantableCaps(caps, 'Name:\tx\nCapBnd:\t00000000000000ff\n');
  t.same(caps, { bounding: 1n << 5n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n }, 'CAP_SYS_RESOURCE (24) dropped from every set');
  t.match(w, /left out: \[CAP_SYS_RESOURCE\]/, 'named in the warning');
  const all = { bounding: 1n, effective: 1n, permitted: 1n, inheritable: 0n, ambient: 0n };
  t.equal(dropUngrantableCaps(all, 'CapBnd:\t00000000000000ff\n'), undefined, 'nothing to drop: no warning');
});
