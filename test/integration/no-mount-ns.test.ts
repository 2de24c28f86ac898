// A config without a mount namespace (config-linux.md: a namespace type that
// is not listed is inherited from the runtime): the rootfs is prepared in the
// runtime's mount namespace, entered with chroot, and nothing of it is left
// mounted after delete, a failed create, or a create killed half way; the
// host's own mounts keep their propagation. runc 1.1.5 runs such a container
// too, but makes the host's / rslave and leaves its mounts behind: it is not
// run here (it would change this machine's mounts), so there is no
// differential test.
import t from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { spawnSync } from 'node:child_process'
import {
  assertNoTrace,
  createKilledAfter,
  diag,
  makeBundle,
  mountsUnder,
  parseMountinfo,
  runtime,
  sections,
  stateOf,
  traceOf,
  waitForStatus,
  type Mutate,
} from '../helpers'

const noMountNs: Mutate = (c) => {
  c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'mount')
}

/** The propagation (shared:N, master:N) of every host mount, by mount point: what must not change. */
function hostPropagation(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of parseMountinfo()) out[m.mountpoint] = m.optional.join(' ')
  return out
}

t.test('run: the host mount namespace, the rootfs entered with chroot, nothing left mounted', async (t) => {
  const hostMnt = fs.readlinkSync('/proc/self/ns/mnt')
  const before = hostPropagation()
  const r = runtime(t)
  const b = makeBundle(t, (c, bb) => {
    noMountNs(c, bb)
    c.process.args = [
      'sh',
      '-c',
      'echo "=== mnt"; readlink /proc/self/ns/mnt; echo "=== ls"; ls /; echo "=== null"; echo x > /dev/null && echo ok; ' +
        'echo "=== masked"; wc -c < /proc/timer_list; echo "=== ro"; touch /x 2>/dev/null && echo writable || echo read-only',
    ]
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'the container runs', diag(res))
  const s = sections(res.stdout)
  t.equal(s.mnt, hostMnt, "the runtime's mount namespace")
  t.same(s.ls.split('\n').sort(), ['bin', 'dev', 'etc', 'home', 'proc', 'root', 'sys', 'tmp'], '/ is the rootfs')
  t.equal(s.null, 'ok', '/dev set up')
  t.equal(s.masked, '0', 'maskedPaths hold')
  t.equal(s.ro, 'read-only', 'root.readonly holds')
  await assertNoTrace(t, traceOf(r.root, b))
  t.same(hostPropagation(), before, "the host's mounts are as they were (propagation included)")
})

t.test('create, exec, kill, delete: nothing left mounted; a rootfs that was a mount point keeps that mount', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, noMountNs)
  // the rootfs is a mount point of its own (as a client's overlay would be)
  t.equal(spawnSync('mount', ['--bind', b.rootfs, b.rootfs]).status, 0, 'the rootfs is a mount point before create')
  const mine = () => parseMountinfo().filter((m) => m.mountpoint.startsWith(b.rootfs)).map((m) => m.id)
  const pre = mine()
  const c = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(c.code, 0, 'create', diag(c))
  t.ok(mine().length > pre.length, "the container's mounts are in the host's namespace")
  t.equal((await r.rt(['start', b.id])).code, 0, 'start')
  const e = await r.rt(['exec', b.id, 'sh', '-c', 'ls /etc/passwd; readlink /proc/self/ns/mnt'])
  t.equal(e.code, 0, 'exec', diag(e))
  t.equal(e.stdout, `/etc/passwd\n${fs.readlinkSync('/proc/self/ns/mnt')}\n`, 'exec is in the container root')
  t.equal((await r.rt(['kill', b.id, 'KILL'])).code, 0, 'kill')
  await waitForStatus(r, b.id, 'stopped')
  t.equal((await stateOf(r, b.id))?.status, 'stopped', 'stopped')
  const d = await r.rt(['delete', b.id])
  t.equal(d.code, 0, 'delete', diag(d))
  t.same(mine(), pre, 'delete removed every mount of the container and kept the one that was there')
  spawnSync('umount', [b.rootfs])
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('a create that fails half way leaves nothing mounted', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c, bb) => {
    noMountNs(c, bb)
    c.mounts.push({ destination: '/late', type: 'tmpfs', source: 'tmpfs', options: ['size=bogus'] })
  })
  const res = await r.rt(['create', '--bundle', b.dir, b.id])
  t.equal(res.code, 1, 'create fails at a late mount', diag(res))
  t.match(res.stderr, /mount tmpfs/, "the init's cause")
  await assertNoTrace(t, traceOf(r.root, b))
})

// SIGKILL `create` at different moments: delete --force removes every mount.
t.test('a create killed half way: delete --force leaves nothing mounted', async (t) => {
  for (const ms of [0, 10, 20, 30, 40, 60, 80, 120]) {
    const r = runtime(t)
    const b = makeBundle(t, noMountNs)
    await createKilledAfter(r, b, ms)
    const del = await r.rt(['delete', '--force', b.id])
    t.equal(del.code, 0, `killed after ${ms} ms: delete --force`, { stderr: del.stderr })
    t.same(mountsUnder(b.dir), [], `killed after ${ms} ms: nothing mounted`)
    await assertNoTrace(t, traceOf(r.root, b), `killed after ${ms} ms`)
  }
})

t.test('what cannot be done safely without a mount namespace is refused, saying why', async (t) => {
  const cases: [string, Mutate, RegExp][] = [
    ['a new user namespace', (c) => {
      c.linux.namespaces.push({ type: 'user' })
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 1000 }]
      c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 1000 }]
    }, /\/linux\/namespaces: a new user namespace needs a mount namespace too/],
    ['rootfsPropagation', (c) => (c.linux.rootfsPropagation = 'shared'), /\/linux\/rootfsPropagation: needs a mount namespace: without one it would change the propagation of the host's \//],
  ]
  for (const [what, more, says] of cases) {
    const r = runtime(t)
    const b = makeBundle(t, (c, bb) => {
      noMountNs(c, bb)
      more(c, bb)
    })
    const res = await r.rt(['create', '--bundle', b.dir, b.id])
    t.equal(res.code, 1, `${what}: refused`, diag(res))
    t.match(res.stderr, says, `${what}: says why`)
    await assertNoTrace(t, traceOf(r.root, b), what)
  }
})

t.test('the exec of a --no-pivot-like chroot: a relative path stays in the container', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c, bb) => {
    noMountNs(c, bb)
    fs.writeFileSync(path.join(bb.rootfs, 'etc', 'marker'), 'inside\n')
  })
  t.equal((await r.rt(['run', '-d', '--bundle', b.dir, b.id])).code, 0, 'run -d')
  const e = await r.rt(['exec', '--cwd', '/etc', b.id, 'cat', 'marker'])
  t.equal(e.stdout, 'inside\n', 'exec --cwd resolves in the container root', diag(e))
  t.equal((await r.rt(['delete', '--force', b.id])).code, 0, 'delete --force')
  await assertNoTrace(t, traceOf(r.root, b))
})
