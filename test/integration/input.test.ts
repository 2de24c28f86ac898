// Bad and large input found by fuzzing (issue 10): every case gets a clear,
// one-line error naming the field before anything runs (exit 1, no trace), or,
// for input that is merely large, works.
import t from 'tap'
import * as fs from 'node:fs'
import type { Test } from 'tap'
import {
  assertNoTrace,
  diag,
  firstLine,
  isOcits,
  makeBundle,
  runtime,
  traceOf,
  type Bundle,
  type RunResult,
} from '../helpers'

const OCITS = isOcits()

/** exit 1, one line on stderr, nothing left behind; the line is returned. */
async function refused(t: Test, res: RunResult, b: Bundle, root: string, what: string): Promise<string> {
  t.equal(res.code, 1, `${what}: exit code 1`, diag(res))
  t.notOk(res.stderr.trim().includes('\n'), `${what}: one line on stderr`, diag(res))
  await assertNoTrace(t, traceOf(root, b), what)
  return firstLine(res)
}

t.test('a 2 MB config reaches the init (a plan of 1.4 MB goes in parts), and 1 MB states reach the init\'s own hooks', async (t) => {
  const r = runtime(t)
  // what reaches the plan: 1 MiB of environment (within execve's limits) and
  // 1000 mounts with long destinations; with 1 MB of annotations, over 2 MB of config.json
  const annotations: Record<string, string> = {}
  for (let i = 0; i < 1000; i++) annotations[`org.example.a${i}`] = String(i % 10).repeat(1000)
  const env = Array.from({ length: 8192 }, (_, i) => `V${i}=${'v'.repeat(120)}`)
  const dir = `/mnt/${'d'.repeat(250)}`
  const b = makeBundle(t, (c) => {
    c.process.args = ['sh', '-c', `env | grep -c '^V[0-9]*=v'; ls ${dir} | wc -l`]
    c.process.env.push(...env)
    c.annotations = annotations
    for (let i = 0; i < 1000; i++) c.mounts.push({ destination: `${dir}/m${i}`, type: 'tmpfs', source: 'tmpfs', options: ['size=64k'] })
  })
  t.ok(fs.statSync(b.configPath).size > 2_000_000, 'config.json is over 2 MB')
  const res = await r.rt(['run', '--bundle', b.dir, b.id], { timeout: 120000 })
  t.equal(res.code, 0, 'run', diag(res))
  t.equal(res.stdout, '8192\n1000\n', 'the whole environment and every mount reached the process', diag(res))
  await assertNoTrace(t, traceOf(r.root, b))

  // createContainer and startContainer hooks get the state (with every annotation) from the init
  const h = makeBundle(t, (c) => {
    c.process.args = ['true']
    c.annotations = annotations
    const count = { path: '/bin/sh', args: ['sh', '-c', 'test "$(wc -c)" -gt 1000000'] }
    c.hooks = { createContainer: [count], startContainer: [count] }
  })
  const hr = await r.rt(['run', '--bundle', h.dir, h.id])
  t.equal(hr.code, 0, 'run with createContainer and startContainer hooks: each read a state of over 1 MB', diag(hr))
  await assertNoTrace(t, traceOf(r.root, h))
})


t.test('a NUL byte in any string is refused at validation, naming the field', async (t) => {
  const r = runtime(t)
  const cases: [string, (c: any) => void, string][] = [
    ['mount destination', (c) => c.mounts.push({ destination: '/dev/shm\u0000/../../x', type: 'tmpfs', source: 'tmpfs' }), '/mounts/7/destination'],
    ['hostname', (c) => (c.hostname = 'a\u0000b'), '/hostname'],
    ['cwd', (c) => (c.process.cwd = '/tmp\u0000/x'), '/process/cwd'],
    ['env', (c) => c.process.env.push('A=1\u0000B=2'), `/process/env/3`],
    ['args', (c) => (c.process.args = ['echo', 'a\u0000b']), '/process/args/1'],
    ['an annotation key', (c) => (c.annotations = { 'k\u0000/x': 'v' }), '/annotations/k\\u0000~1x'],
  ]
  for (const [what, mutate, ptr] of cases) {
    const b = makeBundle(t, mutate)
    const res = await r.rt(['create', '--bundle', b.dir, b.id])
    const line = await refused(t, res, b, r.root, what)
    if (OCITS) t.equal(line, `ocits: invalid config: ${ptr}: must not contain a NUL byte`, `${what}: names ${JSON.stringify(ptr)}`)
    t.notOk(fs.existsSync(`${b.rootfs}/x`), `${what}: nothing made in the rootfs`)
  }
  // exec --process
  const b = makeBundle(t)
  t.equal((await r.rt(['run', '-d', '--bundle', b.dir, b.id])).code, 0, 'run -d')
  const proc = `${b.dir}/process.json`
  fs.writeFileSync(proc, JSON.stringify({ ...b.config.process, args: ['sh', '-c', 'echo\u0000x'] }))
  const e = await r.rt(['exec', '--process', proc, b.id])
  t.equal(e.code, 255, 'exec --process with a NUL: refused (exec failures exit 255, as runc)', diag(e))
  if (OCITS) t.equal(firstLine(e), 'ocits: exec failed: invalid process: /args/2: must not contain a NUL byte', 'names the field of the process', diag(e))
  t.equal((await r.rt(['delete', '--force', b.id])).code, 0, 'delete')
})

t.test('the init\'s error keeps its cause, however long the input it echoes', async (t) => {
  const r = runtime(t)
  // a 100 kB destination whose first component is too long for the kernel
  const b = makeBundle(t, (c) => c.mounts.push({ destination: `/${'a'.repeat(300)}/${'b'.repeat(100000)}`, type: 'tmpfs', source: 'tmpfs' }))
  const res = await r.rt(['create', '--bundle', b.dir, b.id])
  const line = await refused(t, res, b, r.root, 'a 100 kB mount destination')
  t.ok(line.length < 2000, 'the echoed destination is shortened', { length: line.length })
  if (OCITS) t.match(line, /^ocits: mount \/a+\.\.\. \(100302 bytes\): (resolve|create) \/a+\.\.\. \(300 bytes\): file name too long$/, 'and the cause (the kernel\'s) is at its end', { line })
})

t.test('warnings echo input on one line, shortened: a 1 MiB capability name', async (t) => {
  const r = runtime(t)
  const name = `CAP_${'X'.repeat(1 << 20)}`
  const b = makeBundle(t, (c) => {
    c.process.args = ['true']
    c.process.capabilities.bounding.push(name)
  })
  const res = await r.rt(['run', '--bundle', b.dir, b.id])
  t.equal(res.code, 0, 'an unknown capability is ignored, as runc', { stderr: res.stderr.slice(0, 500) })
  t.ok(res.stderr.length < 1000, 'the warning is short', { length: res.stderr.length })
  t.equal(res.stderr.split('\n').filter(Boolean).length, 1, 'and one line')
  if (OCITS) t.match(res.stderr, /ignoring unknown or unavailable capabilities: \[CAP_X+\.\.\. \(1048580 characters\)\]/, 'it names the capability, cut, with its length')
  await assertNoTrace(t, traceOf(r.root, b))
})

t.test('uidMappings over the kernel\'s 340 ranges are refused before anything runs', async (t) => {
  const r = runtime(t)
  const b = makeBundle(t, (c) => {
    c.process.args = ['true']
    c.linux.namespaces.push({ type: 'user' })
    c.linux.uidMappings = Array.from({ length: 100000 }, (_, i) => ({ containerID: i, hostID: 200000 + i, size: 1 }))
    c.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }]
  })
  const res = await r.rt(['create', '--bundle', b.dir, b.id])
  const line = await refused(t, res, b, r.root, '100 000 uid ranges')
  if (OCITS) t.equal(line, 'ocits: invalid config: /linux/uidMappings: 100000 ranges: the kernel takes at most 340', 'names the field and the limit')
})
