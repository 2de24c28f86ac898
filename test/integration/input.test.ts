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

void refused
void OCITS
