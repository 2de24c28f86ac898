// linux.devices (mknod with type, major, minor, mode, uid, gid) and
// linux.rootfsPropagation, seen from inside; compared with runc.
import t from 'tap'
import * as fs from 'node:fs'
import type { Test } from 'tap'
import { assertNoTrace, diag, isOcits, makeBundle, runtime, sections, traceOf, type Mutate } from '../helpers'

const RUNC = '/usr/sbin/runc'

async function inside(t: Test, script: string, mutate: Mutate, bin?: string): Promise<Record<string, string>> {
  const r = runtime(t, bin ? { bin } : {})
  const b = makeBundle(t, (c, bb) => {
    c.process.args = ['sh', '-c', script]
    mutate(c, bb)
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, `${bin ?? 'runtime'}: the container ran`, diag(res))
  await assertNoTrace(t, traceOf(r.root, b))
  return sections(res.stdout)
}

t.test('linux.devices: char, block and fifo nodes with mode and owner', async (t) => {
  const mutate: Mutate = (c) => {
    c.linux.devices = [
      { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o640, uid: 1000, gid: 1001 },
      { path: '/dev/loopx', type: 'b', major: 7, minor: 200, fileMode: 0o600 },
      { path: '/dev/sub/pipe', type: 'p', fileMode: 0o620, uid: 5, gid: 6 },
    ]
  }
  const script = 'echo "=== ls"; stat -c "%n %F %t:%T %a %u:%g" /dev/fuse /dev/loopx /dev/sub/pipe'
  const s = await inside(t, script, mutate)
  t.match(s.ls, /^\/dev\/fuse character special file a:e5 640 1000:1001$/m, '/dev/fuse c 10:229 0640 1000:1001')
  t.match(s.ls, /^\/dev\/loopx block special file 7:c8 600 0:0$/m, '/dev/loopx b 7:200 0600')
  t.match(s.ls, /^\/dev\/sub\/pipe fifo 0:0 620 5:6$/m, '/dev/sub/pipe fifo 0620 5:6 (parent dir created)')
  if (isOcits() && fs.existsSync(RUNC)) {
    const r = await inside(t, script, mutate, RUNC)
    t.equal(s.ls, r.ls, 'same nodes as runc')
  }
})

t.test('linux.rootfsPropagation', async (t) => {
  // The optional fields of "/" in mountinfo: shared:N for shared, master:N for slave, none for private.
  const script = 'echo "=== root"; awk \'$5 == "/" { for (i = 7; $i != "-"; i++) printf "%s ", $i; print "" }\' /proc/self/mountinfo'
  const priv = await inside(t, script, (c) => (c.linux.rootfsPropagation = 'rprivate'))
  t.notMatch(priv.root, /shared:|master:/, 'rprivate: no peer group')
  const slave = await inside(t, script, (c) => (c.linux.rootfsPropagation = 'rslave'))
  t.notMatch(slave.root, /shared:/, 'rslave: not shared')
  const shared = await inside(t, script, (c) => (c.linux.rootfsPropagation = 'shared'))
  t.match(shared.root, /shared:\d+/, 'shared: a peer group')
})
