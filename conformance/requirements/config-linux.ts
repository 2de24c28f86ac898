// config-linux.md (and runtime-linux.md's /dev symlinks): namespaces, id
// mappings, devices, cgroups, sysctl, seccomp, propagation, masked and
// readonly paths, personality, observed from inside and from the host.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { CheckFailure, CheckSkip, expect, expectEqual, readFile, sections, type Ctx } from '../harness'
import { isCgroup2Only, nsLink, parseMountinfo, procCgroupDir, procCgroupPath, readOr, waitFor } from '../host'
import { APPLY, type Requirement } from '../requirement'

const S = 'config-linux.md' as const
const NS_FILES: Record<string, string> = { pid: 'pid', network: 'net', ipc: 'ipc', uts: 'uts', mount: 'mnt', cgroup: 'cgroup', user: 'user', time: 'time' }

/** A script printing `name=<link>` for every namespace file of the container process. */
const NS_SCRIPT = 'for n in pid net ipc uts mnt cgroup user time; do echo "$n=$(readlink /proc/self/ns/$n)"; done'

function parseKv(out: string): Record<string, string> {
  const r: Record<string, string> = {}
  for (const l of out.split('\n')) {
    const i = l.indexOf('=')
    if (i > 0) r[l.slice(0, i)] = l.slice(i + 1)
  }
  return r
}

async function createFails(c: Ctx, mutate: Parameters<Ctx['bundle']>[1], what: string): Promise<void> {
  const b = c.bundle(['true'], mutate)
  const r = await c.create(b)
  expect(r.code !== 0, `${what}: create succeeded`, { stderr: readFile(b.errFile) })
  expect((await c.state(b.id)) === undefined, `${what}: a container was left behind`)
}

/** A helper process in new net, uts and ipc namespaces; returns its pid. */
async function nsHolder(c: Ctx): Promise<number> {
  const h = c.spawnHelper('unshare', ['--net', '--uts', '--ipc', 'sleep', '1000'])
  const pid = h.pid ?? 0
  const ok = await waitFor(() => nsLink(pid, 'net') !== '' && nsLink(pid, 'net') !== nsLink('self', 'net'), 10000)
  if (!ok) throw new CheckFailure('could not start a helper process in new namespaces (unshare)')
  return pid
}

/** A created container; its pid and cgroup dir for a controller. */
async function createdCgroup(c: Ctx, mutate: Parameters<Ctx['bundle']>[1]) {
  const b = c.bundle(['sleep', '1000'], mutate)
  await c.mustCreate(b)
  const pid = (await c.state(b.id))?.pid as number
  const dir = (ctrl: string) => {
    const d = procCgroupDir(pid, ctrl)
    if (!d) throw new CheckFailure(`no ${ctrl || 'unified'} cgroup for the container process`, { cgroup: readOr(`/proc/${pid}/cgroup`) })
    return d
  }
  const file = (ctrl: string, f: string) => readOr(path.join(dir(ctrl), f)).trim()
  return { b, pid, dir, file }
}

const userns = (cfg: any) => {
  cfg.linux.namespaces.push({ type: 'user' })
  cfg.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]
  cfg.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]
}

export const configLinuxRequirements: Requirement[] = [
  {
    id: 'cfgl.default-filesystems',
    spec: S,
    section: 'Default Filesystems',
    level: 'SHOULD',
    text: 'The following filesystems SHOULD be made available in each container\'s filesystem: /proc proc, /sys sysfs, /dev/pts devpts, /dev/shm tmpfs',
    how: 'inside: with runc\'s default mounts, mountinfo has /proc (proc), /sys (sysfs), /dev/pts (devpts), /dev/shm (tmpfs)',
    async check(c) {
      const mi = parseMountinfo(await c.inside('cat /proc/self/mountinfo'))
      for (const [p, t] of [['/proc', 'proc'], ['/sys', 'sysfs'], ['/dev/pts', 'devpts'], ['/dev/shm', 'tmpfs']]) {
        expect(mi.some((m) => m.mountpoint === p && m.fstype === t), `${p} (${t}) is not mounted`)
      }
    },
  },
  {
    id: 'cfgl.namespaces.new',
    spec: S,
    section: 'Namespaces',
    level: 'MUST',
    text: 'If path is not specified, the runtime MUST create a new container namespace of type type.',
    how: 'inside: with pid, network, ipc, uts, mount and cgroup namespaces listed without path, each /proc/self/ns link differs from the host\'s',
    async check(c) {
      const ns = parseKv(await c.inside(NS_SCRIPT, (cfg) => cfg.linux.namespaces.push({ type: 'cgroup' })))
      for (const t of ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']) {
        const f = NS_FILES[t]
        expect(ns[f] && ns[f] !== nsLink('self', f), `${t}: not a new namespace (${ns[f]})`)
      }
    },
  },
  {
    id: 'cfgl.namespaces.types-supported',
    spec: S,
    section: 'Namespaces',
    level: 'SHOULD',
    text: 'type (string, REQUIRED) - namespace type. The following namespace types SHOULD be supported: pid, network, mount, ipc, uts, user, cgroup, time',
    how: 'inside: one container with all eight types (user with a 0 -> 100000 mapping) runs, and each /proc/self/ns link differs from the host\'s',
    async check(c) {
      const ns = parseKv(
        await c.inside(NS_SCRIPT, (cfg) => {
          userns(cfg)
          cfg.linux.namespaces.push({ type: 'cgroup' }, { type: 'time' })
        }),
      )
      for (const f of ['pid', 'net', 'mnt', 'ipc', 'uts', 'user', 'cgroup', 'time']) {
        expect(ns[f] && ns[f] !== nsLink('self', f), `${f}: not a new namespace (${ns[f]})`)
      }
    },
  },
  {
    id: 'cfgl.namespaces.inherit',
    spec: S,
    section: 'Namespaces',
    level: 'MUST',
    text: 'If a namespace type is not specified in the namespaces array, the container MUST inherit the runtime namespace of that type.',
    how: 'inside: with only mount and pid namespaces listed, the network, ipc, uts, cgroup and user namespaces are the host\'s',
    async check(c) {
      const ns = parseKv(
        await c.inside(NS_SCRIPT, (cfg) => {
          cfg.linux.namespaces = [{ type: 'mount' }, { type: 'pid' }]
          delete cfg.hostname
          cfg.mounts = cfg.mounts.filter((m: { type: string }) => m.type !== 'sysfs' && m.type !== 'cgroup' && m.type !== 'mqueue')
        }),
      )
      for (const f of ['net', 'ipc', 'uts', 'cgroup', 'user']) expectEqual(ns[f], nsLink('self', f), `${f} namespace`)
    },
  },
  {
    id: 'cfgl.namespaces.path',
    spec: S,
    section: 'Namespaces',
    level: 'MUST',
    text: 'The runtime MUST place the container process in the namespace associated with that path.',
    how: 'inside: network, uts and ipc namespaces given by /proc/<helper>/ns/* paths are the ones the container sees',
    async check(c) {
      const holder = await nsHolder(c)
      const ns = parseKv(
        await c.inside(NS_SCRIPT, (cfg) => {
          delete cfg.hostname
          cfg.linux.namespaces = cfg.linux.namespaces.map((n: { type: string }) =>
            ['network', 'uts', 'ipc'].includes(n.type) ? { type: n.type, path: `/proc/${holder}/ns/${NS_FILES[n.type]}` } : n,
          )
        }),
      )
      for (const f of ['net', 'uts', 'ipc']) expectEqual(ns[f], nsLink(holder, f), `${f} namespace`)
    },
  },
  {
    id: 'cfgl.namespaces.path-wrong-type',
    spec: S,
    section: 'Namespaces',
    level: 'MUST',
    text: 'The runtime MUST generate an error if path is not associated with a namespace of type type.',
    how: 'outside: a network namespace whose path is a uts namespace (/proc/<helper>/ns/uts) makes create fail',
    async check(c) {
      const holder = await nsHolder(c)
      await createFails(
        c,
        (cfg) => {
          cfg.linux.namespaces = cfg.linux.namespaces.map((n: { type: string }) =>
            n.type === 'network' ? { type: 'network', path: `/proc/${holder}/ns/uts` } : n,
          )
        },
        'network namespace path of a uts namespace',
      )
    },
  },
  {
    id: 'cfgl.namespaces.duplicate',
    spec: S,
    section: 'Namespaces',
    level: 'MUST',
    text: 'If a namespaces field contains duplicated namespaces with same type, the runtime MUST generate an error.',
    how: 'outside: two network entries make create fail',
    async check(c) {
      await createFails(c, (cfg) => cfg.linux.namespaces.push({ type: 'network' }), 'duplicate network namespace')
    },
  },
  {
    id: 'cfgl.namespaces.time',
    spec: S,
    section: 'Namespaces / Offset for Time Namespace',
    level: 'MUST',
    text: 'If path is not specified, the runtime MUST create a new container namespace of type type. (type time: "the container will be able to have its own clocks"; timeOffsets "sets the offset for Time Namespace")',
    how: 'inside: with a time namespace and a boottime offset of 10^6 s, /proc/self/ns/time differs from the host\'s and /proc/uptime is at least 10^6 s above the host\'s',
    async check(c) {
      if (!nsLink('self', 'time')) throw new CheckSkip('this kernel has no time namespaces')
      const out = await c.inside(`${NS_SCRIPT}; echo "uptime=$(cut -d. -f1 /proc/uptime)"`, (cfg) => {
        cfg.linux.namespaces.push({ type: 'time' })
        cfg.linux.timeOffsets = { boottime: { secs: 1000000, nanosecs: 0 } }
      })
      const kv = parseKv(out)
      expect(kv.time && kv.time !== nsLink('self', 'time'), `not a new time namespace (${kv.time})`)
      const host = Number(readOr('/proc/uptime').split('.')[0])
      expect(Number(kv.uptime) >= host + 999000, `uptime ${kv.uptime} does not carry the offset (host ${host})`)
    },
  },
  {
    id: 'cfgl.userns.mappings',
    spec: S,
    section: 'Namespaces / User namespace mappings',
    level: 'MUST',
    text: 'If path is not specified, the runtime MUST create a new container namespace of type type. / uidMappings (array of objects, OPTIONAL) describes the user namespace uid mappings from the host to the container. gidMappings ... describes the user namespace gid mappings from the host to the container.',
    basis: APPLY,
    how: 'inside: in a new user namespace with uid/gid 0 -> 100000 (65536), /proc/self/uid_map and gid_map show that mapping and the process is uid 0 inside',
    async check(c) {
      const out = await c.inside('echo "=== uid"; cat /proc/self/uid_map; echo "=== gid"; cat /proc/self/gid_map; echo "=== id"; id -u; echo "=== user"; readlink /proc/self/ns/user', userns)
      const s = sections(out)
      expectEqual(s.uid?.trim().split(/\s+/), ['0', '100000', '65536'], 'uid_map')
      expectEqual(s.gid?.trim().split(/\s+/), ['0', '100000', '65536'], 'gid_map')
      expectEqual(s.id, '0', 'uid inside')
      expect(s.user && s.user !== nsLink('self', 'user'), 'not a new user namespace')
    },
  },
  {
    id: 'cfgl.userns.no-chown',
    spec: S,
    section: 'User namespace mappings',
    level: 'SHOULD',
    text: 'The runtime SHOULD NOT modify the ownership of referenced filesystems to realize the mapping.',
    how: 'outside: after a user-namespace container ran, the rootfs and its files still belong to 0:0 on the host',
    async check(c) {
      const b = c.bundle(['true'], userns)
      await c.runToEnd(b)
      for (const p of ['', 'bin', 'bin/busybox', 'etc/passwd']) {
        const st = fs.lstatSync(path.join(b.rootfs, p))
        expectEqual([st.uid, st.gid], [0, 0], `owner of rootfs/${p}`)
      }
    },
  },
  {
    id: 'cfgl.devices',
    spec: S,
    section: 'Devices',
    level: 'MUST',
    text: 'devices (array of objects, OPTIONAL) lists devices that MUST be available in the container. (type, path, major, minor, fileMode, uid, gid: "id of device owner in the container namespace")',
    how: 'inside: a char device c 1:3 at /dev/conf-null with fileMode 0666, uid 1000, gid 1001, and a fifo at /dev/conf-fifo, have that type, numbers, mode and owner; the char device works',
    async check(c) {
      const out = await c.inside(
        'stat -c "%F %t %T %a %u %g" /dev/conf-null; stat -c "%F" /dev/conf-fifo; echo x > /dev/conf-null && echo writes-ok',
        (cfg) => {
          cfg.linux.devices = [
            { path: '/dev/conf-null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 1000, gid: 1001 },
            { path: '/dev/conf-fifo', type: 'p', fileMode: 0o600 },
          ]
          cfg.linux.resources.devices.push({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' })
        },
      )
      const l = out.split('\n')
      expectEqual(l[0], 'character special file 1 3 666 1000 1001', '/dev/conf-null (type major minor mode uid gid)')
      expect(/fifo/.test(l[1] ?? ''), '/dev/conf-fifo is not a fifo', { line: l[1] })
      expectEqual(l[2], 'writes-ok', 'writing /dev/conf-null')
    },
  },
  {
    id: 'cfgl.devices.path-exists',
    spec: S,
    section: 'Devices',
    level: 'MUST',
    text: 'If a file already exists at path that does not match the requested device, the runtime MUST generate an error.',
    how: 'outside: a regular file at rootfs/mnt/devfile and a char device 1:3 configured at /mnt/devfile make create fail',
    async check(c) {
      await createFails(
        c,
        (cfg, b) => {
          fs.writeFileSync(path.join(b.rootfs, 'mnt', 'devfile'), 'not a device')
          cfg.linux.devices = [{ path: '/mnt/devfile', type: 'c', major: 1, minor: 3, fileMode: 0o666 }]
        },
        'device over a regular file',
      )
    },
  },
  {
    id: 'cfgl.default-devices',
    spec: S,
    section: 'Default Devices',
    level: 'MUST',
    text: 'In addition to any devices configured with this setting, the runtime MUST also supply: /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom, /dev/tty, ... /dev/ptmx. A bind-mount or symlink of the container\'s /dev/pts/ptmx.',
    how: 'inside: each is a char device with its standard numbers (1:3 1:5 1:7 1:8 1:9 5:0) and usable; /dev/ptmx links to pts/ptmx or is the devpts ptmx (5:2)',
    async check(c) {
      const devs: Record<string, string> = { null: '1:3', zero: '1:5', full: '1:7', random: '1:8', urandom: '1:9', tty: '5:0' }
      const script = [
        ...Object.keys(devs).map((d) => `echo "${d}=$(stat -c '%F %t:%T' /dev/${d})"`),
        'echo "ptmx-link=$(readlink /dev/ptmx)"',
        'echo "ptmx=$(stat -L -c \'%F %t:%T\' /dev/ptmx)"',
        'echo "use=$(head -c 8 /dev/zero | wc -c)$(head -c 8 /dev/urandom | wc -c)$(echo x > /dev/null && echo ok)"',
      ].join('; ')
      const kv = parseKv(await c.inside(script))
      for (const [d, mm] of Object.entries(devs)) {
        const [maj, min] = mm.split(':').map((n) => Number(n).toString(16))
        expectEqual(kv[d], `character special file ${maj}:${min}`, `/dev/${d}`)
      }
      expect(['pts/ptmx', '/dev/pts/ptmx'].includes(kv['ptmx-link']) || kv.ptmx === 'character special file 5:2', '/dev/ptmx', { kv })
      expectEqual(kv.use, '88ok', 'reading /dev/zero, /dev/urandom and writing /dev/null')
    },
  },
  {
    id: 'rtl.dev-symlinks',
    spec: 'runtime-linux.md',
    section: 'Dev symbolic links',
    level: 'MUST',
    text: 'While creating the container (step 2 in the lifecycle), runtimes MUST create the following symlinks if the source file exists after processing mounts: /proc/self/fd -> /dev/fd, /proc/self/fd/0 -> /dev/stdin, /proc/self/fd/1 -> /dev/stdout, /proc/self/fd/2 -> /dev/stderr',
    how: 'inside: readlink of /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr',
    async check(c) {
      const kv = parseKv(await c.inside('for l in fd stdin stdout stderr; do echo "$l=$(readlink /dev/$l)"; done'))
      expectEqual(kv, { fd: '/proc/self/fd', stdin: '/proc/self/fd/0', stdout: '/proc/self/fd/1', stderr: '/proc/self/fd/2' }, '/dev symlinks')
    },
  },
  {
    id: 'cfgl.cgroupsPath',
    spec: S,
    section: 'Cgroups Path',
    level: 'MUST',
    text: 'In the case of an absolute path (starting with /), the runtime MUST take the path to be relative to the cgroups mount point.',
    how: 'outside: the created process is listed in <mount>/<cgroupsPath>/cgroup.procs of the memory, pids, cpu and devices hierarchies (or the v2 one), and /proc/PID/cgroup shows cgroupsPath',
    async check(c) {
      const { b, pid } = await createdCgroup(c, undefined)
      const ctrls = isCgroup2Only() ? [''] : ['memory', 'pids', 'cpu', 'devices']
      for (const ctrl of ctrls) {
        expectEqual(procCgroupPath(pid, ctrl), b.cgroupsPath, `/proc/${pid}/cgroup (${ctrl || 'unified'})`)
        const procs = readOr(path.join('/sys/fs/cgroup', ctrl, b.cgroupsPath, 'cgroup.procs')).split('\n')
        expect(procs.includes(String(pid)), `pid ${pid} not in ${ctrl}:${b.cgroupsPath}/cgroup.procs`)
      }
    },
  },
  {
    id: 'cfgl.cgroupsPath.consistent',
    spec: S,
    section: 'Cgroups Path',
    level: 'MUST',
    text: 'If the value is specified, the runtime MUST consistently attach to the same place in the cgroups hierarchy given the same value of cgroupsPath.',
    how: 'outside: two containers created one after the other with the same cgroupsPath are both placed there',
    async check(c) {
      const first = await createdCgroup(c, undefined)
      const p1 = procCgroupPath(first.pid, isCgroup2Only() ? '' : 'memory')
      await c.rt(['kill', first.b.id, 'KILL'])
      await c.waitStatus(first.b.id, 'stopped')
      await c.rt(['delete', first.b.id])
      const second = await createdCgroup(c, (cfg) => (cfg.linux.cgroupsPath = first.b.cgroupsPath))
      expectEqual(procCgroupPath(second.pid, isCgroup2Only() ? '' : 'memory'), p1, 'cgroup of the second container')
    },
  },
  {
    id: 'cfgl.resources.memory',
    spec: S,
    section: 'Memory',
    level: 'MUST',
    text: 'limit (int64, OPTIONAL) - sets limit of memory usage / reservation (int64, OPTIONAL) - sets soft limit of memory usage / swap (int64, OPTIONAL) - sets limit of memory+Swap usage / swappiness / disableOOMKiller (bool, OPTIONAL) - enables or disables the OOM killer.',
    basis: APPLY,
    how: 'outside: the container\'s memory cgroup has limit 64 MiB, soft limit 32 MiB, memory+swap 128 MiB, swappiness 10, OOM killer disabled (v1 files; v2: memory.max, memory.low, memory.swap.max)',
    async check(c) {
      const M = 1024 * 1024
      const { file } = await createdCgroup(c, (cfg) => (cfg.linux.resources.memory = { limit: 64 * M, reservation: 32 * M, swap: 128 * M, swappiness: 10, disableOOMKiller: true }))
      if (isCgroup2Only()) {
        expectEqual([file('', 'memory.max'), file('', 'memory.low'), file('', 'memory.swap.max')], [`${64 * M}`, `${32 * M}`, `${64 * M}`], 'memory.max, low, swap.max')
        return
      }
      expectEqual(file('memory', 'memory.limit_in_bytes'), `${64 * M}`, 'memory.limit_in_bytes')
      expectEqual(file('memory', 'memory.soft_limit_in_bytes'), `${32 * M}`, 'memory.soft_limit_in_bytes')
      if (fs.existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes')) expectEqual(file('memory', 'memory.memsw.limit_in_bytes'), `${128 * M}`, 'memory.memsw.limit_in_bytes')
      expectEqual(file('memory', 'memory.swappiness'), '10', 'memory.swappiness')
      expect(/^oom_kill_disable 1$/m.test(file('memory', 'memory.oom_control')), 'disableOOMKiller: memory.oom_control', { oom: file('memory', 'memory.oom_control') })
    },
  },
  {
    id: 'cfgl.resources.cpu',
    spec: S,
    section: 'CPU',
    level: 'MUST',
    text: 'shares (uint64, OPTIONAL) - specifies a relative share of CPU time ... / quota ... / period ... / cpus (string, OPTIONAL) - list of CPUs the container will run on / mems ...',
    basis: APPLY,
    how: 'outside: cpu.shares 512, cfs quota 50000 / period 100000, cpuset.cpus 0 and cpuset.mems 0 in the container\'s cgroups (v2: cpu.max, cpuset.cpus)',
    async check(c) {
      const { file } = await createdCgroup(c, (cfg) => (cfg.linux.resources.cpu = { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' }))
      if (isCgroup2Only()) {
        expectEqual(file('', 'cpu.max'), '50000 100000', 'cpu.max')
        expectEqual(file('', 'cpuset.cpus'), '0', 'cpuset.cpus')
        return
      }
      expectEqual(file('cpu', 'cpu.shares'), '512', 'cpu.shares')
      expectEqual([file('cpu', 'cpu.cfs_quota_us'), file('cpu', 'cpu.cfs_period_us')], ['50000', '100000'], 'cfs quota, period')
      expectEqual([file('cpuset', 'cpuset.cpus'), file('cpuset', 'cpuset.mems')], ['0', '0'], 'cpuset cpus, mems')
    },
  },
  {
    id: 'cfgl.resources.cpu-idle',
    spec: S,
    section: 'CPU',
    level: 'MUST',
    text: 'idle (int64, OPTIONAL) - cgroups are configured with minimum weight, 0: default behavior, 1: SCHED_IDLE.',
    basis: APPLY,
    how: 'outside: with cpu.idle 1 the container\'s cpu cgroup has cpu.idle 1',
    async check(c) {
      if (!fs.existsSync(path.join(isCgroup2Only() ? '/sys/fs/cgroup' : '/sys/fs/cgroup/cpu', 'cpu.idle')) && !isCgroup2Only()) throw new CheckSkip('no cpu.idle on this kernel')
      const { file } = await createdCgroup(c, (cfg) => (cfg.linux.resources.cpu = { idle: 1 }))
      expectEqual(file(isCgroup2Only() ? '' : 'cpu', 'cpu.idle'), '1', 'cpu.idle')
    },
  },
  {
    id: 'cfgl.resources.network',
    spec: S,
    section: 'Network',
    level: 'MUST',
    text: 'network (object, OPTIONAL) represents the cgroup subsystems net_cls and net_prio.',
    basis: APPLY,
    how: 'not observable here: this host has no net_cls or net_prio hierarchy',
    notObservable: 'no net_cls/net_prio cgroup hierarchy on this host',
  },
  {
    id: 'cfgl.resources.rdma',
    spec: S,
    section: 'RDMA',
    level: 'MUST',
    text: 'rdma (object, OPTIONAL) represents the cgroup subsystem rdma.',
    basis: APPLY,
    how: 'not observable here: this host has no rdma hierarchy and no RDMA device',
    notObservable: 'no rdma cgroup hierarchy or RDMA device on this host',
  },
  {
    id: 'cfgl.resources.pids',
    spec: S,
    section: 'PIDs',
    level: 'MUST',
    text: 'limit (int64, REQUIRED) - specifies the maximum number of tasks in the cgroup',
    basis: APPLY,
    how: 'outside: pids.max of the container\'s cgroup is 123',
    async check(c) {
      const { file } = await createdCgroup(c, (cfg) => (cfg.linux.resources.pids = { limit: 123 }))
      expectEqual(file(isCgroup2Only() ? '' : 'pids', 'pids.max'), '123', 'pids.max')
    },
  },
  {
    id: 'cfgl.resources.blockIO',
    spec: S,
    section: 'Block IO',
    level: 'MUST',
    text: 'throttleReadBpsDevice, throttleWriteBpsDevice (array of objects, OPTIONAL) - specify the list of devices which will be bandwidth rate limited.',
    basis: APPLY,
    how: 'outside: blkio.throttle.read_bps_device / write_iops_device of the container\'s cgroup list the first virtual disk (v2: io.max)',
    async check(c) {
      const disk = fs.readdirSync('/sys/block').find((d) => /^(vd|sd|nvme|xvd)/.test(d))
      if (!disk) throw new CheckSkip('no disk block device on this host')
      const [major, minor] = readOr(`/sys/block/${disk}/dev`).trim().split(':').map(Number)
      const { file } = await createdCgroup(c, (cfg) => {
        cfg.linux.resources.blockIO = {
          throttleReadBpsDevice: [{ major, minor, rate: 1048576 }],
          throttleWriteIOPSDevice: [{ major, minor, rate: 300 }],
        }
      })
      if (isCgroup2Only()) {
        const io = file('', 'io.max')
        expect(io.includes(`${major}:${minor}`) && io.includes('rbps=1048576') && io.includes('wiops=300'), 'io.max', { io })
        return
      }
      expectEqual(file('blkio', 'blkio.throttle.read_bps_device'), `${major}:${minor} 1048576`, 'blkio.throttle.read_bps_device')
      expectEqual(file('blkio', 'blkio.throttle.write_iops_device'), `${major}:${minor} 300`, 'blkio.throttle.write_iops_device')
    },
  },
  {
    id: 'cfgl.resources.hugepageLimits',
    spec: S,
    section: 'Huge page limits',
    level: 'MUST',
    text: 'hugepageLimits (array of objects, OPTIONAL) represents the hugetlb controller which allows to limit the HugeTLB reservations (if supported) or usage (page fault).',
    basis: APPLY,
    how: 'outside: a 2MB page limit of 4 MiB shows in the container\'s hugetlb.2MB.limit_in_bytes (v1) or hugetlb.2MB.max (where hugetlb lives in cgroup2, as on hybrid hosts)',
    async check(c) {
      if (!fs.existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB')) throw new CheckSkip('no 2 MB huge pages on this host')
      const v1 = fs.existsSync('/sys/fs/cgroup/hugetlb/hugetlb.2MB.limit_in_bytes')
      const v2 = fs.existsSync(path.join(isCgroup2Only() ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified', 'cgroup.controllers')) &&
        readOr(path.join(isCgroup2Only() ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified', 'cgroup.controllers')).includes('hugetlb')
      if (!v1 && !v2) throw new CheckSkip('no hugetlb controller on this host')
      const { file } = await createdCgroup(c, (cfg) => (cfg.linux.resources.hugepageLimits = [{ pageSize: '2MB', limit: 4194304 }]))
      if (v1) expectEqual(file('hugetlb', 'hugetlb.2MB.limit_in_bytes'), '4194304', 'hugetlb.2MB.limit_in_bytes')
      else expectEqual(file('', 'hugetlb.2MB.max'), '4194304', 'hugetlb.2MB.max')
    },
  },
  {
    id: 'cfgl.resources.devices-order',
    spec: S,
    section: 'Allowed Device list',
    level: 'MUST',
    text: 'devices (array of objects, OPTIONAL) configures the allowed device list. The runtime MUST apply entries in the listed order.',
    how: 'inside: /dev/fuse (c 10:229) present; [deny all, allow c 10:229 rw, deny c 10:229 rw] makes opening it fail, the same rules with the last two swapped let it open',
    async check(c) {
      if (!fs.existsSync('/dev/fuse')) throw new CheckSkip('no /dev/fuse on this host')
      const results: string[] = []
      for (const lastAllows of [false, true]) {
        const rule = (allow: boolean) => ({ allow, type: 'c', major: 10, minor: 229, access: 'rw' })
        const out = await c.inside('( : < /dev/fuse ) 2>/dev/null && echo open || echo denied', (cfg) => {
          cfg.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666 }]
          cfg.linux.resources.devices = [{ allow: false, access: 'rwm' }, rule(!lastAllows), rule(lastAllows)]
        })
        results.push(out.trim())
      }
      expectEqual(results, ['denied', 'open'], 'open /dev/fuse with [.., allow, deny] and [.., deny, allow]')
    },
  },
  {
    id: 'cfgl.resources.unified',
    spec: S,
    section: 'Unified',
    level: 'MUST',
    text: 'unified (object, OPTIONAL) allows cgroup v2 parameters to be to be set and modified for the container. Each key in the map refers to a file in the cgroup unified hierarchy. The OCI runtime MUST ensure that the needed cgroup controllers are enabled for the cgroup.',
    how: 'outside: unified {"hugetlb.2MB.max": "4194304"} shows in the container\'s cgroup2 directory (where the cgroup2 hierarchy has hugetlb, as on this hybrid host)',
    async check(c) {
      const v2 = isCgroup2Only() ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified'
      if (!readOr(path.join(v2, 'cgroup.controllers')).split(/\s+/).includes('hugetlb') || !fs.existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB')) {
        throw new CheckSkip('no hugetlb controller (2 MB pages) in this host\'s cgroup2 hierarchy')
      }
      const { file } = await createdCgroup(c, (cfg) => (cfg.linux.resources.unified = { 'hugetlb.2MB.max': '4194304' }))
      expectEqual(file('', 'hugetlb.2MB.max'), '4194304', 'hugetlb.2MB.max')
    },
  },
  {
    id: 'cfgl.resources.unified-unknown',
    spec: S,
    section: 'Unified',
    level: 'MUST',
    text: 'The runtime MUST generate an error when the configuration refers to a cgroup controller that is not present or that cannot be enabled.',
    how: 'outside: unified {"nosuchctl.max": "1"} makes create fail',
    async check(c) {
      await createFails(c, (cfg) => (cfg.linux.resources.unified = { 'nosuchctl.max': '1' }), 'unified key of a missing controller')
    },
  },
  {
    id: 'cfgl.intelRdt.no-resctrl',
    spec: S,
    section: 'IntelRdt',
    level: 'MUST',
    text: 'If no mounted resctrl pseudo-filesystem is available in the runtime mount namespace, the runtime MUST generate an error.',
    how: 'outside: on a host without resctrl mounted, intelRdt {closID: "conformance"} makes create fail',
    async check(c) {
      if (readOr('/proc/self/mountinfo').includes(' - resctrl ')) throw new CheckSkip('resctrl is mounted on this host')
      await createFails(c, (cfg) => (cfg.linux.intelRdt = { closID: 'conformance' }), 'intelRdt without resctrl')
    },
  },
  {
    id: 'cfgl.intelRdt.untouched',
    spec: S,
    section: 'IntelRdt',
    level: 'MUST',
    text: 'If intelRdt is not set, the runtime MUST NOT manipulate any resctrl pseudo-filesystems.',
    how: 'not observable here: no resctrl filesystem on this host',
    notObservable: 'no resctrl filesystem on this host',
  },
  {
    id: 'cfgl.sysctl',
    spec: S,
    section: 'Sysctl',
    level: 'MUST',
    text: 'sysctl (object, OPTIONAL) allows kernel parameters to be modified at runtime for the container.',
    basis: APPLY,
    how: 'inside: kernel.shmmax (ipc namespace) and net.ipv4.ip_forward (network namespace) read back the configured values',
    async check(c) {
      const kv = parseKv(
        await c.inside('echo "shmmax=$(cat /proc/sys/kernel/shmmax)"; echo "fwd=$(cat /proc/sys/net/ipv4/ip_forward)"', (cfg) => {
          cfg.linux.sysctl = { 'kernel.shmmax': '123456789', 'net.ipv4.ip_forward': '1' }
        }),
      )
      expectEqual([kv.shmmax, kv.fwd], ['123456789', '1'], 'kernel.shmmax, net.ipv4.ip_forward')
    },
  },
  {
    id: 'cfgl.seccomp.errnoRet',
    spec: S,
    section: 'Seccomp',
    level: 'MUST',
    text: 'errnoRet (uint, OPTIONAL) - the errno return code to use. Some actions like SCMP_ACT_ERRNO and SCMP_ACT_TRACE allow to specify the errno code to return. ... If not specified its default value is EPERM.',
    basis: APPLY,
    how: 'inside: with SCMP_ACT_ERRNO on getpgid (errnoRet 42) and on getsid (no errnoRet), the checker\'s raw syscalls fail with errno 42 and 1 (EPERM); getppid still works',
    async check(c) {
      c.needChecker()
      const out = await c.inside('checker syscall 121 0; checker syscall 124 0; checker syscall 110', (cfg) => {
        cfg.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          architectures: ['SCMP_ARCH_X86_64'],
          syscalls: [
            { names: ['getpgid'], action: 'SCMP_ACT_ERRNO', errnoRet: 42 },
            { names: ['getsid'], action: 'SCMP_ACT_ERRNO' },
          ],
        }
      })
      const l = out.trim().split('\n')
      expectEqual(l.slice(0, 2), ['ret=-1 errno=42', 'ret=-1 errno=1'], 'getpgid, getsid results')
      expect(/^ret=\d+ errno=0$/.test(l[2] ?? ''), 'getppid was affected', { line: l[2] })
    },
  },
  {
    id: 'cfgl.seccomp.errnoRet-unsupported',
    spec: S,
    section: 'Seccomp',
    level: 'MUST',
    text: 'errnoRet ... When the action doesn\'t support an errno, the runtime MUST print and error and fail.',
    how: 'outside: SCMP_ACT_KILL with errnoRet 5 makes create fail',
    async check(c) {
      await createFails(
        c,
        (cfg) => (cfg.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpgid'], action: 'SCMP_ACT_KILL', errnoRet: 5 }] }),
        'errnoRet on SCMP_ACT_KILL',
      )
    },
  },
  {
    id: 'cfgl.seccomp.defaultErrnoRet-unsupported',
    spec: S,
    section: 'Seccomp',
    level: 'MUST',
    text: 'defaultErrnoRet ... When the action doesn\'t support an errno, the runtime MUST print and error and fail.',
    how: 'outside: defaultAction SCMP_ACT_ALLOW with defaultErrnoRet 5 makes create fail',
    async check(c) {
      await createFails(c, (cfg) => (cfg.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: 5 }), 'defaultErrnoRet on SCMP_ACT_ALLOW')
    },
  },
  {
    id: 'cfgl.seccomp.listener-fails',
    spec: S,
    section: 'Seccomp',
    level: 'MUST',
    text: 'listenerPath ... If sending to this socket fails, the runtime MUST generate an error.',
    how: 'outside: SCMP_ACT_NOTIFY on getpgid with a listenerPath where no socket exists makes create fail',
    async check(c) {
      await createFails(
        c,
        (cfg, b) =>
          (cfg.linux.seccomp = {
            defaultAction: 'SCMP_ACT_ALLOW',
            listenerPath: path.join(b.dir, 'no-agent.sock'),
            syscalls: [{ names: ['getpgid'], action: 'SCMP_ACT_NOTIFY' }],
          }),
        'notify listener without a socket',
      )
    },
  },
  {
    id: 'cfgl.rootfsPropagation',
    spec: S,
    section: 'Rootfs Mount Propagation',
    level: 'MUST',
    text: 'rootfsPropagation (string, OPTIONAL) sets the rootfs\'s mount propagation. Its value is either shared, slave, private or unbindable. ... shared: the rootfs mount belongs to a new peer group ... unbindable: the rootfs mount is a private mount that cannot be bind-mounted.',
    basis: APPLY,
    how: 'inside: the / entry of mountinfo has a shared:N tag with "shared", "unbindable" with "unbindable", and neither with "private"',
    async check(c) {
      const root = async (p: string) => {
        const mi = parseMountinfo(await c.inside('cat /proc/self/mountinfo', (cfg) => (cfg.linux.rootfsPropagation = p)))
        return mi.filter((m) => m.mountpoint === '/').pop()?.optional.join(' ') ?? '(no / mount)'
      }
      const shared = await root('shared')
      expect(/shared:\d+/.test(shared), `/ with rootfsPropagation shared: "${shared}"`)
      const unb = await root('unbindable')
      expect(/unbindable/.test(unb), `/ with rootfsPropagation unbindable: "${unb}"`)
      const priv = await root('private')
      expect(!/shared:|master:|unbindable/.test(priv), `/ with rootfsPropagation private: "${priv}"`)
    },
  },
  {
    id: 'cfgl.maskedPaths',
    spec: S,
    section: 'Masked Paths',
    level: 'MUST',
    text: 'maskedPaths (array of strings, OPTIONAL) will mask over the provided paths inside the container so that they cannot be read.',
    basis: APPLY,
    how: 'inside: a masked file (/proc/cpuinfo) reads empty or fails, a masked directory (/mnt/secret, holding a file) lists nothing; an unmasked file still reads',
    async check(c) {
      const out = await c.inside(
        'echo "=== file"; cat /proc/cpuinfo 2>/dev/null; echo "=== dir"; ls -A /mnt/secret 2>/dev/null; echo "=== other"; head -c 9 /proc/version',
        (cfg, b) => {
          fs.mkdirSync(path.join(b.rootfs, 'mnt', 'secret'))
          fs.writeFileSync(path.join(b.rootfs, 'mnt', 'secret', 'key'), 'secret')
          cfg.linux.maskedPaths = ['/proc/cpuinfo', '/mnt/secret']
        },
      )
      const s = sections(out)
      expectEqual([s.file, s.dir], ['', ''], 'masked file, masked directory')
      expectEqual(s.other, 'Linux ver', 'an unmasked file')
    },
  },
  {
    id: 'cfgl.readonlyPaths',
    spec: S,
    section: 'Readonly Paths',
    level: 'MUST',
    text: 'readonlyPaths (array of strings, OPTIONAL) will set the provided paths as readonly inside the container.',
    basis: APPLY,
    how: 'inside: with a writable root, /mnt/ro-dir (readonlyPaths) refuses a new file while /mnt/rw-dir accepts one',
    async check(c) {
      const out = await c.inside(
        'touch /mnt/ro-dir/x 2>/dev/null && echo ro-writable || echo ro-refused; touch /mnt/rw-dir/x 2>/dev/null && echo rw-writable || echo rw-refused',
        (cfg, b) => {
          cfg.root.readonly = false
          fs.mkdirSync(path.join(b.rootfs, 'mnt', 'ro-dir'))
          fs.mkdirSync(path.join(b.rootfs, 'mnt', 'rw-dir'))
          cfg.linux.readonlyPaths = ['/mnt/ro-dir']
        },
      )
      expectEqual(out.trim().split('\n'), ['ro-refused', 'rw-writable'], 'writes')
    },
  },
  {
    id: 'cfgl.personality',
    spec: S,
    section: 'Personality',
    level: 'MUST',
    text: 'personality (object, OPTIONAL) sets the Linux execution personality. ... LINUX32 will set the uname system call to show a 32 bit CPU type, such as i686.',
    basis: APPLY,
    how: 'inside: with domain LINUX32, uname -m prints i686 (or another 32-bit type)',
    async check(c) {
      if (process.arch !== 'x64') throw new CheckSkip('the expected 32-bit machine name is only known for x86_64 here')
      expectEqual((await c.inside('uname -m', (cfg) => (cfg.linux.personality = { domain: 'LINUX32' }))).trim(), 'i686', 'uname -m')
    },
  },
  {
    id: 'cfgl.cgroup-ownership.v1',
    spec: S,
    section: 'Cgroup ownership',
    level: 'SHOULD',
    text: 'Runtimes SHOULD NOT change the ownership of container cgroups when cgroups v1 is in use.',
    how: 'outside: on a v1/hybrid host, a user-namespace container (root mapped to 100000) with a read-write cgroup mount leaves its memory cgroup directory owned by 0:0',
    async check(c) {
      if (isCgroup2Only()) throw new CheckSkip('pure cgroup v2 host')
      const { dir } = await createdCgroup(c, (cfg) => {
        userns(cfg)
        cfg.linux.namespaces.push({ type: 'cgroup' })
        cfg.mounts = cfg.mounts.map((m: { type: string; options?: string[] }) =>
          m.type === 'cgroup' ? { ...m, options: (m.options ?? []).filter((o) => o !== 'ro') } : m,
        )
      })
      const st = fs.statSync(dir('memory'))
      expectEqual([st.uid, st.gid], [0, 0], 'owner of the memory cgroup directory')
    },
  },
  {
    id: 'cfgl.mountLabel',
    spec: S,
    section: 'Mount Label',
    level: 'MUST',
    text: 'mountLabel (string, OPTIONAL) will set the Selinux context for the mounts in the container.',
    basis: APPLY,
    how: 'not observable here: SELinux is not enabled',
    notObservable: 'SELinux is not enabled on this host',
  },
]

/** A terminal container (console socket, consoleSize 10x20) reporting its stdio, tty, /dev/console and size. */
async function terminalRun(c: Ctx): Promise<Record<string, string>> {
  const l = await c.listener('console-socket')
  const b = c.bundle(
    ['sh', '-c', 'if [ -t 0 ] && [ -t 1 ] && [ -t 2 ]; then echo stdio=tty; else echo stdio=notty; fi; echo "console=$(stat -c %t:%T /dev/console)"; echo "pts=$(stat -c %t:%T "$(tty)")"; echo "size=$(stty size)"'],
    (cfg) => {
      cfg.process.terminal = true
      cfg.process.consoleSize = { height: 10, width: 20 }
    },
  )
  await c.mustCreate(b, b.id, {}, ['--console-socket', l.sock])
  await c.mustStart(b.id)
  await c.waitStatus(b.id, 'stopped')
  await Promise.race([l.done, new Promise((r) => setTimeout(r, 5000))])
  return parseKv(readFile(l.out).replace(/\r/g, ''))
}

export const terminalRequirements: Requirement[] = [
  {
    id: 'cfg.process.terminal',
    spec: 'config.md',
    section: 'Process',
    level: 'MUST',
    text: 'terminal (bool, OPTIONAL) specifies whether a terminal is attached to the process, defaults to false. As an example, if set to true on Linux a pseudoterminal pair is allocated for the process and the pseudoterminal pty is duplicated on the process\'s standard streams.',
    basis: APPLY,
    how: 'inside: with terminal true (and a console socket receiving the pty master), stdin, stdout and stderr are terminals',
    async check(c) {
      expectEqual((await terminalRun(c)).stdio, 'tty', 'standard streams')
    },
  },
  {
    id: 'cfg.process.consoleSize',
    spec: 'config.md',
    section: 'Process',
    level: 'MUST',
    text: 'consoleSize (object, OPTIONAL) specifies the console size in characters of the terminal.',
    basis: APPLY,
    how: 'inside: with terminal true and consoleSize 10x20, stty size prints "10 20"',
    async check(c) {
      expectEqual((await terminalRun(c)).size, '10 20', 'stty size')
    },
  },
  {
    id: 'cfgl.default-devices.console',
    spec: S,
    section: 'Default Devices',
    level: 'MUST',
    text: 'In addition to any devices configured with this setting, the runtime MUST also supply: ... /dev/console is set up if terminal is enabled in the config by bind mounting the pseudoterminal pty to /dev/console.',
    how: 'inside: with terminal true, /dev/console has the major:minor of the process\'s pty (tty)',
    async check(c) {
      const kv = await terminalRun(c)
      expect(kv.console && kv.console === kv.pts, `/dev/console ${kv.console} is not the pty ${kv.pts}`, { kv })
    },
  },
  {
    id: 'cfgl.seccomp.listener-protocol',
    spec: S,
    section: 'Seccomp / The Container Process State',
    level: 'MUST',
    text: 'The runtime MUST send exactly one container process state per connection. The connection MUST NOT be reused and it MUST be closed after sending a seccomp state. / The container runtime MUST send the container process state over the UNIX socket as regular payload serialized in JSON and file descriptors MUST be sent using SCM_RIGHTS.',
    how: 'outside: an agent at listenerPath (SCMP_ACT_NOTIFY on getpgid, metadata "conformance") gets one connection carrying one fd and a JSON state (fds ["seccompFd"], pid, metadata, state.id), closed by the runtime',
    async check(c) {
      const l = await c.listener('seccomp-agent')
      const b = c.bundle(['true'], (cfg) => {
        cfg.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          listenerPath: l.sock,
          listenerMetadata: 'conformance',
          syscalls: [{ names: ['getpgid'], action: 'SCMP_ACT_NOTIFY' }],
        }
      })
      await c.runToEnd(b)
      await Promise.race([l.done, new Promise((r) => setTimeout(r, 5000))])
      const [fds, closed, conns, ...rest] = readFile(l.out).split('\n')
      let st: Record<string, any> | undefined
      try {
        st = JSON.parse(rest.join('\n'))
      } catch {
        /* checked below */
      }
      expect(st, 'the payload is not JSON', { payload: rest.join('\n') })
      expectEqual([fds, conns], ['fds=1', 'connections=1'], 'fds received, connections')
      expectEqual([st.fds, st.metadata, st.state?.id], [['seccompFd'], 'conformance', b.id], 'fds, metadata, state.id')
      expect(Number.isInteger(st.pid) && st.pid > 0, 'pid missing', { state: st })
      expectEqual(closed, 'closed=yes', 'the runtime closed the connection after the state')
    },
  },
]
