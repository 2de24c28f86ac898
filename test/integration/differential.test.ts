// Differential tests: the same bundle under the reference runc and under the
// runtime under test must look the same from inside (ids, mounts, /dev, env,
// caps, limits, cgroups, fds, namespaces) and from outside (state JSON, exit
// codes). A difference is a bug in the runtime unless its README says why.
import t from 'tap'
import * as fs from 'node:fs'
import type { Test } from 'tap'
import {
  sections,
  assertNoTrace,
  diag,
  hardLimit,
  isRunc,
  makeBundle,
  newId,
  referenceRunc,
  runtime,
  runtimeBin,
  stateOf,
  traceOf,
  waitForStatus,
  type Bundle,
  type Mutate,
  type Runtime,
} from '../helpers'

const REF = referenceRunc()
const SKIP = !REF
  ? 'reference runc (/usr/sbin/runc) is not installed'
  : isRunc()
    ? 'the runtime under test is runc itself: nothing to compare'
    : false

const SCRIPT = [
  'sec() { echo "=== $1"; }',
  'sec id; id',
  'sec hostname; hostname',
  'sec mountinfo; cat /proc/self/mountinfo',
  'sec dev; ls -ln /dev',
  'sec pwd; pwd',
  'sec env; env | sort',
  'sec caps; grep Cap /proc/self/status',
  "sec status; grep -E '^(Uid|Gid|Groups|Umask|NoNewPrivs|Seccomp|Seccomp_filters):' /proc/self/status",
  'sec limits; cat /proc/self/limits',
  'sec cgroup; cat /proc/self/cgroup',
  'sec fds; ls -la /proc/self/fd',
  'sec ns; ls -l /proc/self/ns',
  'sec oom; cat /proc/self/oom_score_adj',
  'sec root; ls -ln /',
  'sec umask; umask',
  'sec ppid; grep PPid /proc/self/status',
  'exit 7',
].join('\n')

/** Host namespace inodes, to tell "shared with the host" from "new" inside. */
function hostNamespaces(): Map<string, string> {
  const m = new Map<string, string>()
  for (const n of fs.readdirSync('/proc/self/ns')) {
    try {
      m.set(fs.readlinkSync(`/proc/self/ns/${n}`), n)
    } catch {
      /* ignore */
    }
  }
  return m
}

const dropDates = (l: string) => l.replace(/\s\w{3}\s+\d{1,2}\s+(\d{1,2}:\d{2}|\d{4})\s/, ' ').replace(/\s+/g, ' ')

/** Per-section normalization of host- and run-specific details. */
function normalize(sections: Record<string, string>, b: Bundle): Record<string, string> {
  const hostNs = hostNamespaces()
  const out: Record<string, string> = {}
  const common = (s: string) => s.split(b.dir).join('<BUNDLE>').split(b.cgroupsPath).join('<CGROUP>')
  for (const [k, v] of Object.entries(sections)) {
    let lines = v.split('\n')
    switch (k) {
      case 'mountinfo':
        lines = lines.map((l) => {
          const f = l.split(' ')
          const sep = f.indexOf('-', 6)
          if (sep < 0) return l
          const optional = f.slice(6, sep).map((o) => o.replace(/:\d+/g, ':N'))
          const src = f[sep + 2]?.startsWith('/') ? '<SRC>' : f[sep + 2]
          // drop mount id, parent id and major:minor
          return [f[3], f[4], f[5], ...optional, '-', f[sep + 1], src, f[sep + 3]].join(' ')
        })
        // Deliberate differences, in the README's compatibility table: on a
        // v1/hybrid host ocits also binds the container's cgroup2 (unified)
        // dir, and remounts the /sys/fs/cgroup tmpfs read-only when the config
        // asks for "ro" (runc 1.1.5 leaves that tmpfs writable).
        lines = lines
          .filter((l) => !/ \/sys\/fs\/cgroup\/unified .* - cgroup2 /.test(l))
          .map((l) => l.replace(/^(\/ \/sys\/fs\/cgroup )ro,(.* - tmpfs )/, '$1rw,$2'))
        break
      case 'dev':
      case 'root':
        // drop dates and link counts (procfs' nlink follows the host's process count)
        lines = lines.map(dropDates).map((l) => l.replace(/^(\S+) \d+ /, '$1 '))
        break
      case 'fds':
        // fds 0-2: runc's foreground `run` (no terminal) hands the container
        // pipes it copies to/from its own stdio, not the caller's fds; what
        // stdio is connected to is not compared, only that it is there
        lines = lines
          .map(dropDates)
          .map((l) => l.replace(/^\S+ .* ([012]) -> .*$/, '$1 -> <stdio>'))
          .map((l) => l.replace(/(pipe|socket|anon_inode):\[\d+\]/g, '$1:[N]').replace(/\/proc\/\d+\//g, '/proc/N/'))
        break
      case 'ns':
        lines = lines.map((l) => {
          const m = /(\w+) -> (\w+:\[\d+\])$/.exec(l)
          if (!m) return dropDates(l)
          return `${m[1]} ${hostNs.has(m[2]) ? 'shared-with-host' : 'new'}`
        })
        break
    }
    out[k] = common(lines.join('\n'))
  }
  return out
}


async function runBoth(t: Test, b: Bundle, extra: string[] = []) {
  const ref = runtime(t, { bin: REF })
  const sut = runtime(t)
  const results = []
  for (const r of [ref, sut]) {
    const id = newId(t)
    const res = await r.rt(['run', ...extra, '--bundle', b.dir, id])
    await assertNoTrace(t, traceOf(r.root, b, id), `${r.bin} run`)
    results.push(res)
  }
  return results
}

function compareRun(b: Bundle, extra: string[] = []) {
  return async (t2: Test) => {
    const [ref, sut] = await runBoth(t2, b, extra)
    t2.equal(ref.code, 7, 'runc ran the script', diag(ref))
    t2.equal(sut.code, ref.code, 'same exit code as runc', diag(sut))
    t2.equal(sut.stderr, ref.stderr, 'same stderr as runc')
    const want = normalize(sections(ref.stdout), b)
    const got = normalize(sections(sut.stdout), b)
    t2.same(Object.keys(got), Object.keys(want), 'same sections')
    for (const k of Object.keys(want)) t2.equal(got[k], want[k], `${k} matches runc`)
  }
}

function variant(t: Test, name: string, mutate: Mutate, extra: string[] = []) {
  t.test(name, { skip: SKIP }, async (t) => {
    const b = makeBundle(t, (c, bb) => {
      c.process.args = ['sh', '-c', SCRIPT]
      mutate(c, bb)
    })
    await compareRun(b, extra)(t)
  })
}

if (!SKIP) t.comment(`runtime under test: ${runtimeBin()}; reference: ${REF}`)
variant(t, 'default config (root, readonly root)', () => {})

variant(t, 'non-root user, groups, umask, cwd, env, rlimits, writable root', (c) => {
  c.root.readonly = false
  c.hostname = 'differential'
  c.process.cwd = '/home/test/work'
  c.process.user = { uid: 1000, gid: 1000, additionalGids: [1001, 65534], umask: 0o027 }
  c.process.env.push('FOO=bar baz', 'EMPTY=')
  c.process.rlimits = [
    { type: 'RLIMIT_NOFILE', hard: Math.min(1024, hardLimit('Max open files')), soft: 512 },
    { type: 'RLIMIT_NPROC', hard: Math.min(4096, hardLimit('Max processes')), soft: 256 },
  ]
  c.process.noNewPrivileges = false
})

variant(t, 'all default capabilities dropped except a few, no new privileges', (c) => {
  c.process.capabilities = {
    bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_SETUID', 'CAP_SETGID'],
    effective: ['CAP_CHOWN', 'CAP_KILL'],
    permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_SETUID'],
    inheritable: ['CAP_KILL'],
    ambient: ['CAP_KILL'],
  }
})

variant(t, 'extra mounts, masked and readonly paths', (c) => {
  c.mounts.push(
    { destination: '/mnt/tmp', type: 'tmpfs', source: 'tmpfs', options: ['size=2m', 'mode=750', 'nodev'] },
    { destination: '/mnt/ro', type: 'bind', source: '/etc', options: ['rbind', 'ro'] },
  )
  c.linux.maskedPaths.push('/etc/group')
  c.linux.readonlyPaths.push('/home')
})

variant(t, '--no-pivot', () => {}, ['--no-pivot'])

variant(t, 'shared host network and ipc namespaces', (c) => {
  c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== 'network' && n.type !== 'ipc')
})

t.test('state JSON through the lifecycle', { skip: SKIP }, async (t) => {
  const b = makeBundle(t, ['sleep', '1000'])
  const annotated = makeBundle(t, (c) => {
    c.annotations = { 'org.example.a': '1', 'org.example.b': 'two' }
  })
  for (const bundle of [b, annotated]) {
    const seen: Array<Record<string, Array<Record<string, any> | undefined>>> = []
    for (const r of [runtime(t, { bin: REF }), runtime(t)] as Runtime[]) {
      const id = bundle.id // same id, different roots: state must agree
      const steps: Record<string, Array<Record<string, any> | undefined>> = {}
      const c = await r.rt(['create', '--bundle', bundle.dir, id])
      t.equal(c.code, 0, `${r.bin} create`, diag(c))
      steps.created = [await stateOf(r, id), await rawKeys(r, id)]
      const s = await r.rt(['start', id])
      t.equal(s.code, 0, `${r.bin} start`, diag(s))
      steps.running = [await stateOf(r, id), await rawKeys(r, id)]
      const k = await r.rt(['kill', id, 'KILL'])
      t.equal(k.code, 0, `${r.bin} kill`, diag(k))
      steps.stopped = [await waitForStatus(r, id, 'stopped'), await rawKeys(r, id)]
      const d = await r.rt(['delete', id])
      t.equal(d.code, 0, `${r.bin} delete`, diag(d))
      await assertNoTrace(t, traceOf(r.root, bundle, id))
      seen.push(steps)
    }
    const [ref, sut] = seen
    for (const step of ['created', 'running', 'stopped']) {
      const [rs, rk] = ref[step]
      const [ss, sk] = sut[step]
      t.same(sk, rk, `${step}: same keys in the same order`)
      const strip = (x: Record<string, any> | undefined) => {
        const { pid, created, ociVersion, ...rest } = x ?? {}
        return { ...rest, pidIsZero: pid === 0 }
      }
      t.same(strip(ss), strip(rs), `${step}: same values (except pid, created, ociVersion)`)
    }
  }
})

t.test('exit codes of run', { skip: SKIP }, async (t) => {
  for (const code of [0, 1, 42, 255]) {
    const b = makeBundle(t, ['sh', '-c', `exit ${code}`])
    const [ref, sut] = await runBoth(t, b)
    t.equal(ref.code, code, `runc: exit ${code}`, diag(ref))
    t.equal(sut.code, ref.code, `exit ${code} as runc`, diag(sut))
  }
})

async function rawKeys(r: Runtime, id: string): Promise<Record<string, any> | undefined> {
  const res = await r.rt(['state', id])
  try {
    return { keys: Object.keys(JSON.parse(res.stdout)) }
  } catch {
    return undefined
  }
}
