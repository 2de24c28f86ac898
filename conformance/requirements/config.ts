// config.md: root, mounts, process, user, hostname, extensibility, valid values.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { CheckSkip, expect, expectEqual, readFile, sections, type Ctx } from '../harness'
import { spawnSync } from 'node:child_process'
import { parseMountinfo, readOr } from '../host'
import { APPLY, type Requirement } from '../requirement'
import { capMask } from '../spec'

const S = 'config.md' as const

/** The create fails (the runtime generates an error) and leaves no container behind. */
async function createFails(c: Ctx, mutate: Parameters<Ctx['bundle']>[1], what: string): Promise<void> {
  const b = c.bundle(['true'], mutate)
  const r = await c.create(b)
  expect(r.code !== 0, `${what}: create succeeded`, { stderr: readFile(b.errFile) })
  expect((await c.state(b.id)) === undefined, `${what}: a container was left behind`)
}

function statusField(status: string, field: string): string {
  const m = new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(status)
  return m ? m[1].trim() : ''
}

function limitsRow(limits: string, row: string): [string, string] {
  const l = limits.split('\n').find((x) => x.startsWith(row)) ?? ''
  const f = l.slice(row.length).trim().split(/\s+/)
  return [f[0], f[1]]
}

export const configRequirements: Requirement[] = [
  {
    id: 'cfg.root.readonly',
    spec: S,
    section: 'Root',
    level: 'MUST',
    text: 'readonly (bool, OPTIONAL) If true then the root filesystem MUST be read-only inside the container, defaults to false.',
    how: 'inside: with readonly true, creating /x fails and / is mounted ro; with readonly absent, /x can be created',
    async check(c) {
      const script = 'touch /x 2>/dev/null && echo writable || echo readonly'
      expectEqual((await c.inside(script, (cfg) => (cfg.root.readonly = true))).trim(), 'readonly', 'root.readonly true')
      expectEqual((await c.inside(script, (cfg) => delete cfg.root.readonly)).trim(), 'writable', 'root.readonly absent (default false)')
    },
  },
  {
    id: 'cfg.root.path',
    spec: S,
    section: 'Root',
    level: 'MUST',
    text: 'On POSIX platforms, path is either an absolute path or a relative path to the bundle.',
    basis: APPLY,
    how: 'inside: a rootfs at the bundle\'s "other-root" given as a relative path, and the same given as an absolute path, are the container\'s /',
    async check(c) {
      for (const abs of [false, true]) {
        const out = await c.inside('cat /which-root', (cfg, b) => {
          fs.renameSync(b.rootfs, path.join(b.dir, 'other-root'))
          fs.writeFileSync(path.join(b.dir, 'other-root', 'which-root'), 'other-root\n')
          cfg.root.path = abs ? path.join(b.dir, 'other-root') : 'other-root'
        })
        expectEqual(out.trim(), 'other-root', `root.path ${abs ? 'absolute' : 'relative'}`)
      }
    },
  },
  {
    id: 'cfg.root.path-missing',
    spec: S,
    section: 'Root',
    level: 'MUST',
    text: 'A directory MUST exist at the path declared by the field. (a bundle requirement; the runtime side is runtime.md, Create: "If the runtime cannot create the container as specified in config.json, it MUST generate an error and a new container MUST NOT be created.")',
    how: 'outside: root.path naming a directory that does not exist makes create fail, leaving no container',
    async check(c) {
      await createFails(c, (cfg) => (cfg.root.path = 'no-such-rootfs'), 'missing root.path')
    },
  },
  {
    id: 'cfg.mounts.order',
    spec: S,
    section: 'Mounts',
    level: 'MUST',
    text: 'The runtime MUST mount entries in the listed order.',
    how: 'inside: two tmpfs on /mnt/o (size 1m, then 2m) and one on /mnt/o/sub: the visible /mnt/o is the 2m one and /mnt/o/sub is mounted on it',
    async check(c) {
      const out = await c.inside('cat /proc/self/mountinfo', (cfg) =>
        cfg.mounts.push(
          { destination: '/mnt/o', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] },
          { destination: '/mnt/o', type: 'tmpfs', source: 'tmpfs', options: ['size=2m'] },
          { destination: '/mnt/o/sub', type: 'tmpfs', source: 'tmpfs', options: ['size=3m'] },
        ),
      )
      const mi = parseMountinfo(out)
      const o = mi.filter((m) => m.mountpoint === '/mnt/o')
      const sub = mi.filter((m) => m.mountpoint === '/mnt/o/sub')
      expect(o.length === 2, 'expected two mounts on /mnt/o', { mounts: o })
      expect(/size=2048k/.test(o[1].superOptions), 'the top mount on /mnt/o is not the second entry', { mounts: o })
      expect(sub.length === 1 && /size=3072k/.test(sub[0].superOptions), '/mnt/o/sub is not mounted (or not last)', { sub })
    },
  },
  {
    id: 'cfg.mounts.fields',
    spec: S,
    section: 'Mounts / POSIX-platform Mounts',
    level: 'MUST',
    text: 'destination (string, REQUIRED) Destination of mount point: path inside container. / source ... can also be a file or directory name for bind mounts ... Path values for bind mounts are either absolute or relative to the bundle. / type ... The type of the filesystem to be mounted.',
    basis: APPLY,
    how: 'inside: a tmpfs at /mnt/t has type tmpfs; a bind mount with an absolute source and one with a source relative to the bundle show the host files',
    async check(c) {
      const out = await c.inside(
        'echo "=== mi"; cat /proc/self/mountinfo; echo "=== abs"; cat /mnt/abs/f; echo; echo "=== rel"; cat /mnt/rel/f; echo',
        (cfg, b) => {
          fs.mkdirSync(path.join(b.dir, 'share'))
          fs.writeFileSync(path.join(b.dir, 'share', 'f'), 'from host')
          cfg.mounts.push(
            { destination: '/mnt/t', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] },
            { destination: '/mnt/abs', type: 'none', source: path.join(b.dir, 'share'), options: ['bind'] },
            { destination: '/mnt/rel', type: 'none', source: 'share', options: ['rbind'] },
          )
        },
      )
      const s = sections(out)
      const t = parseMountinfo(s.mi ?? '').find((m) => m.mountpoint === '/mnt/t')
      expectEqual(t?.fstype, 'tmpfs', 'type of /mnt/t')
      expectEqual(s.abs, 'from host', 'bind mount with an absolute source')
      expectEqual(s.rel, 'from host', 'bind mount with a source relative to the bundle')
    },
  },
  {
    id: 'cfg.mounts.options-must',
    spec: S,
    section: 'Linux mount options',
    level: 'MUST',
    text: 'Runtimes MUST/SHOULD/MAY implement the following option strings for Linux: (MUST: ro, nosuid, nodev, noexec, noatime, nodiratime, sync, dirsync, bind, rw, strictatime, ...)',
    how: 'inside: mountinfo of a tmpfs with ro,nosuid,nodev,noexec,noatime,sync,dirsync and of a bind mount with bind,ro shows those flags; a bind with rw is writable',
    async check(c) {
      const out = await c.inside(
        'cat /proc/self/mountinfo; touch /mnt/rw/x 2>/dev/null && echo "rw-writable=yes" || echo "rw-writable=no"; touch /mnt/ro/x 2>/dev/null && echo "ro-writable=yes" || echo "ro-writable=no"',
        (cfg, b) => {
          fs.mkdirSync(path.join(b.dir, 'share'))
          cfg.mounts.push(
            { destination: '/mnt/opts', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'nosuid', 'nodev', 'noexec', 'noatime', 'sync', 'dirsync'] },
            { destination: '/mnt/ro', type: 'none', source: path.join(b.dir, 'share'), options: ['bind', 'ro'] },
            { destination: '/mnt/rw', type: 'none', source: path.join(b.dir, 'share'), options: ['bind', 'rw'] },
          )
        },
      )
      const mi = parseMountinfo(out)
      const opts = mi.find((m) => m.mountpoint === '/mnt/opts')
      const flags = (opts?.options ?? '').split(',')
      for (const f of ['ro', 'nosuid', 'nodev', 'noexec', 'noatime']) expect(flags.includes(f), `tmpfs option ${f} not applied`, { options: opts?.options })
      const sflags = `${opts?.superOptions ?? ''},${opts?.options ?? ''}`
      expect(/\bsync\b/.test(sflags) && /\bdirsync\b/.test(sflags), 'sync/dirsync not applied', { options: opts })
      const ro = mi.find((m) => m.mountpoint === '/mnt/ro')
      expect(ro?.options.split(',').includes('ro'), 'bind,ro is not read-only', { mount: ro })
      expect(out.includes('ro-writable=no') && out.includes('rw-writable=yes'), 'ro/rw bind mounts do not behave', { out: out.split('\n').slice(-3) })
    },
  },
  {
    id: 'cfg.mounts.options-atime',
    spec: S,
    section: 'Linux mount options',
    level: 'MUST',
    text: 'Runtimes MUST/SHOULD/MAY implement the following option strings for Linux: (MUST: atime, noatime, relatime, norelatime, strictatime, nostrictatime, diratime, nodiratime, dev, nodev, exec, noexec, suid, nosuid, ...)',
    how: 'inside: tmpfs mounts with strictatime (no relatime/noatime flag), relatime, noatime plus nodiratime, and "noexec, exec" / "nosuid, suid" (the later option wins, as mount(8)) show those flags in mountinfo',
    async check(c) {
      const mounts: Array<[string, string[]]> = [
        ['strict', ['strictatime']],
        ['rel', ['relatime']],
        ['noat', ['noatime', 'nodiratime']],
        ['later', ['noexec', 'exec', 'nosuid', 'suid', 'nodev', 'dev']],
      ]
      const out = await c.inside('cat /proc/self/mountinfo', (cfg) => {
        for (const [n, o] of mounts) cfg.mounts.push({ destination: `/mnt/${n}`, type: 'tmpfs', source: 'tmpfs', options: o })
      })
      const mi = parseMountinfo(out)
      const flags = (n: string) => (mi.find((m) => m.mountpoint === `/mnt/${n}`)?.options ?? '').split(',')
      expect(!flags('strict').includes('relatime') && !flags('strict').includes('noatime'), 'strictatime not applied', { options: flags('strict') })
      expect(flags('rel').includes('relatime'), 'relatime not applied', { options: flags('rel') })
      expect(flags('noat').includes('noatime') && flags('noat').includes('nodiratime'), 'noatime/nodiratime not applied', { options: flags('noat') })
      const later = flags('later')
      expect(!later.includes('noexec') && !later.includes('nosuid') && !later.includes('nodev'), 'exec/suid/dev given after noexec/nosuid/nodev did not win', { options: later })
    },
  },
  {
    id: 'cfg.mounts.options-propagation',
    spec: S,
    section: 'Linux mount options',
    level: 'MUST',
    text: 'Runtimes MUST/SHOULD/MAY implement the following option strings for Linux: (MUST: shared, rshared, slave, rslave, private, rprivate, unbindable, runbindable)',
    how: 'inside: bind mounts with shared, slave, private, unbindable show shared:N / master:N (or nothing: a slave of a private host mount has no master) / neither / unbindable in mountinfo',
    async check(c) {
      const out = await c.inside('cat /proc/self/mountinfo', (cfg, b) => {
        for (const p of ['shared', 'slave', 'private', 'unbindable']) {
          fs.mkdirSync(path.join(b.dir, p))
          cfg.mounts.push({ destination: `/mnt/${p}`, type: 'none', source: path.join(b.dir, p), options: ['rbind', p] })
        }
      })
      const mi = parseMountinfo(out)
      const opt = (p: string) => mi.find((m) => m.mountpoint === `/mnt/${p}`)?.optional.join(' ') ?? '(not mounted)'
      expect(/shared:\d+/.test(opt('shared')), 'shared not applied', { optional: opt('shared') })
      expect(/master:\d+/.test(opt('slave')) || opt('slave') === '', 'slave not applied', { optional: opt('slave') })
      expect(!/shared:/.test(opt('private')) && opt('private') !== '(not mounted)', 'private not applied', { optional: opt('private') })
      expect(/unbindable/.test(opt('unbindable')), 'unbindable not applied', { optional: opt('unbindable') })
    },
  },
  {
    id: 'cfg.mounts.options-fs-specific',
    spec: S,
    section: 'Linux mount options',
    level: 'SHOULD',
    text: 'Runtimes SHOULD treat unknown options as filesystem-specific ones and pass those as a comma-separated string to the fifth (const void *data) argument of mount(2).',
    how: 'inside: a tmpfs with size=2m,mode=710,nr_inodes=1234 shows those in its super options',
    async check(c) {
      const out = await c.inside('cat /proc/self/mountinfo', (cfg) =>
        cfg.mounts.push({ destination: '/mnt/fs', type: 'tmpfs', source: 'tmpfs', options: ['size=2m', 'mode=710', 'nr_inodes=1234'] }),
      )
      const m = parseMountinfo(out).find((x) => x.mountpoint === '/mnt/fs')
      for (const o of ['size=2048k', 'mode=710', 'nr_inodes=1234']) expect(m?.superOptions.split(',').includes(o), `${o} not passed`, { mount: m })
    },
  },
  {
    id: 'cfg.mounts.option-nosymfollow',
    spec: S,
    section: 'Linux mount options',
    level: 'SHOULD',
    text: 'Runtimes MUST/SHOULD/MAY implement the following option strings for Linux: ... nosymfollow | SHOULD',
    how: 'inside: a tmpfs with nosymfollow shows it in mountinfo',
    async check(c) {
      const out = await c.inside('cat /proc/self/mountinfo', (cfg) =>
        cfg.mounts.push({ destination: '/mnt/nsf', type: 'tmpfs', source: 'tmpfs', options: ['nosymfollow'] }),
      )
      const m = parseMountinfo(out).find((x) => x.mountpoint === '/mnt/nsf')
      expect(m?.options.split(',').includes('nosymfollow'), 'nosymfollow not applied', { mount: m })
    },
  },
  {
    id: 'cfg.mounts.options-recursive',
    spec: S,
    section: 'Linux mount options',
    level: 'SHOULD',
    text: 'Runtimes MUST/SHOULD/MAY implement the following option strings for Linux: ... rro | SHOULD | Recursive ro (and the other AT_RECURSIVE options)',
    how: 'inside: an rbind with rro of a host directory holding a tmpfs submount: both the mount and its submount are read-only',
    async check(c) {
      const out = await c.inside('cat /proc/self/mountinfo', (cfg, b) => {
        const share = path.join(b.dir, 'share')
        fs.mkdirSync(path.join(share, 'sub'), { recursive: true })
        const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', path.join(share, 'sub')])
        if (r.status !== 0) throw new CheckSkip('cannot mount a tmpfs on the host')
        cfg.mounts.push({ destination: '/mnt/rro', type: 'none', source: share, options: ['rbind', 'rro'] })
      })
      const mi = parseMountinfo(out)
      for (const p of ['/mnt/rro', '/mnt/rro/sub']) {
        const m = mi.find((x) => x.mountpoint === p)
        expect(m?.options.split(',').includes('ro'), `${p} is not read-only`, { mount: m })
      }
    },
  },
  {
    id: 'cfg.mounts.idmap-without-mappings',
    spec: S,
    section: 'Linux mount options',
    level: 'MUST',
    text: 'idmap ... If there are no uidMappings and gidMappings specified and the container isn\'t using user namespaces, an error MUST be returned.',
    how: 'outside: a bind mount with the idmap option, no mappings and no user namespace makes create fail',
    async check(c) {
      await createFails(
        c,
        (cfg, b) => {
          fs.mkdirSync(path.join(b.dir, 'share'))
          cfg.mounts.push({ destination: '/mnt/idmap', type: 'none', source: path.join(b.dir, 'share'), options: ['bind', 'idmap'] })
        },
        'idmap without mappings',
      )
    },
  },
  {
    id: 'cfg.mounts.relative-destination',
    spec: S,
    section: 'Mounts',
    level: 'MUST',
    text: 'Linux: This value SHOULD be an absolute path. For compatibility with old tools and configurations, it MAY be a relative path, in which case it MUST be interpreted as relative to "/".',
    how: 'inside: a tmpfs with destination "mnt/relative" is mounted at /mnt/relative',
    async check(c) {
      const out = await c.inside('cat /proc/self/mountinfo', (cfg) =>
        cfg.mounts.push({ destination: 'mnt/relative', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] }),
      )
      expect(parseMountinfo(out).some((m) => m.mountpoint === '/mnt/relative'), 'nothing mounted at /mnt/relative')
    },
  },
  {
    id: 'cfg.process.args',
    spec: S,
    section: 'Process',
    level: 'MUST',
    text: 'args (array of strings, OPTIONAL) with similar semantics to IEEE Std 1003.1-2008 execvp\'s argv. This specification extends the IEEE standard in that at least one entry is REQUIRED (non-Windows), and that entry is used with the same semantics as execvp\'s file.',
    basis: APPLY,
    how: 'inside: args ["sh", "-c", "printf ...", "zero", "a b", ""] (sh found through PATH like execvp) prints its argv unchanged',
    async check(c) {
      const b = c.bundle(['sh', '-c', 'printf "[%s]" "$0" "$@"', 'zero', 'a b', ''])
      const { stdout } = await c.runToEnd(b)
      expectEqual(stdout, '[zero][a b][]', 'argv seen by the program')
    },
  },
  {
    id: 'cfg.process.args-empty',
    spec: S,
    section: 'Process / Valid values',
    level: 'MUST',
    text: 'This specification extends the IEEE standard in that at least one entry is REQUIRED (non-Windows) (with Valid values: "Runtimes MUST generate an error when invalid or unsupported values are encountered.")',
    how: 'outside: process.args [] makes create (or start) fail',
    async check(c) {
      const b = c.bundle([], (cfg) => (cfg.process.args = []))
      const r = await c.create(b)
      if (r.code === 0) expect((await c.rt(['start', b.id])).code !== 0, 'create and start succeeded with empty args')
    },
  },
  {
    id: 'cfg.process.cwd-relative',
    spec: S,
    section: 'Process / Valid values',
    level: 'MUST',
    text: 'cwd (string, REQUIRED) is the working directory that will be set for the executable. This value MUST be an absolute path. (with Valid values: "Runtimes MUST generate an error when invalid or unsupported values are encountered.")',
    how: 'outside: process.cwd "home/test" (relative) makes create fail',
    async check(c) {
      await createFails(c, (cfg) => (cfg.process.cwd = 'home/test'), 'relative cwd')
    },
  },
  {
    id: 'cfg.process.env',
    spec: S,
    section: 'Process',
    level: 'MUST',
    text: 'env (array of strings, OPTIONAL) with the same semantics as IEEE Std 1003.1-2008\'s environ.',
    basis: APPLY,
    how: 'inside: every configured variable (with spaces, "=" in the value, empty value) is in the environment unchanged',
    async check(c) {
      const want = ['CONF_A=1', 'CONF_B=two words', 'CONF_C=x=y', 'CONF_EMPTY=']
      const out = await c.inside('env', (cfg) => cfg.process.env.push(...want))
      const env = out.split('\n')
      for (const w of want) expect(env.includes(w), `${w} not in the environment`, { env })
    },
  },
  {
    id: 'cfg.process.cwd',
    spec: S,
    section: 'Process',
    level: 'MUST',
    text: 'cwd (string, REQUIRED) is the working directory that will be set for the executable.',
    basis: APPLY,
    how: 'inside: pwd prints the configured cwd (/home/test)',
    async check(c) {
      expectEqual((await c.inside('pwd', (cfg) => (cfg.process.cwd = '/home/test'))).trim(), '/home/test', 'cwd')
    },
  },
  {
    id: 'cfg.process.user',
    spec: S,
    section: 'POSIX-platform User',
    level: 'MUST',
    text: 'uid (int, REQUIRED) specifies the user ID in the container namespace. / gid (int, REQUIRED) specifies the group ID in the container namespace. / additionalGids (array of ints, OPTIONAL) specifies additional group IDs in the container namespace to be added to the process.',
    basis: APPLY,
    how: 'inside: /proc/self/status Uid, Gid and Groups for uid 1000, gid 1000, additionalGids [1001, 1002]',
    async check(c) {
      const out = await c.inside('cat /proc/self/status', (cfg) => (cfg.process.user = { uid: 1000, gid: 1000, additionalGids: [1001, 1002] }))
      expectEqual(statusField(out, 'Uid').split(/\s+/), ['1000', '1000', '1000', '1000'], 'Uid (real, effective, saved, fs)')
      expectEqual(statusField(out, 'Gid').split(/\s+/), ['1000', '1000', '1000', '1000'], 'Gid (real, effective, saved, fs)')
      expectEqual(statusField(out, 'Groups').split(/\s+/).filter(Boolean).sort(), ['1001', '1002'], 'Groups')
    },
  },
  {
    id: 'cfg.process.user.container-namespace',
    spec: S,
    section: 'POSIX-platform User',
    level: 'MUST',
    text: 'uid (int, REQUIRED) specifies the user ID in the container namespace. / gid (int, REQUIRED) specifies the group ID in the container namespace.',
    basis: APPLY,
    how: 'outside: in a user namespace mapping 0 -> 100000, process.user 1000:1000 is host uid/gid 101000 (/proc/PID/status of the running process)',
    async check(c) {
      const b = c.bundle(['sleep', '1000'], (cfg) => {
        cfg.linux.namespaces.push({ type: 'user' })
        cfg.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]
        cfg.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }]
        cfg.process.user = { uid: 1000, gid: 1000 }
      })
      await c.mustCreate(b)
      await c.mustStart(b.id)
      const pid = (await c.state(b.id))?.pid
      const status = readOr(`/proc/${pid}/status`)
      expectEqual([statusField(status, 'Uid').split(/\s+/)[0], statusField(status, 'Gid').split(/\s+/)[0]], ['101000', '101000'], 'host uid, gid')
    },
  },
  {
    id: 'cfg.process.user.umask',
    spec: S,
    section: 'POSIX-platform User',
    level: 'MUST',
    text: 'umask (int, OPTIONAL) specifies the umask of the user.',
    basis: APPLY,
    how: 'inside: with umask 0o27 (23) the shell\'s umask prints 0027',
    async check(c) {
      expectEqual((await c.inside('umask', (cfg) => (cfg.process.user.umask = 0o27))).trim(), '0027', 'umask')
    },
  },
  {
    id: 'cfg.process.user.umask-unset',
    spec: S,
    section: 'POSIX-platform User',
    level: 'SHOULD',
    text: 'If unspecified, the umask should not be changed from the calling process\' umask. (lowercase "should" in the spec: listed as a SHOULD here)',
    how: 'inside: the runtime is started with umask 0037 and no umask in the config; the container\'s umask is 0037',
    async check(c) {
      expectEqual((await c.inside('umask', undefined, { umask: '0037' })).trim(), '0037', 'umask inherited from the caller')
    },
  },
  {
    id: 'cfg.process.rlimits',
    spec: S,
    section: 'POSIX process',
    level: 'MUST',
    text: 'For each entry in rlimits, a getrlimit(3) on type MUST succeed. ... soft ... rlim.rlim_cur MUST match the configured value. hard ... rlim.rlim_max MUST match the configured value.',
    how: 'inside: /proc/self/limits shows RLIMIT_NOFILE 512/1000 and RLIMIT_CORE 1024/2048 (below this host\'s hard limits)',
    async check(c) {
      const out = await c.inside('cat /proc/self/limits', (cfg) => {
        cfg.process.rlimits = [
          { type: 'RLIMIT_NOFILE', soft: 512, hard: 1000 },
          { type: 'RLIMIT_CORE', soft: 1024, hard: 2048 },
        ]
      })
      expectEqual(limitsRow(out, 'Max open files'), ['512', '1000'], 'RLIMIT_NOFILE (soft, hard)')
      expectEqual(limitsRow(out, 'Max core file size'), ['1024', '2048'], 'RLIMIT_CORE (soft, hard)')
    },
  },
  {
    id: 'cfg.process.rlimits.unknown',
    spec: S,
    section: 'POSIX process',
    level: 'MUST',
    text: 'The runtime MUST generate an error for any values which cannot be mapped to a relevant kernel interface.',
    how: 'outside: an rlimit of type RLIMIT_NOSUCHTHING makes create fail',
    async check(c) {
      await createFails(c, (cfg) => cfg.process.rlimits.push({ type: 'RLIMIT_NOSUCHTHING', soft: 1, hard: 1 }), 'unknown rlimit type')
    },
  },
  {
    id: 'cfg.process.rlimits.duplicate',
    spec: S,
    section: 'POSIX process',
    level: 'MUST',
    text: 'If rlimits contains duplicated entries with same type, the runtime MUST generate an error.',
    how: 'outside: two RLIMIT_NOFILE entries make create fail',
    async check(c) {
      await createFails(c, (cfg) => cfg.process.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 512, hard: 512 }), 'duplicate rlimit')
    },
  },
  {
    id: 'cfg.process.capabilities',
    spec: S,
    section: 'Linux Process',
    level: 'MUST',
    text: 'capabilities (object, OPTIONAL) is an object containing arrays that specifies the sets of capabilities for the process. (effective, bounding, inheritable, permitted, ambient: "an array of ... capabilities that are kept for the process")',
    basis: APPLY,
    how: 'inside: for uid 1000, CapBnd/CapInh/CapAmb in /proc/self/status equal the configured sets, and CapPrm/CapEff equal the ambient set (what execve leaves a non-root process without file capabilities)',
    async check(c) {
      const caps = {
        bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETUID'],
        effective: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        inheritable: ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETUID'],
        ambient: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      }
      const out = await c.inside('cat /proc/self/status', (cfg) => {
        cfg.process.user = { uid: 1000, gid: 1000 }
        cfg.process.capabilities = caps
      })
      const got = Object.fromEntries(['CapBnd', 'CapInh', 'CapAmb', 'CapPrm', 'CapEff'].map((f) => [f, statusField(out, f)]))
      expectEqual(got, {
        CapBnd: capMask(caps.bounding),
        CapInh: capMask(caps.inheritable),
        CapAmb: capMask(caps.ambient),
        CapPrm: capMask(caps.ambient),
        CapEff: capMask(caps.ambient),
      }, 'capability sets')
    },
  },
  {
    id: 'cfg.process.capabilities.root',
    spec: S,
    section: 'Linux Process',
    level: 'MUST',
    text: 'bounding (array of strings, OPTIONAL) the bounding field is an array of bounding capabilities that are kept for the process. (and the other four sets)',
    basis: APPLY,
    how: 'inside: for uid 0 with runc\'s default sets (no inheritable), CapBnd, CapPrm and CapEff are exactly the configured three capabilities and CapInh is empty',
    async check(c) {
      const three = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']
      const out = await c.inside('cat /proc/self/status', (cfg) => {
        cfg.process.capabilities = { bounding: three, effective: three, permitted: three }
      })
      const got = Object.fromEntries(['CapBnd', 'CapInh', 'CapPrm', 'CapEff'].map((f) => [f, statusField(out, f)]))
      expectEqual(got, { CapBnd: capMask(three), CapInh: capMask([]), CapPrm: capMask(three), CapEff: capMask(three) }, 'capability sets')
    },
  },
  {
    id: 'cfg.process.capabilities.ungrantable',
    spec: S,
    section: 'Linux Process',
    level: 'SHOULD',
    text: 'Runtimes SHOULD NOT fail if the container configuration requests capabilities that cannot be granted, for example, if the runtime operates in a restricted environment with a limited set of capabilities.',
    how: 'outside+inside: CAP_SYS_RESOURCE (not in this host\'s bounding set) requested in every set: the container is created and runs',
    async check(c) {
      const bnd = BigInt('0x' + statusField(readOr('/proc/self/status'), 'CapBnd'))
      if (bnd & (1n << 24n)) throw new CheckSkip('CAP_SYS_RESOURCE is in this host\'s bounding set: no capability here cannot be granted')
      const out = await c.inside('echo ran', (cfg) => {
        for (const set of ['bounding', 'effective', 'permitted']) cfg.process.capabilities[set].push('CAP_SYS_RESOURCE')
      })
      expectEqual(out.trim(), 'ran', 'container output')
    },
  },
  {
    id: 'cfg.process.capabilities.warning',
    spec: S,
    section: 'Linux Process',
    level: 'MUST',
    text: 'Any value which cannot be mapped to a relevant kernel interface, or cannot be granted otherwise MUST be logged as a warning by the runtime.',
    how: 'not observable: runtime.md leaves how (or whether) a warning is exposed to the implementation',
    notObservable: 'runtime.md, Warnings: "this specification does not mandate how, or even if, that warning is returned or exposed to the user"',
  },
  {
    id: 'cfg.process.noNewPrivileges',
    spec: S,
    section: 'Linux Process',
    level: 'MUST',
    text: 'noNewPrivileges (bool, OPTIONAL) setting noNewPrivileges to true prevents the process from gaining additional privileges.',
    basis: APPLY,
    how: 'inside: NoNewPrivs in /proc/self/status is 1 with noNewPrivileges true and 0 with false',
    async check(c) {
      for (const [v, want] of [[true, '1'], [false, '0']] as const) {
        const out = await c.inside('cat /proc/self/status', (cfg) => (cfg.process.noNewPrivileges = v))
        expectEqual(statusField(out, 'NoNewPrivs'), want, `NoNewPrivs with noNewPrivileges ${v}`)
      }
    },
  },
  {
    id: 'cfg.process.oomScoreAdj',
    spec: S,
    section: 'Linux Process',
    level: 'MUST',
    text: 'If oomScoreAdj is set, the runtime MUST set oom_score_adj to the given value.',
    how: 'inside: /proc/self/oom_score_adj is 123 with oomScoreAdj 123',
    async check(c) {
      expectEqual((await c.inside('cat /proc/self/oom_score_adj', (cfg) => (cfg.process.oomScoreAdj = 123))).trim(), '123', 'oom_score_adj')
    },
  },
  {
    id: 'cfg.process.oomScoreAdj-unset',
    spec: S,
    section: 'Linux Process',
    level: 'MUST',
    text: 'If oomScoreAdj is not set, the runtime MUST NOT change the value of oom_score_adj.',
    how: 'inside: the runtime runs with oom_score_adj 37 and no oomScoreAdj in the config; the container has 37',
    async check(c) {
      expectEqual((await c.inside('cat /proc/self/oom_score_adj', undefined, { oomScoreAdj: 37 })).trim(), '37', 'oom_score_adj')
    },
  },
  {
    id: 'cfg.process.scheduler',
    spec: S,
    section: 'Linux Process',
    level: 'MUST',
    text: 'scheduler (object, OPTIONAL) is an object describing the scheduler properties for the process. (policy ...; nice ... If not set, the runtime must use the value 0.)',
    basis: APPLY,
    how: 'inside: with scheduler {policy: SCHED_BATCH, nice: 5}, /proc/self/sched shows policy 3 and /proc/self/stat nice 5',
    async check(c) {
      const out = await c.inside('echo "=== sched"; cat /proc/self/sched; echo "=== stat"; cat /proc/self/stat', (cfg) => {
        cfg.process.scheduler = { policy: 'SCHED_BATCH', nice: 5 }
      })
      const s = sections(out)
      const policy = /^policy\s*:\s*(\d+)/m.exec(s.sched ?? '')?.[1]
      const stat = s.stat ?? ''
      const nice = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]
      expectEqual([policy, nice], ['3', '5'], 'policy, nice')
    },
  },
  {
    id: 'cfg.process.ioPriority',
    spec: S,
    section: 'Linux Process',
    level: 'MUST',
    text: 'ioPriority (object, OPTIONAL) configures the I/O priority settings for the container\'s processes within the process group. The I/O priority settings will be automatically applied to the entire process group, affecting all processes within the container.',
    basis: APPLY,
    how: 'inside: with ioPriority {class: IOPRIO_CLASS_BE, priority: 6}, the checker\'s ioprio_get shows class 2, level 6',
    async check(c) {
      c.needChecker()
      const out = await c.inside('checker ioprio', (cfg) => (cfg.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 }))
      expectEqual(out.trim(), 'class=2 level=6', 'ioprio')
    },
  },
  {
    id: 'cfg.process.lsm',
    spec: S,
    section: 'Linux Process',
    level: 'MUST',
    text: 'apparmorProfile (string, OPTIONAL) specifies the name of the AppArmor profile for the process. / selinuxLabel (string, OPTIONAL) specifies the SELinux label for the process.',
    basis: APPLY,
    how: 'not observable here: neither AppArmor nor SELinux is enabled on this host',
    notObservable: 'AppArmor is not in this kernel and SELinux is not enabled',
  },
  {
    id: 'cfg.process.consoleSize-ignored',
    spec: S,
    section: 'Process',
    level: 'MUST',
    text: 'Runtimes MUST ignore consoleSize if terminal is false or unset.',
    how: 'outside+inside: terminal false with a consoleSize: the container is created and runs with its stdout not a terminal',
    async check(c) {
      const out = await c.inside('[ -t 1 ] && echo tty || echo notty', (cfg) => (cfg.process.consoleSize = { height: 10, width: 20 }))
      expectEqual(out.trim(), 'notty', 'stdout')
    },
  },
  {
    id: 'cfg.hostname',
    spec: S,
    section: 'Hostname',
    level: 'MUST',
    text: 'hostname (string, OPTIONAL) specifies the container\'s hostname as seen by processes running inside the container. On Linux, for example, this will change the hostname in the container UTS namespace.',
    basis: APPLY,
    how: 'inside: hostname prints the configured name',
    async check(c) {
      expectEqual((await c.inside('hostname', (cfg) => (cfg.hostname = 'conformance-host'))).trim(), 'conformance-host', 'hostname')
    },
  },
  {
    id: 'cfg.domainname',
    spec: S,
    section: 'Domainname',
    level: 'MUST',
    text: 'domainname (string, OPTIONAL) specifies the container\'s domainname as seen by processes running inside the container.',
    basis: APPLY,
    how: 'inside: /proc/sys/kernel/domainname is the configured name',
    async check(c) {
      expectEqual((await c.inside('cat /proc/sys/kernel/domainname', (cfg) => (cfg.domainname = 'conformance.test'))).trim(), 'conformance.test', 'domainname')
    },
  },
  {
    id: 'cfg.extensibility',
    spec: S,
    section: 'Extensibility',
    level: 'MUST',
    text: 'Runtimes MAY log unknown properties but MUST otherwise ignore them. That includes not generating errors if they encounter an unknown property.',
    how: 'outside+inside: unknown properties at the top level, in process, in linux and in a mount: create succeeds and the container runs',
    async check(c) {
      const out = await c.inside('echo ran', (cfg) => {
        cfg['org.example.conformance.unknown'] = { nested: [1, 2] }
        cfg.process['org.example.unknownProcessField'] = true
        cfg.linux['org.example.unknownLinuxField'] = 'x'
        cfg.mounts[0]['org.example.unknownMountField'] = 1
      })
      expectEqual(out.trim(), 'ran', 'container output')
    },
  },
  {
    id: 'cfg.valid-values',
    spec: S,
    section: 'Valid values',
    level: 'MUST',
    text: 'Runtimes MUST generate an error when invalid or unsupported values are encountered.',
    how: 'outside: create fails for a namespace type "nosuchns", for a rootfsPropagation "sideways", and for a mount option "ro" given as a number',
    async check(c) {
      await createFails(c, (cfg) => cfg.linux.namespaces.push({ type: 'nosuchns' }), 'namespace type nosuchns')
      await createFails(c, (cfg) => (cfg.linux.rootfsPropagation = 'sideways'), 'rootfsPropagation sideways')
      await createFails(c, (cfg) => cfg.mounts.push({ destination: '/mnt/x', type: 'tmpfs', source: 'tmpfs', options: [42] }), 'a numeric mount option')
    },
  },
  {
    id: 'cfg.hooks.timeout-positive',
    spec: S,
    section: 'POSIX-platform Hooks / Valid values',
    level: 'MUST',
    text: 'timeout (int, OPTIONAL) is the number of seconds before aborting the hook. If set, timeout MUST be greater than zero. (with Valid values: "Runtimes MUST generate an error when invalid or unsupported values are encountered.")',
    how: 'outside: a createRuntime hook with timeout 0 makes create fail',
    async check(c) {
      await createFails(c, (cfg) => (cfg.hooks = { createRuntime: [{ path: '/bin/true', timeout: 0 }] }), 'hook timeout 0')
    },
  },
  {
    id: 'cfg.annotations',
    spec: S,
    section: 'Annotations',
    level: 'MUST',
    text: 'Annotations MUST be a key-value map. ... Keys MUST be strings. Keys MUST NOT be an empty string.',
    how: 'not a runtime requirement: these constrain the bundle author (the runtime side, annotations in state, is rt.state.annotations)',
    notObservable: 'constrains config authors, not the runtime; see rt.state.annotations',
  },
]
